# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""GELU and its derivative in one pass each, exact (erf) or with PyTorch's tanh approximation.

The composite takes five elementwise ops forward and more backward, each a pass over memory and
a temporary; these read the input (and gradient) once and write once. float32 works in float32
(``erff``/``tanhf``), as PyTorch's CPU kernel does. Lengths are checked before the loops.
"""

from libc.math cimport erf, erff, exp, expf, tanh, tanhf

ctypedef fused real:
    float
    double

cdef double SQRT1_2 = 0.70710678118654752440
cdef double INV_SQRT_2PI = 0.39894228040143267794
cdef double SQRT_2_OVER_PI = 0.79788456080286535588
cdef double KAPPA = 0.044715


cdef int _check(Py_ssize_t a, Py_ssize_t b, str what) except -1:
    if a != b:
        raise ValueError(f"gelu: {what} has {a} values, expected {b}")
    return 0


cdef inline real _erf(real x) noexcept nogil:
    if real is float:
        return erff(x)
    return erf(x)


cdef inline real _tanh(real x) noexcept nogil:
    if real is float:
        return tanhf(x)
    return tanh(x)


cdef inline real _exp(real x) noexcept nogil:
    if real is float:
        return expf(x)
    return exp(x)


def forward(const real[::1] x, real[::1] out, bint approximate_tanh):
    """out = x * Phi(x), or 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    cdef Py_ssize_t n = x.shape[0], i
    cdef real v
    _check(out.shape[0], n, "out")
    with nogil:
        if approximate_tanh:
            for i in range(n):
                v = x[i]
                out[i] = <real>0.5 * v * (1 + _tanh(<real>SQRT_2_OVER_PI * (v + <real>KAPPA * v * v * v)))
        else:
            for i in range(n):
                v = x[i]
                out[i] = <real>0.5 * v * (1 + _erf(v * <real>SQRT1_2))


def backward(const real[::1] g, const real[::1] x, real[::1] gx, bint approximate_tanh):
    """gx = g * d gelu / dx at x."""
    cdef Py_ssize_t n = x.shape[0], i
    cdef real v, t, inner
    _check(g.shape[0], n, "the gradient")
    _check(gx.shape[0], n, "gx")
    with nogil:
        if approximate_tanh:
            for i in range(n):
                v = x[i]
                t = _tanh(<real>SQRT_2_OVER_PI * (v + <real>KAPPA * v * v * v))
                inner = <real>SQRT_2_OVER_PI * (1 + 3 * <real>KAPPA * v * v)
                gx[i] = g[i] * (<real>0.5 * (1 + t) + <real>0.5 * v * (1 - t * t) * inner)
        else:
            for i in range(n):
                v = x[i]
                gx[i] = g[i] * (<real>0.5 * (1 + _erf(v * <real>SQRT1_2)) + v * <real>INV_SQRT_2PI *
                                _exp(<real>-0.5 * v * v))
