# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Training-mode batch norm, forward and backward, one channel at a time.

``x`` is viewed as (N, C, L). A channel's N*L values are visited by a few passes in a row, so
after the first pass they come from cache: the kernels read the input about once from memory
and write the output once. Sums accumulate in double precision.
"""

from libc.math cimport sqrt

ctypedef fused real:
    float
    double


cdef int _check_same(str fn, str what, Py_ssize_t a0, Py_ssize_t a1, Py_ssize_t a2, Py_ssize_t n, Py_ssize_t c,
                     Py_ssize_t l) except -1:
    if a0 != n or a1 != c or a2 != l:
        raise ValueError(f"batch_norm {fn}: {what} has shape ({a0}, {a1}, {a2}), expected ({n}, {c}, {l})")
    return 0


cdef int _check_channels(str fn, str what, Py_ssize_t length, Py_ssize_t c, bint optional) except -1:
    """A per-channel vector holds C values (or none, when ``optional``: then it is not used)."""
    if length != c and not (optional and length == 0):
        raise ValueError(f"batch_norm {fn}: {what} has {length} values for {c} channels")
    return 0


cdef inline double _sum(const real* p, Py_ssize_t n) noexcept nogil:
    """Sum of p[:n] in double, eight independent accumulators (a single one waits on every add)."""
    cdef double acc[8]
    cdef Py_ssize_t i, j
    for j in range(8):
        acc[j] = 0
    i = 0
    while i + 8 <= n:
        for j in range(8):
            acc[j] = acc[j] + p[i + j]
        i = i + 8
    while i < n:
        acc[0] = acc[0] + p[i]
        i = i + 1
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))


cdef inline double _sum_sq_dev(const real* p, Py_ssize_t n, double m) noexcept nogil:
    """Sum of (p[:n] - m)^2 in double, eight accumulators."""
    cdef double acc[8]
    cdef double d
    cdef Py_ssize_t i, j
    for j in range(8):
        acc[j] = 0
    i = 0
    while i + 8 <= n:
        for j in range(8):
            d = p[i + j] - m
            acc[j] = acc[j] + d * d
        i = i + 8
    while i < n:
        d = p[i] - m
        acc[0] = acc[0] + d * d
        i = i + 1
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))


cdef inline void _sums_g_gx(const real* g, const real* x, Py_ssize_t n, double m, double* sums) noexcept nogil:
    """Add sum(g) to sums[0] and sum(g * (x - m)) to sums[1], eight accumulators each."""
    cdef double a[8]
    cdef double b[8]
    cdef Py_ssize_t i, j
    for j in range(8):
        a[j] = 0
        b[j] = 0
    i = 0
    while i + 8 <= n:
        for j in range(8):
            a[j] = a[j] + g[i + j]
            b[j] = b[j] + g[i + j] * (x[i + j] - m)
        i = i + 8
    while i < n:
        a[0] = a[0] + g[i]
        b[0] = b[0] + g[i] * (x[i] - m)
        i = i + 1
    sums[0] += ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]))
    sums[1] += ((b[0] + b[1]) + (b[2] + b[3])) + ((b[4] + b[5]) + (b[6] + b[7]))


def forward(const real[:, :, ::1] x, real[:, :, ::1] out, double[::1] mean, double[::1] var,
            const real[::1] weight, const real[::1] bias, double eps):
    """out = (x - mean) / sqrt(var + eps) * weight + bias per channel; fills the batch ``mean`` and biased ``var``.

    ``weight`` and ``bias`` may be empty (then 1 and 0).
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], L = x.shape[2], n, c, i
    cdef double total, m, scale, shift
    cdef real s, t
    cdef const real* row
    cdef real* dst
    cdef bint has_weight = weight.shape[0] > 0, has_bias = bias.shape[0] > 0
    _check_same("forward", "out", out.shape[0], out.shape[1], out.shape[2], N, C, L)
    _check_channels("forward", "mean", mean.shape[0], C, False)
    _check_channels("forward", "var", var.shape[0], C, False)
    _check_channels("forward", "weight", weight.shape[0], C, True)
    _check_channels("forward", "bias", bias.shape[0], C, True)
    with nogil:
        for c in range(C):
            total = 0
            for n in range(N):
                total = total + _sum(&x[n, c, 0], L)
            m = total / (N * L)
            total = 0
            for n in range(N):
                total = total + _sum_sq_dev(&x[n, c, 0], L, m)
            mean[c] = m
            var[c] = total / (N * L)
            scale = 1 / sqrt(var[c] + eps)
            if has_weight:
                scale = scale * weight[c]
            shift = -m * scale
            if has_bias:
                shift = shift + bias[c]
            s = <real>scale
            t = <real>shift
            for n in range(N):
                row = &x[n, c, 0]
                dst = &out[n, c, 0]
                for i in range(L):
                    dst[i] = row[i] * s + t


def backward(const real[:, :, ::1] g, const real[:, :, ::1] x, const real[::1] mean, const real[::1] var,
             const real[::1] weight, double eps, real[:, :, ::1] gx, real[::1] gw, real[::1] gb):
    """The gradients of ``forward`` at ``g`` (the batch statistics as functions of x).

    gx = (g - mean(g) - xhat * mean(g * xhat)) * invstd * weight, gw = sum(g * xhat), gb = sum(g).
    ``gx`` may be empty (not needed); ``gw`` and ``gb`` always get their sums; ``weight`` may be empty.
    """
    cdef Py_ssize_t N = x.shape[0], C = x.shape[1], L = x.shape[2], n, c, i
    cdef double sum_g, sum_gx, invstd, count = N * L
    cdef double sums[2]
    cdef real m, a, b, k
    cdef const real* grow
    cdef const real* xrow
    cdef real* dst
    cdef bint need_x = gx.shape[0] > 0, has_weight = weight.shape[0] > 0
    _check_same("backward", "grad", g.shape[0], g.shape[1], g.shape[2], N, C, L)
    if need_x:
        _check_same("backward", "grad_input", gx.shape[0], gx.shape[1], gx.shape[2], N, C, L)
    _check_channels("backward", "mean", mean.shape[0], C, False)
    _check_channels("backward", "var", var.shape[0], C, False)
    _check_channels("backward", "weight", weight.shape[0], C, True)
    _check_channels("backward", "grad_weight", gw.shape[0], C, False)
    _check_channels("backward", "grad_bias", gb.shape[0], C, False)
    with nogil:
        for c in range(C):
            m = mean[c]
            sums[0] = 0
            sums[1] = 0
            for n in range(N):
                _sums_g_gx(&g[n, c, 0], &x[n, c, 0], L, m, sums)
            sum_g = sums[0]
            sum_gx = sums[1]
            invstd = 1 / sqrt(var[c] + eps)
            gb[c] = <real>sum_g
            gw[c] = <real>(sum_gx * invstd)
            if not need_x:
                continue
            # gx = k * (g - sum_g/count - (x - m) * invstd^2 * sum_gx/count) = k*g - a*(x - m) - b
            k = <real>(invstd * weight[c] if has_weight else invstd)
            a = <real>(k * invstd * invstd * sum_gx / count)
            b = <real>(k * sum_g / count)
            for n in range(N):
                grow = &g[n, c, 0]
                xrow = &x[n, c, 0]
                dst = &gx[n, c, 0]
                for i in range(L):
                    dst[i] = k * grow[i] - a * (xrow[i] - m) - b
