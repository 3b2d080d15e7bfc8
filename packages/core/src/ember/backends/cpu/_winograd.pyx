# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Winograd F(2x2, 3x3): a 3x3 stride-1 convolution with 2.25x fewer multiplications.

Each 2x2 output tile comes from a 4x4 input tile: V = B^T d B per input channel, then for
each of the 16 positions one matrix product over channels (M = U V, done by BLAS), then
Y = A^T M A. The input transform writes V as (16, C, T) with T = N * tiles_h * tiles_w, so the
16 products are matmuls with the filter transform U (16, C_out, C). The 16 slabs of V and M
must not lie a multiple of 4 KiB apart: the 16 streams would then share cache sets (the caller
pads them).
"""

from cython.parallel cimport prange

ctypedef fused real:
    float
    double


cdef inline void _tile_in(const real* plane, Py_ssize_t H, Py_ssize_t W, real* dst, Py_ssize_t stride,
                          Py_ssize_t y0, Py_ssize_t x0) noexcept nogil:
    """B^T d B of the 4x4 tile at (y0, x0) of one zero-padded plane; output k goes to dst[k * stride]."""
    cdef Py_ssize_t i, j, yy, xx
    cdef real d[4][4]
    cdef real m[4][4]
    cdef const real* row
    if y0 >= 0 and x0 >= 0 and y0 + 4 <= H and x0 + 4 <= W:
        for i in range(4):
            row = plane + (y0 + i) * W + x0
            d[i][0] = row[0]
            d[i][1] = row[1]
            d[i][2] = row[2]
            d[i][3] = row[3]
    else:
        for i in range(4):
            yy = y0 + i
            for j in range(4):
                xx = x0 + j
                d[i][j] = plane[yy * W + xx] if 0 <= yy < H and 0 <= xx < W else 0
    for j in range(4):            # rows: B^T d
        m[0][j] = d[0][j] - d[2][j]
        m[1][j] = d[1][j] + d[2][j]
        m[2][j] = d[2][j] - d[1][j]
        m[3][j] = d[1][j] - d[3][j]
    for i in range(4):            # columns: (B^T d) B
        dst[(4 * i + 0) * stride] = m[i][0] - m[i][2]
        dst[(4 * i + 1) * stride] = m[i][1] + m[i][2]
        dst[(4 * i + 2) * stride] = m[i][2] - m[i][1]
        dst[(4 * i + 3) * stride] = m[i][1] - m[i][3]


cdef inline void _tile_out(const real* src, Py_ssize_t stride, real* plane, Py_ssize_t Ho, Py_ssize_t Wo,
                           Py_ssize_t y0, Py_ssize_t x0, real bias) noexcept nogil:
    """A^T M A + bias of the 16 values src[k * stride], written to the 2x2 tile at (y0, x0) of one output plane."""
    cdef Py_ssize_t i
    cdef real a[16]
    cdef real r[2][4]
    for i in range(16):
        a[i] = src[i * stride]
    for i in range(4):            # rows: A^T M
        r[0][i] = a[i] + a[4 + i] + a[8 + i]
        r[1][i] = a[4 + i] - a[8 + i] - a[12 + i]
    for i in range(2):            # columns: (A^T M) A
        if y0 + i < Ho:
            plane[(y0 + i) * Wo + x0] = r[i][0] + r[i][1] + r[i][2] + bias
            if x0 + 1 < Wo:
                plane[(y0 + i) * Wo + x0 + 1] = r[i][1] - r[i][2] - r[i][3] + bias


def input_transform(real[:, :, :, ::1] x, real[:, :, :] v, int pad, int tiles_h, int tiles_w, int threads=1):
    """Fill ``v`` (16, C, N*tiles_h*tiles_w) with B^T d B for every 4x4 tile d of the zero-padded input."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t tiles = tiles_h * tiles_w, stride = v.strides[0] // sizeof(real), nc, n, c, ty, tx
    cdef real* dst
    if N * C == 0:
        return
    with nogil:
        for nc in prange(N * C, schedule="static", num_threads=threads):
            n = nc // C
            c = nc - n * C
            dst = &v[0, c, n * tiles]
            for ty in range(tiles_h):
                for tx in range(tiles_w):
                    _tile_in(&x[n, c, 0, 0], H, W, dst + ty * tiles_w + tx, stride, 2 * ty - pad, 2 * tx - pad)


