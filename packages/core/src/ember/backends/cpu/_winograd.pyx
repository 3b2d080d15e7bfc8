# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Winograd F(2x2, 3x3): a 3x3 stride-1 convolution with 2.25x fewer multiplications.

Each 2x2 output tile comes from a 4x4 input tile: V = B^T d B per input channel, then for each
of the 16 positions one matrix product over channels (M = U V, done by BLAS), then
Y = A^T M A, with U = G g G^T the transformed filters (Lavin and Gray, 2015, points 0, +-1).
Every transform matrix holds only 0, +-1 and +-1/2, so the transforms add no rounding to speak of
and the float32 results are about as close to exact as a direct convolution's (F(4x4, 3x3), with
points +-2, rounds about 7x worse). The input transform writes V as (16, C, T) with
T = N * tiles_h * tiles_w, so the 16 products are matmuls with U (16, C_out, C). The 16 slabs of
V and M must not lie a multiple of 4 KiB apart: their streams would then share cache sets (the
caller pads them).

Every 2-D transform is a 1-D one applied down the columns, then along the rows. The backward
pass uses the adjoints: A (of A^T) for the output gradient, B (of B^T) for the input gradient,
G^T (of G) for the filter gradient. The filter transforms work in double and round once.
"""

from cython.parallel cimport parallel, prange
from libc.stdlib cimport free, malloc

ctypedef fused real:
    float
    double

cdef enum:
    ALPHA = 4     # input tile size
    M = 2         # output tile size
    CHUNK = 64    # tiles transformed together (vectorised across them)
    FILTERS = 16  # filters transformed together


cdef int _check_slabs(str fn, str what, Py_ssize_t s0, Py_ssize_t s1, Py_ssize_t s2, Py_ssize_t stride0,
                     Py_ssize_t stride2, size_t item, Py_ssize_t channels, Py_ssize_t tiles) except -1:
    """``what`` must be (ALPHA*ALPHA, channels, tiles) with whole-element slab strides and a contiguous last axis: the
    transforms address slab k of tile t as ``base + k*stride0/item + t``."""
    if s0 != ALPHA * ALPHA or s1 != channels or s2 != tiles:
        raise ValueError(f"{fn}: {what} has shape ({s0}, {s1}, {s2}), expected ({ALPHA * ALPHA}, {channels}, {tiles})")
    if stride0 % <Py_ssize_t>item or (s2 > 1 and stride2 != <Py_ssize_t>item):
        raise ValueError(f"{fn}: {what} needs a contiguous last axis and slabs a whole number of elements apart")
    return 0


cdef int _check_grid(str fn, Py_ssize_t ho, Py_ssize_t wo, int tiles_h, int tiles_w) except -1:
    """The tiles must be the (ceil(ho/M), ceil(wo/M)) grid over the output."""
    if ho < 0 or wo < 0 or tiles_h != (ho + M - 1) // M or tiles_w != (wo + M - 1) // M:
        raise ValueError(f"{fn}: a ({tiles_h}, {tiles_w}) grid of tiles for a ({ho}, {wo}) output, expected "
                         f"({(ho + M - 1) // M}, {(wo + M - 1) // M})")
    return 0


cdef int _check_filters(str fn, Py_ssize_t o, Py_ssize_t c, Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t s0,
                        Py_ssize_t s1, Py_ssize_t s2) except -1:
    if kh != 3 or kw != 3 or s0 != ALPHA * ALPHA or s1 != o or s2 != c:
        raise ValueError(f"{fn}: ({o}, {c}, {kh}, {kw}) filters with ({s0}, {s1}, {s2}) transforms, expected "
                         f"({o}, {c}, 3, 3) and ({ALPHA * ALPHA}, {o}, {c})")
    return 0


cdef inline void _bt(const real* z, Py_ssize_t zs, real* o, Py_ssize_t os, Py_ssize_t n) noexcept nogil:
    """o = B^T z for n 4-vectors side by side: vector l has elements z[l + i*zs], results o[l + k*os]."""
    cdef Py_ssize_t l
    cdef real z0, z1, z2, z3
    for l in range(n):
        z0 = z[l]
        z1 = z[zs + l]
        z2 = z[2 * zs + l]
        z3 = z[3 * zs + l]
        o[l] = z0 - z2
        o[os + l] = z1 + z2
        o[2 * os + l] = z2 - z1
        o[3 * os + l] = z1 - z3


cdef inline void _b(const real* z, Py_ssize_t zs, real* o, Py_ssize_t os, Py_ssize_t n) noexcept nogil:
    """o = B z (the adjoint of ``_bt``) for n 4-vectors side by side."""
    cdef Py_ssize_t l
    cdef real z0, z1, z2, z3
    for l in range(n):
        z0 = z[l]
        z1 = z[zs + l]
        z2 = z[2 * zs + l]
        z3 = z[3 * zs + l]
        o[l] = z0
        o[os + l] = z1 - z2 + z3
        o[2 * os + l] = z1 + z2 - z0
        o[3 * os + l] = -z3


cdef inline void _at(const real* z, Py_ssize_t zs, real* o, Py_ssize_t os, Py_ssize_t n) noexcept nogil:
    """o = A^T z for n 4-vectors side by side (2 results each)."""
    cdef Py_ssize_t l
    cdef real z1, z2
    for l in range(n):
        z1 = z[zs + l]
        z2 = z[2 * zs + l]
        o[l] = z[l] + (z1 + z2)
        o[os + l] = (z1 - z2) - z[3 * zs + l]


cdef inline void _a(const real* z, Py_ssize_t zs, real* o, Py_ssize_t os, Py_ssize_t n) noexcept nogil:
    """o = A z (the adjoint of ``_at``) for n 2-vectors side by side (4 results each)."""
    cdef Py_ssize_t l
    cdef real z0, z1
    for l in range(n):
        z0 = z[l]
        z1 = z[zs + l]
        o[l] = z0
        o[os + l] = z0 + z1
        o[2 * os + l] = z0 - z1
        o[3 * os + l] = -z1


cdef inline void _gather(const real* plane, Py_ssize_t H, Py_ssize_t W, Py_ssize_t size, Py_ssize_t step,
                         Py_ssize_t offset, Py_ssize_t tiles_w, Py_ssize_t t0, Py_ssize_t nt, real* d) noexcept nogil:
    """d[(size*i + j)*CHUNK + l] = plane[y0 + i, x0 + j] (0 outside) for tile t0 + l at (y0, x0) = step*(ty, tx) + offset.

    Called with constant ``size`` and ``step``, so the compiler unrolls the copies of inner tiles.
    """
    cdef Py_ssize_t l, i, j, yy, xx
    cdef Py_ssize_t ty = t0 // tiles_w, tx = t0 - (t0 // tiles_w) * tiles_w
    cdef Py_ssize_t y0 = step * ty + offset, x0
    cdef const real* row
    for l in range(nt):
        x0 = step * tx + offset
        if y0 >= 0 and x0 >= 0 and y0 + size <= H and x0 + size <= W:
            row = plane + y0 * W + x0
            for i in range(size):
                for j in range(size):
                    d[(size * i + j) * CHUNK + l] = row[i * W + j]
        else:
            for i in range(size):
                yy = y0 + i
                for j in range(size):
                    xx = x0 + j
                    d[(size * i + j) * CHUNK + l] = plane[yy * W + xx] if 0 <= yy < H and 0 <= xx < W else 0
        tx = tx + 1
        if tx == tiles_w:
            tx = 0
            y0 = y0 + step


def input_transform(const real[:, :, :, ::1] x, real[:, :, :] v, int pad, int tiles_h, int tiles_w, int threads=1):
    """Fill ``v`` (16, C, N*tiles_h*tiles_w) with B^T d B for every 4x4 tile d of the zero-padded input.

    CHUNK tiles of a plane at a time: gathered into 16 rows, then transformed row-wise (vectorised).
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t tiles = tiles_h * tiles_w, stride = v.strides[0] // sizeof(real), nc, n, c, t0, nt, j
    cdef real* d
    cdef real* t
    cdef real* dst
    _check_grid("input_transform", H + 2 * <Py_ssize_t>pad - 2, W + 2 * <Py_ssize_t>pad - 2, tiles_h, tiles_w)
    _check_slabs("input_transform", "v", v.shape[0], v.shape[1], v.shape[2], v.strides[0], v.strides[2], sizeof(real),
                 C, N * tiles)
    if N * C == 0 or tiles == 0:
        return
    with nogil, parallel(num_threads=threads):
        d = <real*>malloc(2 * ALPHA * ALPHA * CHUNK * sizeof(real))
        t = d + ALPHA * ALPHA * CHUNK
        for nc in prange(N * C, schedule="static"):
            n = nc // C
            c = nc - n * C
            dst = &v[0, c, n * tiles]
            for t0 in range(0, tiles, 64):     # CHUNK (Cython needs a literal step)
                nt = min(CHUNK, tiles - t0)
                _gather(&x[n, c, 0, 0], H, W, ALPHA, M, -pad, tiles_w, t0, nt, d)
                for j in range(ALPHA):    # columns: B^T d
                    _bt(d + j * CHUNK, ALPHA * CHUNK, t + j * CHUNK, ALPHA * CHUNK, nt)
                for j in range(ALPHA):    # rows: (B^T d) B, into slabs ALPHA*j ... ALPHA*j + 3
                    _bt(t + ALPHA * j * CHUNK, CHUNK, dst + ALPHA * j * stride + t0, stride, nt)
        free(d)


