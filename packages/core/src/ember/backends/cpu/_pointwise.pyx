# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
"""``nan_to_num`` in one pass over a contiguous float32/float64 buffer (float16 via float32);
NumPy's own makes copies and masks."""

import numpy as np

from libc.math cimport isinf, isnan

ctypedef fused real:
    float
    double


cdef void _nan_to_num_loop(const real[::1] x, real[::1] out, real nan, real posinf, real neginf) noexcept nogil:
    cdef Py_ssize_t i, n = x.shape[0]
    cdef real v
    for i in range(n):
        v = x[i]
        if isnan(v):
            v = nan
        elif isinf(v):
            v = posinf if v > 0 else neginf
        out[i] = v


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
        _nan_to_num_loop[float](src, out.reshape(-1), nan, posinf, neginf)
    else:
        _nan_to_num_loop[double](src, out.reshape(-1), nan, posinf, neginf)
    return out
