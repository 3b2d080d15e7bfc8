# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""im2col and col2im: the patch gathering behind convolution, and its adjoint.

``cols`` has shape (C*kh*kw, N, Ho*Wo): row ``(c*kh + i)*kw + j`` holds input channel ``c``
shifted by kernel offset ``(i, j)``, for every image and output position. A convolution is
then a matrix product ``weight.view(Cout, -1) @ cols``, one per image when ``cols`` is a view
of an (N, C*kh*kw, Ho*Wo) array (only its last axis need be contiguous).
"""

import numpy as np

from cython.parallel cimport prange, threadid

cdef extern from *:
    """
    #include <string.h>
    /* Rows of a few floats dominate small convolutions (a 5x5 kernel on a 14-pixel image: 10-float
       rows), and a loop with a run-time length spends more on its prologue and tail than on the
       copy. Copy nb bytes (a multiple of 4, at most 128) in two fixed-size moves, overlapping when nb
       is not twice the move; memcpy for longer rows. */
    static inline void ember_copy_bytes(char* d, const char* s, Py_ssize_t nb) {
        if (nb <= 16) {
            if (nb >= 8) { memcpy(d, s, 8); memcpy(d + nb - 8, s + nb - 8, 8); }
            else if (nb >= 4) { memcpy(d, s, 4); memcpy(d + nb - 4, s + nb - 4, 4); }
        } else if (nb <= 32) {
            memcpy(d, s, 16); memcpy(d + nb - 16, s + nb - 16, 16);
        } else if (nb <= 64) {
            memcpy(d, s, 32); memcpy(d + nb - 32, s + nb - 32, 32);
        } else if (nb <= 128) {
            memcpy(d, s, 64); memcpy(d + nb - 64, s + nb - 64, 64);
        } else {
            memcpy(d, s, nb);
        }
    }
    /* d[0:n] += s[0:n] (rows never overlap): fixed trip counts for short rows, unrolled by the
       compiler; the switch on n is predicted, n being the same for every row of a call. */
    #define EMBER_ADD_CASE(n) case n: for (k = 0; k < n; k++) d[k] += s[k]; break;
    #define EMBER_ADD_ROW(T, name) \
    static inline void name(T* __restrict d, const T* __restrict s, Py_ssize_t n) { \
        Py_ssize_t k; \
        switch (n) { \
            EMBER_ADD_CASE(1) EMBER_ADD_CASE(2) EMBER_ADD_CASE(3) EMBER_ADD_CASE(4) \
            EMBER_ADD_CASE(5) EMBER_ADD_CASE(6) EMBER_ADD_CASE(7) EMBER_ADD_CASE(8) \
            EMBER_ADD_CASE(9) EMBER_ADD_CASE(10) EMBER_ADD_CASE(11) EMBER_ADD_CASE(12) \
            EMBER_ADD_CASE(13) EMBER_ADD_CASE(14) EMBER_ADD_CASE(15) EMBER_ADD_CASE(16) \
            default: for (k = 0; k < n; k++) d[k] += s[k]; \
        } \
    }
    EMBER_ADD_ROW(float, ember_add_row_f)
    EMBER_ADD_ROW(double, ember_add_row_d)
    """
    void _copy_bytes "ember_copy_bytes"(char* d, const char* s, Py_ssize_t nb) noexcept nogil
    void _add_row_f "ember_add_row_f"(float* d, const float* s, Py_ssize_t n) noexcept nogil
    void _add_row_d "ember_add_row_d"(double* d, const double* s, Py_ssize_t n) noexcept nogil

ctypedef fused real:
    float
    double


cdef inline Py_ssize_t _first_valid(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t n_out) noexcept nogil:
    """The smallest o >= 0 with o*stride + offset >= 0, at most n_out."""
    cdef Py_ssize_t first
    if offset >= 0:
        return 0
    first = -offset if stride == 1 else (-offset + stride - 1) // stride   # no division in the common case
    return first if first < n_out else n_out


cdef inline Py_ssize_t _end_valid(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                                  Py_ssize_t n_out) noexcept nogil:
    """One past the largest o < n_out with o*stride + offset < size (at least 0)."""
    cdef Py_ssize_t last
    if size - 1 - offset < 0:
        return 0
    last = size - offset if stride == 1 else (size - 1 - offset) // stride + 1
    return last if last < n_out else n_out


cdef int _check_columns(str fn, real[:, :, :] cols, Py_ssize_t N, Py_ssize_t C, Py_ssize_t H, Py_ssize_t W,
                        int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, Py_ssize_t* ho,
                        Py_ssize_t* wo) except -1:
    """Fill ``ho``, ``wo`` (the grid of windows over the padded (H, W) plane) after checking that the geometry
    is one the kernels can walk and that ``cols`` is (C*kh*kw, N, ho*wo) with a contiguous last axis.

    Once per call: the loops below trust every one of these relations (no bounds checks).
    """
    cdef Py_ssize_t span_h, span_w
    if kh <= 0 or kw <= 0 or sh <= 0 or sw <= 0 or dh <= 0 or dw <= 0 or ph < 0 or pw < 0:
        raise ValueError(f"{fn}: kernel ({kh}, {kw}), stride ({sh}, {sw}) and dilation ({dh}, {dw}) must be "
                         f"positive and padding ({ph}, {pw}) non-negative")
    span_h = H + 2 * <Py_ssize_t>ph - <Py_ssize_t>dh * (kh - 1) - 1
    span_w = W + 2 * <Py_ssize_t>pw - <Py_ssize_t>dw * (kw - 1) - 1
    if span_h < 0 or span_w < 0:
        raise ValueError(f"{fn}: a ({kh}, {kw}) kernel with dilation ({dh}, {dw}) does not fit the ({H}, {W}) "
                         f"plane padded by ({ph}, {pw})")
    ho[0] = span_h // sh + 1
    wo[0] = span_w // sw + 1
    if (cols.shape[0] != C * kh * kw or cols.shape[1] != N or cols.shape[2] != ho[0] * wo[0]):
        raise ValueError(f"{fn}: columns of shape ({cols.shape[0]}, {cols.shape[1]}, {cols.shape[2]}) for "
                         f"({N}, {C}, {H}, {W}) images need shape ({C * kh * kw}, {N}, {ho[0] * wo[0]})")
    if cols.shape[2] > 1 and cols.strides[2] != sizeof(real):   # a length-1 axis may report any stride
        raise ValueError(f"{fn}: the columns' last axis must be contiguous")
    return 0


cdef inline void _zero(real* dst, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(n):
        dst[k] = 0


cdef inline void _gather_plane(const real* plane, real* dst, Py_ssize_t H, Py_ssize_t W,
                               Py_ssize_t ho, Py_ssize_t wo, Py_ssize_t off_h, Py_ssize_t off_w,
                               Py_ssize_t sh, Py_ssize_t sw) noexcept nogil:
    """dst[oh, ow] = plane[oh*sh + off_h, ow*sw + off_w], zero where that falls outside the (H, W) plane."""
    cdef Py_ssize_t oh, ow, top, bottom, lo, hi
    cdef const real* src
    cdef real* row
    top = _first_valid(off_h, sh, ho)
    bottom = _end_valid(off_h, sh, H, ho)
    if bottom < top:
        bottom = top
    lo = _first_valid(off_w, sw, wo)
    hi = _end_valid(off_w, sw, W, wo)
    if hi < lo:
        hi = lo
    _zero(dst, top * wo)
    for oh in range(top, bottom):
        row = dst + oh * wo
        src = plane + (oh * sh + off_h) * W + off_w
        _zero(row, lo)
        if sw == 1:
            _copy_bytes(<char*>(row + lo), <const char*>(src + lo), (hi - lo) * sizeof(real))
        else:
            for ow in range(lo, hi):
                row[ow] = src[ow * sw]
        _zero(row + hi, wo - hi)
    _zero(dst + bottom * wo, (ho - bottom) * wo)


cdef inline void _scatter_plane(const real* src, real* plane, Py_ssize_t H, Py_ssize_t W,
                                Py_ssize_t ho, Py_ssize_t wo, Py_ssize_t off_h, Py_ssize_t off_w,
                                Py_ssize_t sh, Py_ssize_t sw) noexcept nogil:
    """The adjoint of ``_gather_plane``: plane[oh*sh + off_h, ow*sw + off_w] += src[oh, ow] where inside."""
    cdef Py_ssize_t oh, ow, top, bottom, lo, hi
    cdef const real* row
    cdef real* dst
    top = _first_valid(off_h, sh, ho)
    bottom = _end_valid(off_h, sh, H, ho)
    lo = _first_valid(off_w, sw, wo)
    hi = _end_valid(off_w, sw, W, wo)
    for oh in range(top, bottom):
        row = src + oh * wo
        dst = plane + (oh * sh + off_h) * W + off_w
        if sw == 1:
            if real is float:
                _add_row_f(dst + lo, row + lo, hi - lo)
            else:
                _add_row_d(dst + lo, row + lo, hi - lo)
        else:
            for ow in range(lo, hi):
                dst[ow * sw] += row[ow]


cdef inline Py_ssize_t _floor_div(Py_ssize_t a, Py_ssize_t b) noexcept nogil:
    return a // b if a >= 0 else -((-a + b - 1) // b)


cdef inline void _split_phases(const real* plane, real* phases, Py_ssize_t H, Py_ssize_t W,
                               Py_ssize_t sh, Py_ssize_t sw) noexcept nogil:
    """Deinterleave an (H, W) plane into its sh*sw phases: phase (a, b) holds plane[a::sh, b::sw], stored one after
    another in (a, b) order, each as a contiguous (ceil((H-a)/sh), ceil((W-b)/sw)) array."""
    cdef Py_ssize_t a, b, y, x, hp, wp
    cdef real* dst = phases
    cdef const real* src
    for a in range(sh):
        hp = (H - a + sh - 1) // sh
        for b in range(sw):
            wp = (W - b + sw - 1) // sw
            for y in range(hp):
                src = plane + (y * sh + a) * W + b
                for x in range(wp):
                    dst[x] = src[x * sw]
                dst += wp


cdef inline void _merge_phases(const real* phases, real* plane, Py_ssize_t H, Py_ssize_t W,
                               Py_ssize_t sh, Py_ssize_t sw) noexcept nogil:
    """The adjoint of ``_split_phases``: plane[a::sh, b::sw] += phase (a, b)."""
    cdef Py_ssize_t a, b, y, x, hp, wp
    cdef const real* src = phases
    cdef real* dst
    for a in range(sh):
        hp = (H - a + sh - 1) // sh
        for b in range(sw):
            wp = (W - b + sw - 1) // sw
            for y in range(hp):
                dst = plane + (y * sh + a) * W + b
                for x in range(wp):
                    dst[x * sw] += src[x]
                src += wp


cdef inline Py_ssize_t _phase_start(Py_ssize_t H, Py_ssize_t W, Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t a,
                                    Py_ssize_t b) noexcept nogil:
    """Where phase (a, b) begins in ``_split_phases``' buffer: the phases of rows a2 < a fill whole rows of W,
    then phase (a, b) follows b phases of its own height."""
    cdef Py_ssize_t start = 0, k
    for k in range(a):
        start += ((H - k + sh - 1) // sh) * W
    for k in range(b):
        start += ((H - a + sh - 1) // sh) * ((W - k + sw - 1) // sw)
    return start


cdef void _im2col_phases(real[:, :, :, ::1] x, real[:, :, :] cols, real[:, ::1] scratch, int kh, int kw,
                         int sh, int sw, int ph, int pw, int dh, int dw, Py_ssize_t ho, Py_ssize_t wo,
                         int threads) noexcept nogil:
    """im2col of a strided convolution through each plane's phases (in a row of ``scratch`` per thread): every tap
    reads one phase shifted, so its rows are contiguous copies instead of a strided gather per element."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t nc, n, c, i, j, r, a, b, off_h, off_w
    cdef real* phases
    for nc in prange(N * C, schedule="static", num_threads=threads):
        n = nc // C
        c = nc - n * C
        phases = &scratch[threadid(), 0]
        _split_phases(&x[n, c, 0, 0], phases, H, W, sh, sw)
        for i in range(kh):
            off_h = i * dh - ph
            a = off_h - _floor_div(off_h, sh) * sh
            for j in range(kw):
                off_w = j * dw - pw
                b = off_w - _floor_div(off_w, sw) * sw
                r = (c * kh + i) * kw + j
                _gather_plane(phases + _phase_start(H, W, sh, sw, a, b), &cols[r, n, 0],
                              (H - a + sh - 1) // sh, (W - b + sw - 1) // sw, ho, wo,
                              _floor_div(off_h, sh), _floor_div(off_w, sw), 1, 1)


