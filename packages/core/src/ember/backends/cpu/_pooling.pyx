# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Pooling kernels on (P, H, W) planes (P = N*C), parallel over planes.

Max pooling records, for every output, the flat index ``h*W + w`` of the winning input in
its plane (PyTorch's ``indices``); the backward pass scatters gradients to those indices. A
window whose dilated taps all fall in the padding has no input: its output is -inf and its
index -1, which the backward pass and its adjoint skip.

Every ``def`` checks, once per call, the relations between its buffers' shapes and the
geometry that its loops trust (they run without bounds checks).
"""

import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY

ctypedef fused real:
    float
    double


cdef int _check_shape(str fn, str what, Py_ssize_t a0, Py_ssize_t a1, Py_ssize_t a2, Py_ssize_t b0, Py_ssize_t b1,
                      Py_ssize_t b2) except -1:
    """``what`` (shape a) must have shape b."""
    if a0 != b0 or a1 != b1 or a2 != b2:
        raise ValueError(f"{fn}: {what} has shape ({a0}, {a1}, {a2}), expected ({b0}, {b1}, {b2})")
    return 0


cdef int _check_planes(str fn, Py_ssize_t planes, Py_ssize_t out_planes) except -1:
    if planes != out_planes:
        raise ValueError(f"{fn}: {planes} input planes but {out_planes} output planes")
    return 0


cdef int _check_window(str fn, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) except -1:
    if kh <= 0 or kw <= 0 or sh <= 0 or sw <= 0 or dh <= 0 or dw <= 0 or ph < 0 or pw < 0:
        raise ValueError(f"{fn}: kernel ({kh}, {kw}), stride ({sh}, {sw}) and dilation ({dh}, {dw}) must be "
                         f"positive and padding ({ph}, {pw}) non-negative")
    return 0


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


cdef inline void _fold3(const real* src, Py_ssize_t step, Py_ssize_t d, Py_ssize_t n, real* best, int* tap,
                        int t) noexcept nogil:
    """Fold three kernel taps into ``n`` running maxima: output i meets ``src[i*step]``, ``+d`` and ``+2d``,
    whose window offsets are t, t+d and t+2d.

    PyTorch's rule, in scan order: a greater value or a NaN takes over, so ties keep the earlier tap and the
    last NaN wins. Outputs are independent side by side, so the selects vectorize instead of branching (on
    random data every comparison would be a mispredicted branch).
    """
    cdef Py_ssize_t i
    cdef real v0, v1, v2, b
    cdef int s, t1 = t + d, t2 = t + 2 * d    # no arithmetic under the selects: they stay selects
    cdef bint take
    for i in range(n):
        v0 = src[i * step]
        v1 = src[i * step + d]
        v2 = src[i * step + 2 * d]
        b = best[i]
        s = tap[i]     # loaded whether or not it is kept: no branch in the loop
        take = (v0 > b) | (v0 != v0)
        s = t if take else s
        b = v0 if take else b
        take = (v1 > b) | (v1 != v1)
        s = t1 if take else s
        b = v1 if take else b
        take = (v2 > b) | (v2 != v2)
        s = t2 if take else s
        b = v2 if take else b
        best[i] = b
        tap[i] = s


cdef inline void _fold2(const real* src, Py_ssize_t step, Py_ssize_t d, Py_ssize_t n, real* best, int* tap,
                        int t) noexcept nogil:
    """``_fold3`` for two taps."""
    cdef Py_ssize_t i
    cdef real v0, v1, b
    cdef int s, t1 = t + d
    cdef bint take
    for i in range(n):
        v0 = src[i * step]
        v1 = src[i * step + d]
        b = best[i]
        s = tap[i]
        take = (v0 > b) | (v0 != v0)
        s = t if take else s
        b = v0 if take else b
        take = (v1 > b) | (v1 != v1)
        s = t1 if take else s
        b = v1 if take else b
        best[i] = b
        tap[i] = s


cdef inline void _fold1(const real* src, Py_ssize_t step, Py_ssize_t n, real* best, int* tap, int t) noexcept nogil:
    """``_fold3`` for one tap."""
    cdef Py_ssize_t i
    cdef real v0, b
    cdef int s
    cdef bint take
    for i in range(n):
        v0 = src[i * step]
        b = best[i]
        s = tap[i]
        take = (v0 > b) | (v0 != v0)
        tap[i] = t if take else s
        best[i] = v0 if take else b


cdef inline void _fold_taps(const real* src, Py_ssize_t step, Py_ssize_t d, Py_ssize_t count, Py_ssize_t n,
                            real* best, int* tap, int t) noexcept nogil:
    if count == 3:
        _fold3(src, step, d, n, best, tap, t)
    elif count == 2:
        _fold2(src, step, d, n, best, tap, t)
    else:
        _fold1(src, step, n, best, tap, t)


cdef inline void _fold_row(const real* src, Py_ssize_t step, Py_ssize_t d, Py_ssize_t kw, Py_ssize_t n, real* best,
                           int* tap, int t) noexcept nogil:
    """Fold one kernel row (``kw`` taps ``d`` apart, the first at window offset ``t``), three taps a pass.

    With contiguous inputs (``step`` 1) outputs go four at a time, the last four again when ``n`` is not a
    multiple of four: folding the same taps twice changes nothing, and it spares the compiler's
    one-at-a-time tail, whose selects become branches. (Strided loads keep such a tail anyway: the vector
    loop stops short of the row's end so as not to read past it.)
    """
    cdef Py_ssize_t kj = 0, count, part, first, size
    cdef Py_ssize_t parts = 2 if step == 1 and n > 4 and n % 4 else 1
    while kj < kw:
        count = _imin(3, kw - kj)
        for part in range(parts):    # one call site, so both parts run the same vector loop
            first = 0 if part == 0 else n - 4
            size = n if parts == 1 else (n - n % 4 if part == 0 else 4)
            _fold_taps(src + kj * d + first * step, step, d, count, size, best + first, tap + first, t + kj * d)
        kj = kj + count


cdef inline void _window_max(const real* plane, Py_ssize_t W, Py_ssize_t h0, Py_ssize_t h1, Py_ssize_t w0,
                             Py_ssize_t w1, Py_ssize_t dh, Py_ssize_t dw, real* out, long long* idx) noexcept nogil:
    """PyTorch's scan of one window: rows h0, h0+dh, ... < h1 by columns w0, w0+dw, ... < w1, all inside the plane.

    From -inf at the first position, a later value takes over if greater or NaN, so the first maximum is
    kept, the last NaN wins, and a window of -inf reports its first position (an empty one: -1). The scan
    compares without looking at NaNs (max and conditional moves, no branch on the data) and notes whether
    it met one; only then does it scan again for the last NaN.
    """
    cdef Py_ssize_t ih, iw, k, at = h0 * W + w0
    cdef real best = -INFINITY, v
    cdef bint nan = False
    if h0 >= h1 or w0 >= w1:     # every tap in the padding: no input to point at
        out[0] = best
        idx[0] = -1
        return
    ih = h0
    while ih < h1:
        iw = w0
        while iw < w1:
            k = ih * W + iw
            v = plane[k]
            at = k if v > best else at
            best = v if v > best else best
            nan = nan | (v != v)
            iw = iw + dw
        ih = ih + dh
    if nan:
        ih = h0
        while ih < h1:
            iw = w0
            while iw < w1:
                k = ih * W + iw
                if plane[k] != plane[k]:
                    at = k
                iw = iw + dw
            ih = ih + dh
        best = plane[at]
    out[0] = best
    idx[0] = at


cdef void _max_row(const real* rows, Py_ssize_t pitch, Py_ssize_t H, Py_ssize_t W, Py_ssize_t oh, Py_ssize_t lo,
                   Py_ssize_t hi, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                   const int* first_col, bint empty_cols, real* out, long long* idx, int* tap) noexcept nogil:
    """Outputs [lo, hi) of output row ``oh``, every window scanned as PyTorch scans it.

    ``rows`` points at input column 0 of row 0, rows ``pitch`` apart; every column these windows reach
    is readable there (padding columns hold -inf, so they never take over). Kernel rows outside the plane
    are skipped. ``tap`` receives the winning offset ``ki*dh*W + kj*dw`` in the window; it starts at the
    window's first tap inside the plane (``first_col[ow]`` is its kernel column), where PyTorch's scan
    starts, so a window of -inf reports that position too. A window with no tap inside the plane (no kernel
    row inside, or ``first_col`` -1: no kernel column inside) gets -inf and index -1.
    """
    cdef Py_ssize_t h0 = oh * sh - ph, ki0 = 0, ki1 = kh, ki, ow, at, n = hi - lo
    cdef const real* src
    cdef real* best = out + lo
    cdef int t0
    while h0 + ki0 * dh < 0:
        ki0 = ki0 + 1
    while ki1 > ki0 and h0 + (ki1 - 1) * dh >= H:
        ki1 = ki1 - 1
    if ki0 == ki1:      # every kernel row in the padding
        for ow in range(n):
            best[ow] = -INFINITY
            idx[lo + ow] = -1
        return
    t0 = ki0 * dh * W
    for ow in range(n):
        best[ow] = -INFINITY
        tap[ow] = t0 + first_col[lo + ow] * dw
    for ki in range(ki0, ki1):
        src = rows + (h0 + ki * dh) * pitch + lo * sw - pw
        if sw == 1:
            _fold_row(src, 1, dw, kw, n, best, tap, ki * dh * W)
        elif sw == 2:
            _fold_row(src, 2, dw, kw, n, best, tap, ki * dh * W)
        else:
            _fold_row(src, sw, dw, kw, n, best, tap, ki * dh * W)
    at = h0 * W + lo * sw - pw    # flat position of output lo's window origin
    for ow in range(n):
        idx[lo + ow] = at + tap[ow]
        at = at + sw
    if empty_cols:      # windows whose kernel columns all lie in the padding (their value stayed -inf)
        for ow in range(n):
            if first_col[lo + ow] < 0:
                idx[lo + ow] = -1


cdef inline void _pad_row(const real* src, Py_ssize_t W, Py_ssize_t left, Py_ssize_t right, real* row) noexcept nogil:
    """Copy an input row into ``row`` between ``left`` and ``right`` columns of -inf."""
    cdef Py_ssize_t w
    for w in range(left):
        row[w] = -INFINITY
    for w in range(W):
        row[left + w] = src[w]
    for w in range(left + W, left + W + right):
        row[w] = -INFINITY


cdef void _max_plane(const real* plane, Py_ssize_t H, Py_ssize_t W, Py_ssize_t ho, Py_ssize_t wo, Py_ssize_t lo,
                     Py_ssize_t hi, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                     const int* first_col, real* out, long long* idx, int* tap) noexcept nogil:
    """One plane read in place: columns [lo, hi) by ``_max_row``, the windows over the padding one by one."""
    cdef Py_ssize_t oh, ow, h0, h1, w0, w1
    for oh in range(ho):
        _max_row(plane, W, H, W, oh, lo, hi, kh, kw, sh, sw, ph, pw, dh, dw, first_col, False, out + oh * wo,
                 idx + oh * wo, tap)
        h0 = oh * sh - ph
        h1 = _imin(h0 + (kh - 1) * dh + 1, H)
        while h0 < 0:
            h0 = h0 + dh
        ow = 0
        while ow < wo:
            if ow == lo and lo < hi:
                ow = hi
                continue
            w0 = ow * sw - pw
            w1 = _imin(w0 + (kw - 1) * dw + 1, W)
            while w0 < 0:
                w0 = w0 + dw
            _window_max(plane, W, h0, h1, w0, w1, dh, dw, out + oh * wo + ow, idx + oh * wo + ow)
            ow = ow + 1


cdef void _max_plane_padded(const real* plane, Py_ssize_t H, Py_ssize_t W, Py_ssize_t ho, Py_ssize_t wo,
                            Py_ssize_t right, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                            const int* first_col, bint empty_cols, real* out, long long* idx, int* tap,
                            real* padded) noexcept nogil:
    """One plane copied row by row into ``padded`` between -inf columns (as the output rows reach them, so
    the copies overlap the work), then every output column by ``_max_row``."""
    cdef Py_ssize_t oh, copied = 0, pitch = pw + W + right
    for oh in range(ho):
        while copied < _imin(H, oh * sh - ph + (kh - 1) * dh + 1):
            _pad_row(plane + copied * W, W, pw, right, padded + copied * pitch)
            copied = copied + 1
        _max_row(padded + pw, pitch, H, W, oh, 0, wo, kh, kw, sh, sw, ph, pw, dh, dw, first_col, empty_cols,
                 out + oh * wo, idx + oh * wo, tap)


def max_pool2d(const real[:, :, ::1] x, real[:, :, ::1] out, long long[:, :, ::1] indices,
               int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, int threads=1):
    """Windowed max of every plane, as PyTorch's scan finds it: a NaN wins, the first maximum is kept.

    Output columns whose windows lie inside the plane fold tap by tap, a whole output row at a time
    (``_max_row``). Windows over the left or right padding either go one by one (``_window_max``) or,
    when that would cost more than copying the plane, the plane's rows are copied between -inf columns
    and every column folds the same way.
    """
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, ow, lo, hi, right, pitch, span_h, span_w
    cdef bint pad, empty_cols = False
    cdef int[:, ::1] taps
    cdef int[::1] first_col
    cdef real[:, ::1] padded
    _check_planes("max_pool2d", P, out.shape[0])
    _check_shape("max_pool2d", "indices", indices.shape[0], indices.shape[1], indices.shape[2], P, ho, wo)
    _check_window("max_pool2d", kh, kw, sh, sw, ph, pw, dh, dw)
    if threads < 1:     # 0 would let OpenMP pick a team larger than the per-thread buffers below
        raise ValueError(f"max_pool2d: threads must be at least 1, got {threads}")
    if P == 0 or ho == 0 or wo == 0:
        return
    if (kh == 2 and kw == 2 and sh == 2 and sw == 2 and ph == 0 and pw == 0 and dh == 1 and dw == 1
            and 2 * ho <= H and 2 * wo <= W):  # the common 2x2 pool, every window inside the plane
        with nogil:
            for p in prange(P, schedule="static", num_threads=threads):
                for oh in range(ho):
                    _max2x2(&x[p, 2 * oh, 0], W, 2 * oh * W, wo, &out[p, oh, 0], &indices[p, oh, 0])
        return
    span_h = <Py_ssize_t>(kh - 1) * dh     # the int taps hold offsets up to span_h*W + span_w
    span_w = <Py_ssize_t>(kw - 1) * dw
    if span_h >= 2 ** 31 or span_w >= 2 ** 31 or span_h * W + span_w >= 2 ** 31:
        raise ValueError(f"max_pool2d: windows spanning {(kh - 1) * dh + 1} rows of {W} columns are not supported")
    lo = 0     # output columns [lo, hi) have every kernel column inside the plane
    while lo < wo and lo * sw - pw < 0:
        lo = lo + 1
    hi = wo
    while hi > lo and (hi - 1) * sw - pw + (kw - 1) * dw >= W:
        hi = hi - 1
    right = max(0, (wo - 1) * sw - pw + span_w + 1 - W)    # columns the windows reach past the plane
    pitch = pw + W + right
    pad = (lo + wo - hi) * ho * kh * kw * 4 > H * pitch    # a window tap one by one ~ 4 copied elements
    first_col = np.zeros(wo, dtype=np.intc)
    for ow in range(wo):    # the first kernel column inside the plane: where PyTorch's scan starts
        while first_col[ow] < kw and ow * sw - pw + first_col[ow] * dw < 0:
            first_col[ow] += 1
        if first_col[ow] == kw or ow * sw - pw + first_col[ow] * dw >= W:    # none: dilation skips the plane
            first_col[ow] = -1
            empty_cols = True
    taps = np.empty((threads, wo), dtype=np.intc)
    padded = np.empty((threads, H * pitch if pad else 1), dtype=np.float32 if real is float else np.float64)
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            if pad:
                _max_plane_padded(&x[p, 0, 0], H, W, ho, wo, right, kh, kw, sh, sw, ph, pw, dh, dw, &first_col[0],
                                  empty_cols, &out[p, 0, 0], &indices[p, 0, 0], &taps[threadid(), 0],
                                  &padded[threadid(), 0])
            else:
                _max_plane(&x[p, 0, 0], H, W, ho, wo, lo, hi, kh, kw, sh, sw, ph, pw, dh, dw, &first_col[0],
                           &out[p, 0, 0], &indices[p, 0, 0], &taps[threadid(), 0])


def max_pool2d_backward(const real[:, :, ::1] grad, const long long[:, :, ::1] indices, real[:, ::1] grad_input,
                        int threads=1):
    """Add each output gradient to the input position its max came from; ``grad_input`` is (P, H*W), zeroed.

    Index -1 (a window with no input) adds nothing; so does any index outside the plane, at no extra cost (one
    unsigned comparison, as the sign test was).
    """
    cdef Py_ssize_t P = grad.shape[0], ho = grad.shape[1], wo = grad.shape[2]
    cdef size_t size = grad_input.shape[1]
    cdef Py_ssize_t p, oh, ow, k
    _check_planes("max_pool2d_backward", P, grad_input.shape[0])
    _check_shape("max_pool2d_backward", "indices", indices.shape[0], indices.shape[1], indices.shape[2], P, ho, wo)
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                for ow in range(wo):
                    k = indices[p, oh, ow]
                    if <size_t>k < size:
                        grad_input[p, k] += grad[p, oh, ow]


def gather_planes(const real[:, ::1] src, const long long[:, :, ::1] indices, real[:, :, ::1] out, int threads=1):
    """``out[p, i, j] = src[p, indices[p, i, j]]``: the adjoint of ``max_pool2d_backward`` (0 where it adds nothing)."""
    cdef Py_ssize_t P = out.shape[0], ho = out.shape[1], wo = out.shape[2]
    cdef size_t size = src.shape[1]
    cdef Py_ssize_t p, oh, ow, k
    _check_planes("gather_planes", src.shape[0], P)
    _check_shape("gather_planes", "indices", indices.shape[0], indices.shape[1], indices.shape[2], P, ho, wo)
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                for ow in range(wo):
                    k = indices[p, oh, ow]
                    out[p, oh, ow] = src[p, k] if <size_t>k < size else 0


def avg_pool2d(const real[:, :, ::1] x, real[:, :, ::1] out, int kh, int kw, int sh, int sw, int ph, int pw,
               bint count_include_pad, int divisor_override, int threads=1):
    """Windowed mean with PyTorch's divisor rules (padding counted or not, or a fixed divisor: any but 0, which
    means none)."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1, ih, iw, pool
    cdef real s
    _check_planes("avg_pool2d", P, out.shape[0])
    _check_window("avg_pool2d", kh, kw, sh, sw, ph, pw, 1, 1)
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
                    if divisor_override != 0:
                        pool = divisor_override
                    elif not count_include_pad:
                        pool = (h1 - h0) * (w1 - w0)
                    s = 0
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            s = s + x[p, ih, iw]
                    out[p, oh, ow] = s / pool


def avg_pool2d_backward(const real[:, :, ::1] grad, real[:, :, ::1] grad_input, int kh, int kw, int sh, int sw,
                        int ph, int pw, bint count_include_pad, int divisor_override, int threads=1):
    """The adjoint of ``avg_pool2d``: spread each output gradient over its window; ``grad_input`` zeroed."""
    cdef Py_ssize_t P = grad.shape[0], ho = grad.shape[1], wo = grad.shape[2]
    cdef Py_ssize_t H = grad_input.shape[1], W = grad_input.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1, ih, iw, pool
    cdef real g
    _check_planes("avg_pool2d_backward", P, grad_input.shape[0])
    _check_window("avg_pool2d_backward", kh, kw, sh, sw, ph, pw, 1, 1)
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
                    if divisor_override != 0:
                        pool = divisor_override
                    elif not count_include_pad:
                        pool = (h1 - h0) * (w1 - w0)
                    g = grad[p, oh, ow] / pool
                    for ih in range(h0, h1):
                        for iw in range(w0, w1):
                            grad_input[p, ih, iw] += g


cdef int _check_nonempty(str fn, Py_ssize_t P, Py_ssize_t H, Py_ssize_t W, Py_ssize_t ho, Py_ssize_t wo) except -1:
    """Adaptive windows over an empty plane would be empty (a division by zero); an empty output has none."""
    if P and ho and wo and (H <= 0 or W <= 0):
        raise ValueError(f"{fn}: ({ho}, {wo}) windows over an empty ({H}, {W}) plane")
    return 0


cdef inline Py_ssize_t _start(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return (o * n_in) // n_out


cdef inline Py_ssize_t _end(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return ((o + 1) * n_in + n_out - 1) // n_out


def adaptive_avg_pool2d(const real[:, :, ::1] x, real[:, :, ::1] out, int threads=1):
    """Mean over the adaptive windows [floor(o*H/Ho), ceil((o+1)*H/Ho)); none is empty when H, W >= 1."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1, ih, iw
    cdef real s
    _check_planes("adaptive_avg_pool2d", P, out.shape[0])
    _check_nonempty("adaptive_avg_pool2d", P, H, W, ho, wo)
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


def adaptive_avg_pool2d_backward(const real[:, :, ::1] grad, real[:, :, ::1] grad_input, int threads=1):
    """The adjoint of ``adaptive_avg_pool2d``; ``grad_input`` zeroed."""
    cdef Py_ssize_t P = grad.shape[0], ho = grad.shape[1], wo = grad.shape[2]
    cdef Py_ssize_t H = grad_input.shape[1], W = grad_input.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1, ih, iw
    cdef real g
    _check_planes("adaptive_avg_pool2d_backward", P, grad_input.shape[0])
    _check_nonempty("adaptive_avg_pool2d_backward", P, H, W, ho, wo)
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


cdef inline void _window_max_long(const real* plane, Py_ssize_t W, Py_ssize_t h0, Py_ssize_t h1, Py_ssize_t w0,
                                  Py_ssize_t w1, real* out, long long* idx) noexcept nogil:
    """``_window_max`` for large windows (dilation 1): a branch on each comparison, which the predictor gets
    right once a window is long (a new maximum grows rare), where the selects would chain every element."""
    cdef Py_ssize_t ih, iw, k, at = h0 * W + w0
    cdef real best = -INFINITY, v
    for ih in range(h0, h1):
        for iw in range(w0, w1):
            k = ih * W + iw
            v = plane[k]
            if v > best or v != v:
                best = v
                at = k
    out[0] = best
    idx[0] = at


def adaptive_max_pool2d(const real[:, :, ::1] x, real[:, :, ::1] out, long long[:, :, ::1] indices, int threads=1):
    """Max over the adaptive windows, with flat indices as ``max_pool2d``; NaN propagates."""
    cdef Py_ssize_t P = x.shape[0], H = x.shape[1], W = x.shape[2]
    cdef Py_ssize_t ho = out.shape[1], wo = out.shape[2]
    cdef Py_ssize_t p, oh, ow, h0, h1, w0, w1
    _check_planes("adaptive_max_pool2d", P, out.shape[0])
    _check_shape("adaptive_max_pool2d", "indices", indices.shape[0], indices.shape[1], indices.shape[2], P, ho, wo)
    _check_nonempty("adaptive_max_pool2d", P, H, W, ho, wo)
    with nogil:
        for p in prange(P, schedule="static", num_threads=threads):
            for oh in range(ho):
                h0 = _start(oh, H, ho)
                h1 = _end(oh, H, ho)
                for ow in range(wo):
                    w0 = _start(ow, W, wo)
                    w1 = _end(ow, W, wo)
                    if (h1 - h0) * (w1 - w0) >= 512:
                        _window_max_long(&x[p, 0, 0], W, h0, h1, w0, w1, &out[p, oh, ow], &indices[p, oh, ow])
                    else:
                        _window_max(&x[p, 0, 0], W, h0, h1, w0, w1, 1, 1, &out[p, oh, ow], &indices[p, oh, ow])
