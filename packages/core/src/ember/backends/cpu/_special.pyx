# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Special functions NumPy has no ufunc for (``erf``), from libm, over contiguous buffers."""

import numpy as np

from cython.parallel cimport prange
from libc.math cimport erf as c_erf, erff as c_erff

# below this many elements, starting threads costs more than it saves
cdef Py_ssize_t PARALLEL_MIN = 1 << 15


cdef void _erf_float(const float[::1] x, float[::1] out) noexcept nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    if n >= PARALLEL_MIN:
        for i in prange(n, schedule="static"):
            out[i] = c_erff(x[i])
    else:
        for i in range(n):
            out[i] = c_erff(x[i])


cdef void _erf_double(const double[::1] x, double[::1] out) noexcept nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    if n >= PARALLEL_MIN:
        for i in prange(n, schedule="static"):
            out[i] = c_erf(x[i])
    else:
        for i in range(n):
            out[i] = c_erf(x[i])


def erf(x):
    """The error function of a float16/32/64 array of any layout; float16 is computed in float32."""
    if x.dtype == np.float16:
        return erf(x.astype(np.float32)).astype(np.float16)
    out = np.empty(x.shape, x.dtype)
    src = np.ascontiguousarray(x).reshape(-1)
    if x.dtype == np.float32:
        _erf_float(src, out.reshape(-1))
    elif x.dtype == np.float64:
        _erf_double(src, out.reshape(-1))
    else:
        raise TypeError(f"erf: expected a floating point array, got {x.dtype}")
    return out