cdef void _col2im_phases(real[:, :, :] cols, real[:, :, :, ::1] x, real[:, ::1] scratch, int kh, int kw,
                         int sh, int sw, int ph, int pw, int dh, int dw, Py_ssize_t ho, Py_ssize_t wo,
                         int threads) noexcept nogil:
    """col2im of a strided convolution: each tap adds contiguous rows into one phase of a zeroed plane (a row of
    ``scratch`` per thread), and the phases are added back into the image once."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t nc, n, c, i, j, r, a, b, off_h, off_w
    cdef real* phases
    for nc in prange(N * C, schedule="static", num_threads=threads):
        n = nc // C
        c = nc - n * C
        phases = &scratch[threadid(), 0]
        _zero(phases, H * W)
        for j in range(kw):
            off_w = j * dw - pw
            b = off_w - _floor_div(off_w, sw) * sw
            for i in range(kh):
                off_h = i * dh - ph
                a = off_h - _floor_div(off_h, sh) * sh
                r = (c * kh + i) * kw + j
                _scatter_plane(&cols[r, n, 0], phases + _phase_start(H, W, sh, sw, a, b),
                               (H - a + sh - 1) // sh, (W - b + sw - 1) // sw, ho, wo,
                               _floor_div(off_h, sh), _floor_div(off_w, sw), 1, 1)
        _merge_phases(phases, &x[n, c, 0, 0], H, W, sh, sw)


def im2col(real[:, :, :, ::1] x, real[:, :, :] cols, int kh, int kw, int sh, int sw,
           int ph, int pw, int dh, int dw, int threads=1):
    """Fill ``cols`` (C*kh*kw, N, Ho*Wo) with the patches of ``x`` (N, C, H, W); zero padding.

    Only the last axis of ``cols`` must be contiguous: a transposed view of an (N, C*kh*kw, Ho*Wo)
    array works too, keeping each image's columns together. Strided kernels read each plane's phases.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t ho = 0, wo = 0
    cdef Py_ssize_t nc, n, c, i, j, r
    _check_columns("im2col", cols, N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, &ho, &wo)
    if N * C == 0:
        return
    cdef real[:, ::1] scratch
    if (sh > 1 or sw > 1) and H >= sh and W >= sw:
        scratch = np.empty((max(threads, 1), H * W), dtype=np.float32 if real is float else np.float64)
        with nogil:
            _im2col_phases(x, cols, scratch, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, max(threads, 1))
        return
    with nogil:
        for nc in prange(N * C, schedule="static", num_threads=threads):
            n = nc // C
            c = nc - n * C
            for i in range(kh):
                for j in range(kw):
                    r = (c * kh + i) * kw + j
                    _gather_plane(&x[n, c, 0, 0], &cols[r, n, 0], H, W, ho, wo, i * dh - ph, j * dw - pw, sh, sw)


