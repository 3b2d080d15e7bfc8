# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Special functions NumPy has no ufunc for (``erf``, ``erfc``, ``lgamma``), over contiguous buffers.

Each is a pair of loops, float32 and float64, over contiguous buffers; ``_unary`` gives every
one the same entry: an array of any layout, float16 computed in float32.

``erf``: float64 uses libm's ``erf``. float32 uses the rational approximation of Eigen (and XLA),
accurate to a few ulp: multiply-adds that the compiler vectorises, where a libm call per
element is several times slower. It is written in C so that GCC may compile it without
trapping-math, which otherwise keeps the NaN-safe clamp from being vectorised.
"""

import numpy as np

from cython.parallel cimport prange
from libc.math cimport erf as c_erf

cdef extern from *:
    """
    #if defined(__GNUC__) && !defined(__clang__)
    __attribute__((optimize("no-trapping-math")))
    #endif
    static void ember_erf_floats(const float *x, float *out, Py_ssize_t n) {
        for (Py_ssize_t i = 0; i < n; i++) {
            /* erf is +-1 in float32 beyond |x| = 4; NaN fails both tests and passes through */
            float v = x[i];
            float c = v > 4.0f ? 4.0f : (v < -4.0f ? -4.0f : v);
            float c2 = c * c;
            float p = c2 * -2.72614225801306e-10f + 2.77068142495902e-08f;
            p = c2 * p - 2.10102402082508e-06f;
            p = c2 * p - 5.69250639462346e-05f;
            p = c2 * p - 7.34990630326855e-04f;
            p = c2 * p - 2.95459980854025e-03f;
            p = c2 * p - 1.60960333262415e-02f;
            float q = c2 * -1.45660718464996e-05f - 2.13374055278905e-04f;
            q = c2 * q - 1.68282697438203e-03f;
            q = c2 * q - 7.37332916720468e-03f;
            q = c2 * q - 1.42647390514189e-02f;
            out[i] = c * p / q;
        }
    }
    """
    void ember_erf_floats(const float *x, float *out, Py_ssize_t n) nogil

# below this many elements, starting threads costs more than it saves
cdef Py_ssize_t PARALLEL_MIN = 1 << 16
cdef Py_ssize_t CHUNK = 1 << 14


cdef void _erf_floats(const float[::1] x, float[::1] out) noexcept nogil:
    cdef Py_ssize_t c, n = min(x.shape[0], out.shape[0]), chunks = (n + CHUNK - 1) // CHUNK  # one length by construction
    if n >= PARALLEL_MIN:
        for c in prange(chunks, schedule="static"):
            ember_erf_floats(&x[c * CHUNK], &out[c * CHUNK], min(CHUNK, n - c * CHUNK))
    elif n:
        ember_erf_floats(&x[0], &out[0], n)


cdef void _erf_doubles(const double[::1] x, double[::1] out) noexcept nogil:
    cdef Py_ssize_t i, n = min(x.shape[0], out.shape[0])  # one length by construction
    if n >= PARALLEL_MIN:
        for i in prange(n, schedule="static"):
            out[i] = c_erf(x[i])
    else:
        for i in range(n):
            out[i] = c_erf(x[i])


ctypedef void (*float_loop)(const float[::1] x, float[::1] out) noexcept nogil
ctypedef void (*double_loop)(const double[::1] x, double[::1] out) noexcept nogil


cdef object _unary(str name, object x, float_loop floats, double_loop doubles):
    """``name`` of a float16/32/64 array of any layout through its two loops (float16 in float32)."""
    if x.dtype == np.float16:
        return _unary(name, x.astype(np.float32), floats, doubles).astype(np.float16)
    out = np.empty(x.shape, x.dtype)
    src = np.ascontiguousarray(x).reshape(-1)
    if x.dtype == np.float32:
        floats(src, out.reshape(-1))
    elif x.dtype == np.float64:
        doubles(src, out.reshape(-1))
    else:
        raise TypeError(f"{name}: expected a floating point array, got {x.dtype}")
    return out


def erf(x):
    """The error function of a float16/32/64 array of any layout; float16 is computed in float32."""
    return _unary("erf", x, _erf_floats, _erf_doubles)


def erfc(x):
    """``erfc`` from libm (``erfc``, ``erfcf``): ``1 - erf(x)`` loses every digit where erf(x)
    rounds to 1, erfc keeps them. Any layout; float16 is computed in float32."""
    return _unary("erfc", x, _erfc_floats, _erfc_doubles)


def lgamma(x):
    """``log|Gamma(x)|`` of a float16/32/64 array of any layout (libm's re-entrant ``lgamma_r``,
    which is safe to call from any thread; float16 is computed in float32)."""
    return _unary("lgamma", x, _lgamma_floats, _lgamma_doubles)


cdef extern from "math.h" nogil:
    double lgamma_r(double x, int *sign)
    float lgammaf_r(float x, int *sign)
    double c_erfc "erfc"(double x)
    float c_erfcf "erfcf"(float x)


cdef void _erfc_floats(const float[::1] x, float[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        out[i] = c_erfcf(x[i])


cdef void _erfc_doubles(const double[::1] x, double[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(x.shape[0]):
        out[i] = c_erfc(x[i])


cdef void _lgamma_floats(const float[::1] x, float[::1] out) noexcept nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    cdef int sign
    for i in range(n):
        out[i] = lgammaf_r(x[i], &sign)


cdef void _lgamma_doubles(const double[::1] x, double[::1] out) noexcept nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    cdef int sign
    for i in range(n):
        out[i] = lgamma_r(x[i], &sign)
