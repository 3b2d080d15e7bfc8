# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""im2col and col2im: the patch gathering behind convolution, and its adjoint.

``cols`` has shape (C*kh*kw, N, Ho*Wo): row ``(c*kh + i)*kw + j`` holds input channel ``c``
shifted by kernel offset ``(i, j)``, for every image and output position. A convolution is
then one matrix product ``weight.view(Cout, -1) @ cols.view(C*kh*kw, N*Ho*Wo)``.
"""

from cython.parallel cimport prange
from libc.string cimport memset

ctypedef fused real:
    float
    double


cdef inline Py_ssize_t _first_valid(Py_ssize_t offset, Py_ssize_t stride) noexcept nogil:
    """The smallest o >= 0 with o*stride + offset >= 0."""
    if offset >= 0:
        return 0
    return (-offset + stride - 1) // stride


cdef inline Py_ssize_t _end_valid(Py_ssize_t offset, Py_ssize_t stride, Py_ssize_t size,
                                  Py_ssize_t n_out) noexcept nogil:
    """One past the largest o < n_out with o*stride + offset < size."""
    cdef Py_ssize_t last
    if size - 1 - offset < 0:
        return 0
    last = (size - 1 - offset) // stride + 1
    return last if last < n_out else n_out


def im2col(real[:, :, :, ::1] x, real[:, :, ::1] cols, int kh, int kw, int sh, int sw,
           int ph, int pw, int dh, int dw, int threads=1):
    """Fill ``cols`` (C*kh*kw, N, Ho*Wo) with the patches of ``x`` (N, C, H, W); zero padding."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t ho = 0, wo = 0
    cdef Py_ssize_t rows = C * kh * kw, rn, r, n, c, i, j, oh, ow, ih, off_w, lo, hi
    cdef real* dst
    cdef real* src
    if cols.shape[2] == 0 or rows == 0 or N == 0:
        return
    wo = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    ho = cols.shape[2] // wo
    with nogil:
        for rn in prange(rows * N, schedule="static", num_threads=threads):
            r = rn // N
            n = rn - r * N
            c = r // (kh * kw)
            i = (r // kw) % kh
            j = r % kw
            off_w = j * dw - pw
            lo = _first_valid(off_w, sw)
            hi = _end_valid(off_w, sw, W, wo)
            if hi < lo:
                hi = lo
            for oh in range(ho):
                dst = &cols[r, n, oh * wo]
                ih = oh * sh - ph + i * dh
                if ih < 0 or ih >= H:
                    memset(dst, 0, wo * sizeof(real))
                    continue
                src = &x[n, c, ih, 0]
                if lo > 0:
                    memset(dst, 0, lo * sizeof(real))
                if sw == 1:
                    for ow in range(lo, hi):
                        dst[ow] = src[ow + off_w]
                else:
                    for ow in range(lo, hi):
                        dst[ow] = src[ow * sw + off_w]
                if hi < wo:
                    memset(dst + hi, 0, (wo - hi) * sizeof(real))


def col2im(real[:, :, ::1] cols, real[:, :, :, ::1] x, int kh, int kw, int sh, int sw,
           int ph, int pw, int dh, int dw, int threads=1):
    """Add every entry of ``cols`` (C*kh*kw, N, Ho*Wo) into the pixel of ``x`` it came from.

    ``x`` (N, C, H, W) must be zeroed by the caller. Overlapping patches accumulate.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t ho, wo, nc, n, c, i, j, r, oh, ow, ih, off_w, lo, hi
    cdef real* dst
    cdef real* src
    if cols.shape[2] == 0 or N == 0 or C == 0:
        return
    wo = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    ho = cols.shape[2] // wo
    with nogil:
        for nc in prange(N * C, schedule="static", num_threads=threads):
            n = nc // C
            c = nc - n * C
            for i in range(kh):
                for j in range(kw):
                    r = (c * kh + i) * kw + j
                    off_w = j * dw - pw
                    lo = _first_valid(off_w, sw)
                    hi = _end_valid(off_w, sw, W, wo)
                    for oh in range(ho):
                        ih = oh * sh - ph + i * dh
                        if ih < 0 or ih >= H:
                            continue
                        src = &cols[r, n, oh * wo]
                        dst = &x[n, c, ih, 0]
                        if sw == 1:
                            for ow in range(lo, hi):
                                dst[ow + off_w] += src[ow]
                        else:
                            for ow in range(lo, hi):
                                dst[ow * sw + off_w] += src[ow]