def col2im(real[:, :, :] cols, real[:, :, :, ::1] x, int kh, int kw, int sh, int sw,
           int ph, int pw, int dh, int dw, int threads=1):
    """Add every entry of ``cols`` (C*kh*kw, N, Ho*Wo) into the pixel of ``x`` it came from.

    ``x`` (N, C, H, W) must be zeroed by the caller. Overlapping patches accumulate. As in ``im2col``,
    ``cols`` may be a transposed view of an (N, C*kh*kw, Ho*Wo) array; strided kernels add into phases.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t ho = 0, wo = 0, nc, n, c, i, j, r
    cdef real[:, ::1] scratch
    _check_columns("col2im", cols, N, C, H, W, kh, kw, sh, sw, ph, pw, dh, dw, &ho, &wo)
    if N * C == 0:
        return
    if (sh > 1 or sw > 1) and H >= sh and W >= sw:
        scratch = np.empty((max(threads, 1), H * W), dtype=np.float32 if real is float else np.float64)
        with nogil:
            _col2im_phases(cols, x, scratch, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo, max(threads, 1))
        return
    with nogil:
        for nc in prange(N * C, schedule="static", num_threads=threads):
            n = nc // C
            c = nc - n * C
            for j in range(kw):      # j outside: successive passes then add into rows at the same column
                for i in range(kh):  # offset, which store-to-load forwarding serves (shifted ones stall it)
                    r = (c * kh + i) * kw + j
                    _scatter_plane(&cols[r, n, 0], &x[n, c, 0, 0], H, W, ho, wo, i * dh - ph, j * dw - pw, sh, sw)