def output_transform(const real[:, :, :] mt, real[:, :, :, ::1] out, const real[::1] bias, int tiles_h,
                     int tiles_w, int threads=1):
    """Write Y = A^T M A (+ ``bias`` per channel, unless it is empty) for every tile of ``mt`` (16, C_out, T)
    into ``out`` (N, C_out, Ho, Wo)."""
    cdef Py_ssize_t N = out.shape[0], K = out.shape[1], Ho = out.shape[2], Wo = out.shape[3]
    cdef Py_ssize_t tiles = tiles_h * tiles_w, stride = mt.strides[0] // sizeof(real), nk, n, k, t0, nt, j
    cdef Py_ssize_t l, i, tt, y0, x0
    cdef bint has_bias = bias.shape[0] > 0
    cdef real b
    cdef real* t
    cdef real* y
    cdef real* plane
    cdef const real* src
    _check_grid("output_transform", Ho, Wo, tiles_h, tiles_w)
    _check_slabs("output_transform", "m", mt.shape[0], mt.shape[1], mt.shape[2], mt.strides[0], mt.strides[2],
                 sizeof(real), K, N * tiles)
    if bias.shape[0] != 0 and bias.shape[0] != K:
        raise ValueError(f"output_transform: {bias.shape[0]} bias values for {K} channels")
    if N * K == 0 or tiles == 0:
        return
    with nogil, parallel(num_threads=threads):
        t = <real*>malloc((M * ALPHA + M * M) * CHUNK * sizeof(real))
        y = t + M * ALPHA * CHUNK
        for nk in prange(N * K, schedule="static"):
            n = nk // K
            k = nk - n * K
            b = bias[k] if has_bias else 0
            src = &mt[0, k, n * tiles]
            plane = &out[n, k, 0, 0]
            for t0 in range(0, tiles, 64):     # CHUNK (Cython needs a literal step)
                nt = min(CHUNK, tiles - t0)
                for j in range(ALPHA):    # columns: A^T M
                    _at(src + j * stride + t0, ALPHA * stride, t + j * CHUNK, ALPHA * CHUNK, nt)
                for i in range(M):        # rows: (A^T M) A
                    _at(t + ALPHA * i * CHUNK, CHUNK, y + M * i * CHUNK, CHUNK, nt)
                for l in range(nt):       # scatter the 2x2 tiles, adding the bias
                    tt = t0 + l
                    y0 = M * (tt // tiles_w)
                    x0 = M * (tt % tiles_w)
                    if y0 + M <= Ho and x0 + M <= Wo:     # inner tile: no checks
                        for i in range(M):
                            for j in range(M):
                                plane[(y0 + i) * Wo + x0 + j] = y[(M * i + j) * CHUNK + l] + b
                        continue
                    for i in range(M):
                        if y0 + i >= Ho:
                            break
                        for j in range(M):
                            if x0 + j < Wo:
                                plane[(y0 + i) * Wo + x0 + j] = y[(M * i + j) * CHUNK + l] + b
        free(t)


def grad_transform(const real[:, :, :, ::1] grad, real[:, :, :] gt, int tiles_h, int tiles_w, int threads=1):
    """Fill ``gt`` (16, C_out, T) with A gy A^T for every 2x2 tile of ``grad`` (N, C_out, Ho, Wo): the
    adjoint of ``output_transform``."""
    cdef Py_ssize_t N = grad.shape[0], K = grad.shape[1], Ho = grad.shape[2], Wo = grad.shape[3]
    cdef Py_ssize_t tiles = tiles_h * tiles_w, stride = gt.strides[0] // sizeof(real), nk, n, k, t0, nt, j
    cdef real* d
    cdef real* t
    cdef real* dst
    _check_grid("grad_transform", Ho, Wo, tiles_h, tiles_w)
    _check_slabs("grad_transform", "gt", gt.shape[0], gt.shape[1], gt.shape[2], gt.strides[0], gt.strides[2],
                 sizeof(real), K, N * tiles)
    if N * K == 0 or tiles == 0:
        return
    with nogil, parallel(num_threads=threads):
        d = <real*>malloc((M * M + ALPHA * M) * CHUNK * sizeof(real))
        t = d + M * M * CHUNK
        for nk in prange(N * K, schedule="static"):
            n = nk // K
            k = nk - n * K
            dst = &gt[0, k, n * tiles]
            for t0 in range(0, tiles, 64):     # CHUNK (Cython needs a literal step)
                nt = min(CHUNK, tiles - t0)
                _gather(&grad[n, k, 0, 0], Ho, Wo, M, M, 0, tiles_w, t0, nt, d)
                for j in range(M):        # columns: A gy
                    _a(d + j * CHUNK, M * CHUNK, t + j * CHUNK, M * CHUNK, nt)
                for j in range(ALPHA):    # rows: (A gy) A^T, into slabs ALPHA*j ... ALPHA*j + 3
                    _a(t + M * j * CHUNK, CHUNK, dst + ALPHA * j * stride + t0, stride, nt)
        free(d)


def input_transform_adjoint(const real[:, :, :] v, real[:, :, :, ::1] x, int pad, int tiles_h, int tiles_w,
                            int threads=1):
    """Add B V B^T of every tile of ``v`` (16, C, T) into the zeroed ``x`` (N, C, H, W): the input gradient."""
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3]
    cdef Py_ssize_t tiles = tiles_h * tiles_w, stride = v.strides[0] // sizeof(real), nc, n, c, t0, nt, j
    cdef Py_ssize_t l, i, tt, y0, x0, yy, xx
    cdef real* t
    cdef real* d
    cdef real* plane
    cdef real* row
    cdef const real* src
    _check_grid("input_transform_adjoint", H + 2 * <Py_ssize_t>pad - 2, W + 2 * <Py_ssize_t>pad - 2, tiles_h, tiles_w)
    _check_slabs("input_transform_adjoint", "v", v.shape[0], v.shape[1], v.shape[2], v.strides[0], v.strides[2],
                 sizeof(real), C, N * tiles)
    if N * C == 0 or tiles == 0:
        return
    with nogil, parallel(num_threads=threads):
        t = <real*>malloc(2 * ALPHA * ALPHA * CHUNK * sizeof(real))
        d = t + ALPHA * ALPHA * CHUNK
        for nc in prange(N * C, schedule="static"):
            n = nc // C
            c = nc - n * C
            src = &v[0, c, n * tiles]
            plane = &x[n, c, 0, 0]
            for t0 in range(0, tiles, 64):     # CHUNK (Cython needs a literal step)
                nt = min(CHUNK, tiles - t0)
                for j in range(ALPHA):    # columns: B V
                    _b(src + j * stride + t0, ALPHA * stride, t + j * CHUNK, ALPHA * CHUNK, nt)
                for i in range(ALPHA):    # rows: (B V) B^T
                    _b(t + ALPHA * i * CHUNK, CHUNK, d + ALPHA * i * CHUNK, CHUNK, nt)
                for l in range(nt):       # add each 4x4 tile where it lies inside the image
                    tt = t0 + l
                    y0 = M * (tt // tiles_w) - pad
                    x0 = M * (tt % tiles_w) - pad
                    if y0 >= 0 and x0 >= 0 and y0 + ALPHA <= H and x0 + ALPHA <= W:   # inner tile: no checks
                        row = plane + y0 * W + x0
                        for i in range(ALPHA):
                            for j in range(ALPHA):
                                row[i * W + j] += d[(ALPHA * i + j) * CHUNK + l]
                        continue
                    for i in range(ALPHA):
                        yy = y0 + i
                        if yy < 0 or yy >= H:
                            continue
                        for j in range(ALPHA):
                            xx = x0 + j
                            if 0 <= xx < W:
                                plane[yy * W + xx] += d[(ALPHA * i + j) * CHUNK + l]
        free(t)


def filter_transform(const real[:, :, :, ::1] w, real[:, :, ::1] u):
    """Fill ``u`` (16, C_out, C) with U = G g G^T for every 3x3 filter g of ``w`` (C_out, C, 3, 3).

    FILTERS input channels at a time, side by side, so the arithmetic vectorises and each of the 16
    slabs is written in runs.
    """
    cdef Py_ssize_t O = w.shape[0], C = w.shape[1], o, c0, nb, i, j, l
    cdef double g[9][FILTERS]
    cdef double t[12][FILTERS]     # G g: 4 rows of 3
    cdef double r[16][FILTERS]     # (G g) G^T: 4 rows of 4
    cdef const real* src
    _check_filters("filter_transform", O, C, w.shape[2], w.shape[3], u.shape[0], u.shape[1], u.shape[2])
    with nogil:
        for o in range(O):
            for c0 in range(0, C, 16):      # FILTERS (Cython needs a literal step)
                nb = min(<Py_ssize_t>FILTERS, C - c0)
                src = &w[o, c0, 0, 0]
                for l in range(nb):
                    for i in range(9):
                        g[i][l] = src[9 * l + i]
                for j in range(3):        # columns: G g
                    for l in range(nb):
                        t[j][l] = g[j][l]
                        t[3 + j][l] = (g[j][l] + g[3 + j][l] + g[6 + j][l]) * 0.5
                        t[6 + j][l] = (g[j][l] - g[3 + j][l] + g[6 + j][l]) * 0.5
                        t[9 + j][l] = g[6 + j][l]
                for i in range(4):        # rows: (G g) G^T
                    for l in range(nb):
                        r[4 * i][l] = t[3 * i][l]
                        r[4 * i + 1][l] = (t[3 * i][l] + t[3 * i + 1][l] + t[3 * i + 2][l]) * 0.5
                        r[4 * i + 2][l] = (t[3 * i][l] - t[3 * i + 1][l] + t[3 * i + 2][l]) * 0.5
                        r[4 * i + 3][l] = t[3 * i + 2][l]
                for i in range(ALPHA * ALPHA):
                    for l in range(nb):
                        u[i, o, c0 + l] = <real>r[i][l]


def filter_transform_adjoint(const real[:, :, ::1] du, real[:, :, :, ::1] gw):
    """Write G^T dU G for every (out, in) pair of ``du`` (16, C_out, C) into ``gw`` (C_out, C, 3, 3).

    FILTERS input channels at a time, side by side, as in ``filter_transform``.
    """
    cdef Py_ssize_t O = gw.shape[0], C = gw.shape[1], o, c0, nb, i, j, l
    cdef double d[16][FILTERS]
    cdef double t[12][FILTERS]     # G^T dU: 3 rows of 4
    cdef double r[9][FILTERS]
    cdef real* dst
    _check_filters("filter_transform_adjoint", O, C, gw.shape[2], gw.shape[3], du.shape[0], du.shape[1], du.shape[2])
    with nogil:
        for o in range(O):
            for c0 in range(0, C, 16):      # FILTERS (Cython needs a literal step)
                nb = min(<Py_ssize_t>FILTERS, C - c0)
                for i in range(ALPHA * ALPHA):
                    for l in range(nb):
                        d[i][l] = du[i, o, c0 + l]
                for j in range(4):        # columns: G^T dU
                    for l in range(nb):
                        t[j][l] = d[j][l] + (d[4 + j][l] + d[8 + j][l]) * 0.5
                        t[4 + j][l] = (d[4 + j][l] - d[8 + j][l]) * 0.5
                        t[8 + j][l] = (d[4 + j][l] + d[8 + j][l]) * 0.5 + d[12 + j][l]
                for i in range(3):        # rows: (G^T dU) G
                    for l in range(nb):
                        r[3 * i][l] = t[4 * i][l] + (t[4 * i + 1][l] + t[4 * i + 2][l]) * 0.5
                        r[3 * i + 1][l] = (t[4 * i + 1][l] - t[4 * i + 2][l]) * 0.5
                        r[3 * i + 2][l] = (t[4 * i + 1][l] + t[4 * i + 2][l]) * 0.5 + t[4 * i + 3][l]
                dst = &gw[o, c0, 0, 0]
                for l in range(nb):
                    for i in range(9):
                        dst[9 * l + i] = <real>r[i][l]