def output_transform(real[:, :, :] mt, real[:, :, :, ::1] out, const real[::1] bias, int tiles_h, int tiles_w,
                     int threads=1):
    """Write Y = A^T M A (+ ``bias`` per channel, unless it is empty) for every tile of ``mt`` (16, C_out, T)
    into ``out`` (N, C_out, Ho, Wo)."""
    cdef Py_ssize_t N = out.shape[0], K = out.shape[1], Ho = out.shape[2], Wo = out.shape[3]
    cdef Py_ssize_t tiles = tiles_h * tiles_w, stride = mt.strides[0] // sizeof(real), nk, n, k, ty, tx
    cdef bint has_bias = bias.shape[0] > 0
    cdef real* src
    if N * K == 0:
        return
    with nogil:
        for nk in prange(N * K, schedule="static", num_threads=threads):
            n = nk // K
            k = nk - n * K
            src = &mt[0, k, n * tiles]
            for ty in range(tiles_h):
                for tx in range(tiles_w):
                    _tile_out(src + ty * tiles_w + tx, stride, &out[n, k, 0, 0], Ho, Wo, 2 * ty, 2 * tx,
                              bias[k] if has_bias else 0)


cdef inline void _tile_grad(const real* plane, Py_ssize_t Ho, Py_ssize_t Wo, real* dst, Py_ssize_t stride,
                            Py_ssize_t y0, Py_ssize_t x0) noexcept nogil:
    """A gy A^T of the 2x2 gradient tile at (y0, x0) (the adjoint of ``_tile_out``); k goes to dst[k * stride]."""
    cdef Py_ssize_t i
    cdef real g[2][2]
    cdef real t[4][2]
    for i in range(2):
        g[i][0] = plane[(y0 + i) * Wo + x0] if y0 + i < Ho else 0
        g[i][1] = plane[(y0 + i) * Wo + x0 + 1] if y0 + i < Ho and x0 + 1 < Wo else 0
    for i in range(2):            # rows: A gy
        t[0][i] = g[0][i]
        t[1][i] = g[0][i] + g[1][i]
        t[2][i] = g[0][i] - g[1][i]
        t[3][i] = -g[1][i]
    for i in range(4):            # columns: (A gy) A^T
        dst[(4 * i + 0) * stride] = t[i][0]
        dst[(4 * i + 1) * stride] = t[i][0] + t[i][1]
        dst[(4 * i + 2) * stride] = t[i][0] - t[i][1]
        dst[(4 * i + 3) * stride] = -t[i][1]


