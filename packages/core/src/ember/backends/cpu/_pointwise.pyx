# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""Selects in one pass over contiguous float32/float64 buffers: ``nan_to_num`` (float16 via
float32; NumPy's own makes copies and masks) and ``threshold_backward`` (ReLU's gradient;
``np.where`` is 12x slower). The loops are C, compiled without trapping-math so that the
compiler can vectorise the selects; every operand of a select is loaded unconditionally (GCC keeps
a branch around a conditional load, 10x slower on ReLU gradients whose signs are random)."""

import numpy as np

from cython cimport floating

cdef extern from *:
    """
    #include <math.h>
    #if defined(__GNUC__) && !defined(__clang__)
    #define EMBER_VECTORISE __attribute__((optimize("no-trapping-math")))
    #else
    #define EMBER_VECTORISE
    #endif
    EMBER_VECTORISE static void ember_nan_to_num_f(const float *x, float *out, Py_ssize_t n,
                                                   float nan, float posinf, float neginf) {
        for (Py_ssize_t i = 0; i < n; i++) {
            float v = x[i];
            out[i] = v != v ? nan : (v == INFINITY ? posinf : (v == -INFINITY ? neginf : v));
        }
    }
    EMBER_VECTORISE static void ember_nan_to_num_d(const double *x, double *out, Py_ssize_t n,
                                                   double nan, double posinf, double neginf) {
        for (Py_ssize_t i = 0; i < n; i++) {
            double v = x[i];
            out[i] = v != v ? nan : (v == INFINITY ? posinf : (v == -INFINITY ? neginf : v));
        }
    }
    EMBER_VECTORISE static void ember_threshold_backward_f(const float *g, const float *x, float *out,
                                                           Py_ssize_t n, float threshold) {
        for (Py_ssize_t i = 0; i < n; i++) {    /* both loads unconditional: a blend, not a branch */
            float gi = g[i];
            out[i] = x[i] <= threshold ? 0.0f : gi;
        }
    }
    EMBER_VECTORISE static void ember_threshold_backward_d(const double *g, const double *x, double *out,
                                                           Py_ssize_t n, double threshold) {
        for (Py_ssize_t i = 0; i < n; i++) {
            double gi = g[i];
            out[i] = x[i] <= threshold ? 0.0 : gi;
        }
    }
    """
    void ember_threshold_backward_f(const float *g, const float *x, float *out, Py_ssize_t n,
                                    float threshold) nogil
    void ember_threshold_backward_d(const double *g, const double *x, double *out, Py_ssize_t n,
                                    double threshold) nogil
    void ember_nan_to_num_f(const float *x, float *out, Py_ssize_t n, float nan, float posinf,
                            float neginf) nogil
    void ember_nan_to_num_d(const double *x, double *out, Py_ssize_t n, double nan, double posinf,
                            double neginf) nogil


cdef void _floats(const float[::1] x, float[::1] out, float nan, float posinf, float neginf) noexcept nogil:
    if x.shape[0] and out.shape[0] == x.shape[0]:   # ``nan_to_num`` makes ``out`` from ``x``'s shape
        ember_nan_to_num_f(&x[0], &out[0], x.shape[0], nan, posinf, neginf)


cdef void _doubles(const double[::1] x, double[::1] out, double nan, double posinf, double neginf) noexcept nogil:
    if x.shape[0] and out.shape[0] == x.shape[0]:
        ember_nan_to_num_d(&x[0], &out[0], x.shape[0], nan, posinf, neginf)


def nan_to_num(x, nan, posinf, neginf):
    """``x`` with NaN, +inf and -inf replaced; infinities default to the dtype's finite extremes."""
    if x.dtype == np.float16:
        info = np.finfo(np.float16)
        posinf = float(info.max) if posinf is None else posinf
        neginf = float(info.min) if neginf is None else neginf
        return nan_to_num(x.astype(np.float32), nan, posinf, neginf).astype(np.float16)
    info = np.finfo(x.dtype)
    posinf = float(info.max) if posinf is None else posinf
    neginf = float(info.min) if neginf is None else neginf
    out = np.empty(x.shape, x.dtype)
    src = np.ascontiguousarray(x).reshape(-1)
    if x.dtype == np.float32:
        _floats(src, out.reshape(-1), nan, posinf, neginf)
    else:
        _doubles(src, out.reshape(-1), nan, posinf, neginf)
    return out


def threshold_backward(const floating[::1] g, const floating[::1] x, floating[::1] out, double threshold):
    """out = 0 where x <= threshold, else g (so a NaN in x passes g through, as PyTorch's does).
    The three buffers must have one length: the loop runs without bounds checks."""
    if x.shape[0] != g.shape[0] or out.shape[0] != g.shape[0]:
        raise ValueError(f"threshold_backward: the gradient has {g.shape[0]} elements, the input {x.shape[0]} and "
                         f"the output {out.shape[0]}; they must all have one length")
    if g.shape[0] == 0:
        return
    if floating is float:
        ember_threshold_backward_f(&g[0], &x[0], &out[0], g.shape[0], <float>threshold)
    else:
        ember_threshold_backward_d(&g[0], &x[0], &out[0], g.shape[0], threshold)
