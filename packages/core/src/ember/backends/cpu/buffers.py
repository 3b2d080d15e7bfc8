"""Array helpers shared by the CPU kernels: dtypes the Cython kernels take, OpenMP team sizes, scratch space."""

from __future__ import annotations

import threading

import numpy as np

from ember.backends.cpu.blas_threads import blas_threads

PARALLEL_WORK = 1 << 24   # elements; below this a thread team (beside BLAS's own threads) costs more than it saves


def threads_for(work: int) -> int:
    """OpenMP threads for a kernel touching ``work`` elements: only large kernels fork a team, of the
    thread budget that BLAS shares (``ember.set_num_threads``)."""
    return blas_threads.budget if work >= PARALLEL_WORK else 1


def as_real(x: np.ndarray) -> np.ndarray:
    """``x`` as a C-contiguous float32/float64 array (the dtypes the Cython kernels take)."""
    if x.dtype != np.float32 and x.dtype != np.float64:
        x = x.astype(np.float32)
    return np.ascontiguousarray(x)


def slabs(count: int, shape: tuple, dtype) -> np.ndarray:
    """``count`` C-contiguous arrays of ``shape`` stacked with a cache line between them.

    Slabs a power-of-two size apart would map their rows to the same cache sets.
    """
    size = int(np.prod(shape))
    pad = 64 // np.dtype(dtype).itemsize
    return np.empty((count, size + pad), dtype=dtype)[:, :size].reshape((count,) + tuple(shape))


_scratch = threading.local()


def workspace(name: str, count: int, shape: tuple, dtype) -> np.ndarray:
    """Slabs as ``slabs``, kept per thread and reused: large temporaries cost page faults every call."""
    cache = _scratch.__dict__
    arr = cache.get(name)
    if arr is None or arr.shape != (count,) + tuple(shape) or arr.dtype != dtype:
        arr = cache[name] = slabs(count, shape, dtype)
    return arr
