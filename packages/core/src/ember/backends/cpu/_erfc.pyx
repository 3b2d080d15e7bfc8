# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The complementary error function over contiguous buffers, from libm (``erfc``, ``erfcf``):
``1 - erf(x)`` loses every digit where erf(x) rounds to 1, erfc keeps them."""

import numpy as np

cdef extern from "math.h" nogil:
    double c_erfc "erfc"(double x)
    float c_erfcf "erfcf"(float x)


cdef void _floats(const float[::1] x, float[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        out[i] = c_erfcf(x[i])


cdef void _doubles(const double[::1] x, double[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        out[i] = c_erfc(x[i])


def erfc(x):
    """``erfc`` of a float16/32/64 array of any layout; float16 is computed in float32."""
    if x.dtype == np.float16:
        return erfc(x.astype(np.float32)).astype(np.float16)
    out = np.empty(x.shape, x.dtype)
    src = np.ascontiguousarray(x).reshape(-1)
    if x.dtype == np.float32:
        _floats(src, out.reshape(-1))
    elif x.dtype == np.float64:
        _doubles(src, out.reshape(-1))
    else:
        raise TypeError(f"erfc: expected a floating point array, got {x.dtype}")
    return out