cdef inline void _tile_in_adjoint(const real* src, Py_ssize_t stride, real* plane, Py_ssize_t H, Py_ssize_t W,
                                  Py_ssize_t y0, Py_ssize_t x0) noexcept nogil:
    """Add B V B^T (the adjoint of ``_tile_in``) of the 16 values src[k * stride] into the 4x4 tile at (y0, x0)."""
    cdef Py_ssize_t i, j, yy, xx
    cdef real v[4][4]
    cdef real r[4][4]
    cdef real d[4]
    for i in range(16):
        v[i // 4][i % 4] = src[i * stride]
    for j in range(4):            # rows: B V
        r[0][j] = v[0][j]
        r[1][j] = v[1][j] - v[2][j] + v[3][j]
        r[2][j] = -v[0][j] + v[1][j] + v[2][j]
        r[3][j] = -v[3][j]
    for i in range(4):            # columns: (B V) B^T, added where the tile lies inside the image
        yy = y0 + i
        if yy < 0 or yy >= H:
            continue
        d[0] = r[i][0]
        d[1] = r[i][1] - r[i][2] + r[i][3]
        d[2] = -r[i][0] + r[i][1] + r[i][2]
        d[3] = -r[i][3]
        for j in range(4):
            xx = x0 + j
            if 0 <= xx < W:
                plane[yy * W + xx] += d[j]


def grad_transform(real[:, :, :, ::1] grad, real[:, :, :] gt, int tiles_h, int tiles_w, int threads=1):
    """Fill ``gt`` (16, C_out, T) with A gy A^T for every 2x2 tile of ``grad`` (N, C_out, Ho, Wo)."""
    cdef Py_ssize_t N = grad.shape[0], K = grad.shape[1], Ho = grad.shape[2], Wo = grad.shape[3]
    cdef Py_ssize_t tiles = tiles_h * tiles_w, stride = gt.strides[0] // sizeof(real), nk, n, k, ty, tx
    cdef real* dst
    if N * K == 0:
        return
    with nogil:
        for nk in prange(N * K, schedule="static", num_threads=threads):
            n = nk // K
            k = nk - n * K
            dst = &gt[0, k, n * tiles]
            for ty in range(tiles_h):
                for tx in range(tiles_w):
                    _tile_grad(&grad[n, k, 0, 0], Ho, Wo, dst + ty * tiles_w + tx, stride, 2 * ty, 2 * tx)


def input_transform_adjoint(real[:, :, :] v, real[:, :, :, ::1] x, int pad, int tiles_h, int tiles_w,
                            int threads=1):
    """Add B V B^T of every tile of ``v`` (16, C, T) into the zeroed ``x`` (N, C, H, W): the input gradient."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t tiles = tiles_h * tiles_w, stride = v.strides[0] // sizeof(real), nc, n, c, ty, tx
    cdef const real* src
    if N * C == 0:
        return
    with nogil:
        for nc in prange(N * C, schedule="static", num_threads=threads):
            n = nc // C
            c = nc - n * C
            src = &v[0, c, n * tiles]
            for ty in range(tiles_h):
                for tx in range(tiles_w):
                    _tile_in_adjoint(src + ty * tiles_w + tx, stride, &x[n, c, 0, 0], H, W, 2 * ty - pad,
                                     2 * tx - pad)


def filter_transform(const real[:, :, :, ::1] w, real[:, :, ::1] u):
    """Fill ``u`` (16, C_out, C) with U = G g G^T for every 3x3 filter g of ``w`` (C_out, C, 3, 3)."""
    cdef Py_ssize_t O = w.shape[0], C = w.shape[1], o, c, i, j
    cdef real t[4][3]
    cdef const real* g
    with nogil:
        for o in range(O):
            for c in range(C):
                g = &w[o, c, 0, 0]
                for j in range(3):        # rows: G g
                    t[0][j] = g[j]
                    t[1][j] = (g[j] + g[3 + j] + g[6 + j]) / 2
                    t[2][j] = (g[j] - g[3 + j] + g[6 + j]) / 2
                    t[3][j] = g[6 + j]
                for i in range(4):        # columns: (G g) G^T
                    u[4 * i + 0, o, c] = t[i][0]
                    u[4 * i + 1, o, c] = (t[i][0] + t[i][1] + t[i][2]) / 2
                    u[4 * i + 2, o, c] = (t[i][0] - t[i][1] + t[i][2]) / 2
                    u[4 * i + 3, o, c] = t[i][2]


def filter_transform_adjoint(const real[:, :, ::1] du, real[:, :, :, ::1] gw):
    """Write G^T dU G for every (out, in) pair of ``du`` (16, C_out, C) into ``gw`` (C_out, C, 3, 3)."""
    cdef Py_ssize_t O = gw.shape[0], C = gw.shape[1], o, c, i, j
    cdef real d[4][4]
    cdef real t[3][4]
    cdef real* g
    with nogil:
        for o in range(O):
            for c in range(C):
                for i in range(16):
                    d[i // 4][i % 4] = du[i, o, c]
                for j in range(4):        # rows: G^T dU
                    t[0][j] = d[0][j] + (d[1][j] + d[2][j]) / 2
                    t[1][j] = (d[1][j] - d[2][j]) / 2
                    t[2][j] = (d[1][j] + d[2][j]) / 2 + d[3][j]
                g = &gw[o, c, 0, 0]
                for i in range(3):        # columns: (G^T dU) G
                    g[3 * i + 0] = t[i][0] + (t[i][1] + t[i][2]) / 2
                    g[3 * i + 1] = (t[i][1] - t[i][2]) / 2
                    g[3 * i + 2] = (t[i][1] + t[i][2]) / 2 + t[i][3]
