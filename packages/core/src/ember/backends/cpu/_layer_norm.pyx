# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Layer norm over the last dim of an (M, D) array, forward and backward, one row at a time.

A row's D values are read a few times in a row, so after the first pass they come from cache.
Row statistics accumulate in double precision. Shapes are checked here before the loops.
"""

from libc.math cimport sqrt

ctypedef fused real:
    float
    double


cdef int _check(str what, Py_ssize_t got, Py_ssize_t want) except -1:
    if got != want:
        raise ValueError(f"layer_norm: {what} has {got} values, expected {want}")
    return 0


def forward(const real[:, ::1] x, real[:, ::1] out, real[::1] mean, real[::1] rstd, const real[::1] weight,
            const real[::1] bias, double eps):
    """out = (x - mean) * rstd * weight + bias per row; ``weight``/``bias`` may be empty (none)."""
    cdef Py_ssize_t m = x.shape[0], d = x.shape[1], i, j
    cdef bint has_w = weight.shape[0] != 0, has_b = bias.shape[0] != 0
    cdef double s, mu, var, r, v
    _check("out rows", out.shape[0], m)
    _check("out columns", out.shape[1], d)
    _check("mean", mean.shape[0], m)
    _check("rstd", rstd.shape[0], m)
    if has_w:
        _check("weight", weight.shape[0], d)
    if has_b:
        _check("bias", bias.shape[0], d)
    if d == 0:
        raise ValueError("layer_norm: rows must not be empty")
    with nogil:
        for i in range(m):
            s = 0
            for j in range(d):
                s = s + x[i, j]
            mu = s / d
            var = 0
            for j in range(d):
                v = x[i, j] - mu
                var = var + v * v
            r = 1 / sqrt(var / d + eps)
            mean[i] = <real>mu
            rstd[i] = <real>r
            for j in range(d):
                v = (x[i, j] - mu) * r
                if has_w:
                    v = v * weight[j]
                if has_b:
                    v = v + bias[j]
                out[i, j] = <real>v


def backward(const real[:, ::1] g, const real[:, ::1] x, const real[::1] mean, const real[::1] rstd,
             const real[::1] weight, real[:, ::1] gx, double[::1] gw, double[::1] gb):
    """Gradients of ``forward`` at ``g``: gx (or none when it has no rows), and the column sums
    gw = sum g * xhat and gb = sum g (accumulated into the zeroed double arrays)."""
    cdef Py_ssize_t m = x.shape[0], d = x.shape[1], i, j
    cdef bint has_w = weight.shape[0] != 0, want_x = gx.shape[0] != 0
    cdef double a, b, xhat, gv, r, mu
    _check("g rows", g.shape[0], m)
    _check("g columns", g.shape[1], d)
    _check("mean", mean.shape[0], m)
    _check("rstd", rstd.shape[0], m)
    _check("gw", gw.shape[0], d)
    _check("gb", gb.shape[0], d)
    if has_w:
        _check("weight", weight.shape[0], d)
    if want_x:
        _check("gx rows", gx.shape[0], m)
        _check("gx columns", gx.shape[1], d)
    if d == 0:
        raise ValueError("layer_norm: rows must not be empty")
    with nogil:
        for i in range(m):
            mu = mean[i]
            r = rstd[i]
            a = 0
            b = 0
            for j in range(d):
                xhat = (x[i, j] - mu) * r
                gv = g[i, j]
                gb[j] = gb[j] + gv
                gw[j] = gw[j] + gv * xhat
                if has_w:
                    gv = gv * weight[j]
                a = a + gv
                b = b + gv * xhat
            if want_x:
                a = a / d
                b = b / d
                for j in range(d):
                    xhat = (x[i, j] - mu) * r
                    gv = g[i, j]
                    if has_w:
                        gv = gv * weight[j]
                    gx[i, j] = <real>(r * (gv - a - xhat * b))
