"""The one thread budget of the CPU kernels, and BLAS's share of it per product.

ember's CPU kernels run one after another in the calling thread: a BLAS product, then maybe a
Cython kernel with an OpenMP team, never both at once. So one number, ``budget``
(``ember.set_num_threads``; by default ``OMP_NUM_THREADS`` or the CPUs this process may run
on), caps both: OpenBLAS's thread count and the OpenMP team size (``buffers.threads_for``).
Two pools still exist (NumPy's OpenBLAS is built with pthreads, not OpenMP), but they never
hold more than ``budget`` busy threads between them.

Within the budget, small products get one thread. Waking OpenBLAS's pool costs more than it
saves below about two million multiply-adds: a 64x64 @ 64x128 product takes 25 us on two
threads and 16 us on one here. PyTorch makes the same choice inside its GEMM; NumPy does not,
so ember switches OpenBLAS's thread count (through threadpoolctl, a fraction of a microsecond
per switch) only when a product crosses the threshold.
"""

from __future__ import annotations

import os

SMALL = 1 << 21  # multiply-adds below which one thread is faster


def _default_budget() -> int:
    """``OMP_NUM_THREADS`` if set (its first entry), else the CPUs this process may run on."""
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0]))
    except ValueError:
        pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class BlasThreads:
    def __init__(self) -> None:
        self._controllers: list | None = None
        self.budget = _default_budget()
        self._current: int | None = None

    def _load(self) -> None:
        try:
            from threadpoolctl import ThreadpoolController
            found = [c for c in ThreadpoolController().lib_controllers if c.internal_api == "openblas"]
        except Exception:  # no threadpoolctl, or it cannot read this BLAS: leave threading alone
            found = []
        self._controllers = found

    def set_budget(self, threads: int) -> None:
        """Let BLAS and the OpenMP kernels use up to ``threads`` threads (checked by the caller)."""
        self.budget = threads
        self._current = None   # the next product sets OpenBLAS's count again

    def fit(self, work: int) -> None:
        """Use one thread for a product of ``work`` multiply-adds if it is small, else the budget."""
        if self._controllers is None:
            self._load()
        want = 1 if work < SMALL else self.budget
        if want != self._current and self._controllers:
            for c in self._controllers:
                c.set_num_threads(want)
            self._current = want


blas_threads = BlasThreads()
