# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Pooling kernels on (P, H, W) planes (P = N*C), parallel over planes.

Max pooling records, for every output, the flat index ``h*W + w`` of the winning input in
its plane (PyTorch's ``indices``); the backward pass scatters gradients to those indices.
"""

from cython.parallel cimport prange
from libc.math cimport INFINITY

ctypedef fused real:
    float
    double


cdef inline Py_ssize_t _imin(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a if a < b else b


cdef inline Py_ssize_t _imax(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a if a > b else b


cdef inline void _max2x2(const real* row0, Py_ssize_t W, Py_ssize_t base, Py_ssize_t wo,
                         real* out, long long* idx) noexcept nogil:
    """One output row of a 2x2 stride-2 max pool over ``row0`` and the row below it.

    Same result as the general kernel's scan (row by row, left to right; a later value wins if greater,
    or NaN). Without NaNs the selections compile to max/cmov instructions instead of branches: on fresh
    data every comparison is a coin flip the branch predictor would miss.
    """
    cdef const real* row1 = row0 + W
    cdef Py_ssize_t ow, k, i
    cdef real a, b, c, d, best
    for ow in range(wo):
        k = 2 * ow
        a = row0[k]
        b = row0[k + 1]
        c = row1[k]
        d = row1[k + 1]
        if (a != a) | (b != b) | (c != c) | (d != d):
            i = W + k + 1 if d != d else (W + k if c != c else (k + 1 if b != b else k))
            best = row0[i] if i < W else row1[i - W]
        else:
            best = a
            i = k
            i = k + 1 if b > best else i
            best = b if b > best else best
            i = W + k if c > best else i
            best = c if c > best else best
            i = W + k + 1 if d > best else i
            best = d if d > best else best
        out[ow] = best
        idx[ow] = base + i


def max_pool2d(real[:, :, ::1] x, real[:, :, ::1] out, long long[:, :, ::1] indices,
               int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int threads=1):
    """Windowed max of every plane, scanning as PyTorch does: a NaN wins, the first maximum is kept."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, h0, h1, w0, w1, best_idx
    cdef real best, v
    cdef real* plane
    if P == 0 or ho == 0 or wo == 0:
        return
    if (kh == 2 and kw == 2 and sh == 2 and sw == 2 and ph == 0 and pw == 0 and dh == 1 and dw == 1
            and 2 * ho <= H and 2 * wo <= W):  # the common 2x2 pool, every window inside the plane
        with nogil:
            for p in prange(P, schedule="static", num_threads=threads):
                for oh in range(ho):
                    _max2x2(&x[p, 2 * oh, 0], W, 2 * oh * W, wo, &out[p, oh, 0], &indices[p, oh, 0])
        return
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            plane = &x[p, 0, 0]
            for oh in range(ho):
                h0 = oh * sh - ph
                h1 = _imin(h0 + (kh - 1) * dh + 1, H)
                while h0 < 0:
                    h0 = h0 + dh
                for ow in range(wo):
                    w0 = ow * sw - pw
                    w1 = _imin(w0 + (kw - 1) * dw + 1, W)
                    while w0 < 0:
                        w0 = w0 + dw
                    best_idx = h0 * W + w0
                    best = -INFINITY
                    ih = h0
                    while ih < h1:
                        iw = w0
                        while iw < w1:
                            v = plane[ih * W + iw]
                            if v > best or v != v:
                                best = v
                                best_idx = ih * W + iw
                            iw = iw + dw
                        ih = ih + dh
                    out[p, oh, ow] = best
                    indices[p, oh, ow] = best_idx


def max_pool2d_backward(real[:, :, ::1] grad, long long[:, :, ::1] indices, real[:, ::1] grad_input, int threads=1):
    """Add each output gradient to the input position its max came from; ``grad_input`` is (P, H*W), zeroed."""
    cdef Py_ssize_t P = grad.shape[0], ho = grad.shape[1], wo = grad.shape[2]
    cdef Py_ssize_t p, oh, ow, k
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                for ow in range(wo):
                    k = indices[p, oh, ow]
                    if k >= 0:
                        grad_input[p, k] += grad[p, oh, ow]


def gather_planes(real[:, ::1] src, long long[:, :, ::1] indices, real[:, :, ::1] out, int threads=1):
    """``out[p, i, j] = src[p, indices[p, i, j]]``: the adjoint of ``max_pool2d_backward``."""
    cdef Py_ssize_t P = out.shape[0], ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, ow, k
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                for ow in range(wo):
                    k = indices[p, oh, ow]
                    out[p, oh, ow] = src[p, k] if k >= 0 else 0


