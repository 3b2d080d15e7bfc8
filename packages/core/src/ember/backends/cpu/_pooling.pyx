# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Pooling kernels on (P, H, W) planes (P = N*C), parallel over planes.

Max pooling records, for every output, the flat index ``h*W + w`` of the winning input in
its plane (PyTorch's ``indices``); the backward pass scatters gradients to those indices.
"""

import numpy as np

from cython.parallel cimport prange, threadid
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


cdef inline void _window_max(const real* plane, Py_ssize_t W, Py_ssize_t h0, Py_ssize_t h1, Py_ssize_t w0,
                             Py_ssize_t w1, Py_ssize_t dh, Py_ssize_t dw, real* out, long long* idx) noexcept nogil:
    """PyTorch's scan of the window rows h0, h0+dh, ... < h1 by columns w0, w0+dw, ... < w1 (all inside the plane).

    Starting from -inf at the first position, a later value wins if greater or NaN: the first maximum is
    kept, the last NaN wins, and a window of -inf (or an empty one) reports its first position. Written
    with selects rather than branches, which random data would mispredict.
    """
    cdef Py_ssize_t ih, iw, k, at = h0 * W + w0
    cdef real best = -INFINITY, v
    cdef bint take
    ih = h0
    while ih < h1:
        iw = w0
        while iw < w1:
            k = ih * W + iw
            v = plane[k]
            take = (v > best) | (v != v)
            best = v if take else best
            at = k if take else at
            iw = iw + dw
        ih = ih + dh
    out[0] = best
    idx[0] = at


cdef inline void _tap_first(const real* src, Py_ssize_t step, Py_ssize_t n, real* best, int* tap,
                            int t) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(n):
        best[i] = src[i * step]
        tap[i] = t


cdef inline void _tap_next(const real* src, Py_ssize_t step, Py_ssize_t n, real* best, int* tap,
                           int t) noexcept nogil:
    """Fold kernel tap ``t`` (input ``src[i*step]`` for output i) into ``n`` running maxima: greater or NaN wins."""
    cdef Py_ssize_t i
    cdef real v, b
    cdef int s
    cdef bint take
    for i in range(n):
        v = src[i * step]
        b = best[i]
        s = tap[i]     # loaded whether or not it is kept: the loop then has no branch and vectorizes
        take = (v > b) | (v != v)
        best[i] = v if take else b
        tap[i] = t if take else s


cdef void _max_row(const real* plane, Py_ssize_t H, Py_ssize_t W, Py_ssize_t oh, Py_ssize_t wo, Py_ssize_t lo,
                   Py_ssize_t hi, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                   const Py_ssize_t* offsets, real* out, long long* idx, int* tap) noexcept nogil:
    """Output row ``oh``: columns [lo, hi) have every kernel column inside the plane and go tap by tap over
    the whole row (independent outputs side by side, so the selects vectorize); the rest go window by window.

    Taps are folded in PyTorch's scan order (kernel row by row, left to right), so the result is the scan's.
    ``tap`` receives the winning tap number ``ki*kw + kj``; ``offsets[t]`` is its flat offset in the window.
    """
    cdef Py_ssize_t h0 = oh * sh - ph, h1 = _imin(h0 + (kh - 1) * dh + 1, H)
    cdef Py_ssize_t ki0 = 0, ki1 = kh, ki, kj, ow, w0, w1, i, n
    cdef const real* src
    cdef bint first = True
    while h0 + ki0 * dh < 0:
        ki0 = ki0 + 1
    while ki1 > ki0 and h0 + (ki1 - 1) * dh >= H:
        ki1 = ki1 - 1
    if ki0 == ki1:     # no kernel row inside the plane: every window is empty
        hi = lo
    n = hi - lo
    ow = 0
    while ow < wo:
        if ow == lo and n > 0:
            ow = hi
            continue
        w0 = ow * sw - pw
        w1 = _imin(w0 + (kw - 1) * dw + 1, W)
        while w0 < 0:
            w0 = w0 + dw
        _window_max(plane, W, h0 + ki0 * dh, h1, w0, w1, dh, dw, out + ow, idx + ow)
        ow = ow + 1
    if n <= 0:
        return
    for ki in range(ki0, ki1):
        for kj in range(kw):
            src = plane + (h0 + ki * dh) * W + lo * sw - pw + kj * dw
            if first:
                _tap_first(src, sw, n, out + lo, tap, ki * kw + kj)
                first = False
            elif sw == 1:
                _tap_next(src, 1, n, out + lo, tap, ki * kw + kj)
            elif sw == 2:
                _tap_next(src, 2, n, out + lo, tap, ki * kw + kj)
            else:
                _tap_next(src, sw, n, out + lo, tap, ki * kw + kj)
    for i in range(n):
        idx[lo + i] = h0 * W + (lo + i) * sw - pw + offsets[tap[i]]


def max_pool2d(real[:, :, ::1] x, real[:, :, ::1] out, long long[:, :, ::1] indices,
               int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int threads=1):
    """Windowed max of every plane, as PyTorch's scan finds it: a NaN wins, the first maximum is kept."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, lo, hi, ki, kj
    cdef int[:, ::1] taps
    cdef Py_ssize_t[::1] offsets
    if P == 0 or ho == 0 or wo == 0:
        return
    if (kh == 2 and kw == 2 and sh == 2 and sw == 2 and ph == 0 and pw == 0 and dh == 1 and dw == 1
            and 2 * ho <= H and 2 * wo <= W):  # the common 2x2 pool, every window inside the plane
        with nogil:
            for p in prange(P, schedule="static", num_threads=threads):
                for oh in range(ho):
                    _max2x2(&x[p, 2 * oh, 0], W, 2 * oh * W, wo, &out[p, oh, 0], &indices[p, oh, 0])
        return
    lo = 0     # output columns [lo, hi) have all kernel columns inside the plane
    while lo < wo and lo * sw - pw < 0:
        lo = lo + 1
    hi = wo
    while hi > lo and (hi - 1) * sw - pw + (kw - 1) * dw >= W:
        hi = hi - 1
    taps = np.empty((max(threads, 1), wo), dtype=np.intc)
    offsets = np.empty(kh * kw, dtype=np.intp)
    for ki in range(kh):
        for kj in range(kw):
            offsets[ki * kw + kj] = ki * dh * W + kj * dw
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                _max_row(&x[p, 0, 0], H, W, oh, wo, lo, hi, kh, kw, sh, sw, ph, pw, dh, dw, &offsets[0],
                         &out[p, oh, 0], &indices[p, oh, 0], &taps[threadid(), 0])


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
