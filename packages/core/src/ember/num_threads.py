"""``ember.set_num_threads`` and ``ember.get_num_threads``: the CPU kernels' one thread budget.

BLAS products and ember's OpenMP kernels share it (they run one after another, never at once),
so ``set_num_threads(n)`` keeps the process at n busy threads. See
``ember/backends/cpu/blas_threads.py`` for how each product picks its share.
"""

from __future__ import annotations

__all__ = ["set_num_threads", "get_num_threads"]


def get_num_threads() -> int:
    """The number of threads the CPU kernels may use (BLAS products and OpenMP kernels alike)."""
    from ember.backends.cpu.blas_threads import blas_threads
    return blas_threads.budget


def set_num_threads(int_: int) -> None:
    """Let the CPU kernels use up to ``int_`` threads: BLAS and ember's OpenMP kernels share this budget.

    Example::

        >>> ember.set_num_threads(1)   # e.g. one process per core
    """
    if not isinstance(int_, int) or isinstance(int_, bool):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(int_).__name__}")
    if int_ <= 0:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {int_}")
    from ember.backends.cpu.blas_threads import blas_threads
    blas_threads.set_budget(int_)