def avg_pool2d(real[:, :, ::1] x, real[:, :, ::1] out, int kh, int kw, int sh, int sw, int ph, int pw,
               bint count_include_pad, int divisor_override, int threads=1):
    """Windowed mean with PyTorch's divisor rules (padding counted or not, or a fixed divisor)."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1, ih, iw, pool
    cdef real s
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                for ow in range(wo):
                    h0 = oh * sh - ph
                    w0 = ow * sw - pw
                    h1 = _imin(h0 + kh, H + ph)
                    w1 = _imin(w0 + kw, W + pw)
                    pool = (h1 - h0) * (w1 - w0)
                    h0 = _imax(h0, 0)
                    w0 = _imax(w0, 0)
                    h1 = _imin(h1, H)
                    w1 = _imin(w1, W)
                    if divisor_override > 0:
                        pool = divisor_override
                    elif not count_include_pad:
                        pool = (h1 - h0) * (w1 - w0)
                    s = 0
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            s = s + x[p, ih, iw]
                    out[p, oh, ow] = s / pool


def avg_pool2d_backward(real[:, :, ::1] grad, real[:, :, ::1] grad_input, int kh, int kw, int sh, int sw,
                        int ph, int pw, bint count_include_pad, int divisor_override, int threads=1):
    """The adjoint of ``avg_pool2d``: spread each output gradient over its window; ``grad_input`` zeroed."""
    cdef Py_ssize_t P = grad.shape[0], ho = grad.shape[1], wo = grad.shape[2]
    cdef Py_ssize_t H = grad_input.shape[1], W = grad_input.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1, ih, iw, pool
    cdef real g
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                for ow in range(wo):
                    h0 = oh * sh - ph
                    w0 = ow * sw - pw
                    h1 = _imin(h0 + kh, H + ph)
                    w1 = _imin(w0 + kw, W + pw)
                    pool = (h1 - h0) * (w1 - w0)
                    h0 = _imax(h0, 0)
                    w0 = _imax(w0, 0)
                    h1 = _imin(h1, H)
                    w1 = _imin(w1, W)
                    if divisor_override > 0:
                        pool = divisor_override
                    elif not count_include_pad:
                        pool = (h1 - h0) * (w1 - w0)
                    g = grad[p, oh, ow] / pool
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            grad_input[p, ih, iw] += g


cdef inline Py_ssize_t _start(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return (o * n_in) // n_out


cdef inline Py_ssize_t _end(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return ((o + 1) * n_in + n_out - 1) // n_out


def adaptive_avg_pool2d(real[:, :, ::1] x, real[:, :, ::1] out, int threads=1):
    """Mean over the adaptive windows [floor(o*H/Ho), ceil((o+1)*H/Ho))."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1, ih, iw
    cdef real s
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                h0 = _start(oh, H, ho)
                h1 = _end(oh, H, ho)
                for ow in range(wo):
                    w0 = _start(ow, W, wo)
                    w1 = _end(ow, W, wo)
                    s = 0
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            s = s + x[p, ih, iw]
                    out[p, oh, ow] = s / ((h1 - h0) * (w1 - w0))


def adaptive_avg_pool2d_backward(real[:, :, ::1] grad, real[:, :, ::1] grad_input, int threads=1):
    """The adjoint of ``adaptive_avg_pool2d``; ``grad_input`` zeroed."""
    cdef Py_ssize_t P = grad.shape[0], ho = grad.shape[1], wo = grad.shape[2]
    cdef Py_ssize_t H = grad_input.shape[1], W = grad_input.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1, ih, iw
    cdef real g
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                h0 = _start(oh, H, ho)
                h1 = _end(oh, H, ho)
                for ow in range(wo):
                    w0 = _start(ow, W, wo)
                    w1 = _end(ow, W, wo)
                    g = grad[p, oh, ow] / ((h1 - h0) * (w1 - w0))
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            grad_input[p, ih, iw] += g


def adaptive_max_pool2d(real[:, :, ::1] x, real[:, :, ::1] out, long long[:, :, ::1] indices, int threads=1):
    """Max over the adaptive windows, with flat indices as ``max_pool2d``; NaN propagates."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1, ih, iw, best_idx
    cdef real best, v
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                h0 = _start(oh, H, ho)
                h1 = _end(oh, H, ho)
                for ow in range(wo):
                    w0 = _start(ow, W, wo)
                    w1 = _end(ow, W, wo)
                    best_idx = h0 * W + w0
                    best = -INFINITY
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            v = x[p, ih, iw]
                            if v > best or v != v:
                                best = v
                                best_idx = ih * W + iw
                    out[p, oh, ow] = best
                    indices[p, oh, ow] = best_idx
