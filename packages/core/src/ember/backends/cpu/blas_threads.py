"""One BLAS thread for small matrix products, all of them for large ones.

Waking OpenBLAS's thread pool costs more than it saves below about two million
multiply-adds: a 64x64 @ 64x128 product takes 25 us on two threads and 16 us on one here.
PyTorch makes the same choice inside its GEMM; NumPy does not, so ember switches OpenBLAS's
thread count (through threadpoolctl, a fraction of a microsecond per switch) only when a
product crosses the threshold.
"""

from __future__ import annotations

SMALL = 1 << 21  # multiply-adds below which one thread is faster


class BlasThreads:
    def __init__(self) -> None:
        self._controllers: list | None = None
        self._default = 1
        self._current: int | None = None

    def _load(self) -> None:
        try:
            from threadpoolctl import ThreadpoolController
            found = [c for c in ThreadpoolController().lib_controllers if c.internal_api == "openblas"]
        except Exception:  # no threadpoolctl, or it cannot read this BLAS: leave threading alone
            found = []
        self._controllers = found
        self._default = max((c.num_threads for c in found), default=1)

    def fit(self, work: int) -> None:
        """Use one thread for a product of ``work`` multiply-adds if it is small, else all."""
        if self._controllers is None:
            self._load()
        want = 1 if work < SMALL else self._default
        if want != self._current and self._controllers:
            for c in self._controllers:
                c.set_num_threads(want)
            self._current = want


blas_threads = BlasThreads()
