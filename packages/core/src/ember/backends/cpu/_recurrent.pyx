# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The arithmetic of one LSTM or GRU time step between its transcendental functions.

The exponentials are NumPy's (its ``tanh`` runs on the vector units; a scalar libm call per
value cost ten times more than the whole step's matrix product). So the caller passes gates
already through ``tanh`` of half their pre-activation, sigmoid(a) = (1 + tanh(a / 2)) / 2, and
these kernels finish the nonlinearities and do the cell update, or the whole backward step,
reading and writing each value once. Gate blocks are laid out as PyTorch's weights are (LSTM
i, f, g, o; GRU r, z, n), H columns each. Shapes are checked before the loops, which run
without bounds checks.
"""

ctypedef fused real:
    float
    double


cdef int _check(str fn, str what, Py_ssize_t rows, Py_ssize_t cols, Py_ssize_t n, Py_ssize_t m) except -1:
    if rows != n or cols != m:
        raise ValueError(f"{fn}: {what} has shape ({rows}, {cols}), expected ({n}, {m})")
    return 0


def lstm_cell(real[:, ::1] gates, const real[:, ::1] c_prev, real[:, ::1] c):
    """``gates`` (N, 4H) holds tanh(a_i/2), tanh(a_f/2), tanh(a_g), tanh(a_o/2): turn the sigmoid
    blocks into sigmoids in place and write the new cell c = f c_prev + i g (N, H)."""
    cdef Py_ssize_t n = c_prev.shape[0], hid = c_prev.shape[1], b, j
    cdef real i_, f_
    _check("lstm_cell", "gates", gates.shape[0], gates.shape[1], n, 4 * hid)
    _check("lstm_cell", "c", c.shape[0], c.shape[1], n, hid)
    with nogil:
        for b in range(n):
            for j in range(hid):
                i_ = 0.5 + 0.5 * gates[b, j]
                f_ = 0.5 + 0.5 * gates[b, hid + j]
                gates[b, j] = i_
                gates[b, hid + j] = f_
                gates[b, 3 * hid + j] = 0.5 + 0.5 * gates[b, 3 * hid + j]
                c[b, j] = f_ * c_prev[b, j] + i_ * gates[b, 2 * hid + j]


def lstm_cell_backward(const real[:, ::1] gates, const real[:, ::1] c_prev, const real[:, ::1] tanh_c,
                       const real[:, ::1] dh, real[:, ::1] dc, real[:, ::1] dgates):
    """From a step's activated ``gates``, c_prev, tanh(c) and the gradients dh of h and dc of c
    (N, H): write the gradient of the pre-activation gates into ``dgates`` (N, 4H) and replace
    ``dc`` by the gradient of c_prev (through the forget gate)."""
    cdef Py_ssize_t n = c_prev.shape[0], hid = c_prev.shape[1], b, j
    cdef real i_, f_, g_, o_, tc, dct, dhv
    _check("lstm_cell_backward", "gates", gates.shape[0], gates.shape[1], n, 4 * hid)
    _check("lstm_cell_backward", "dgates", dgates.shape[0], dgates.shape[1], n, 4 * hid)
    _check("lstm_cell_backward", "tanh_c", tanh_c.shape[0], tanh_c.shape[1], n, hid)
    _check("lstm_cell_backward", "dh", dh.shape[0], dh.shape[1], n, hid)
    _check("lstm_cell_backward", "dc", dc.shape[0], dc.shape[1], n, hid)
    with nogil:
        for b in range(n):
            for j in range(hid):
                i_ = gates[b, j]
                f_ = gates[b, hid + j]
                g_ = gates[b, 2 * hid + j]
                o_ = gates[b, 3 * hid + j]
                tc = tanh_c[b, j]
                dhv = dh[b, j]
                dct = dc[b, j] + dhv * o_ * (1 - tc * tc)
                dgates[b, j] = dct * g_ * i_ * (1 - i_)
                dgates[b, hid + j] = dct * c_prev[b, j] * f_ * (1 - f_)
                dgates[b, 2 * hid + j] = dct * i_ * (1 - g_ * g_)
                dgates[b, 3 * hid + j] = dhv * tc * o_ * (1 - o_)
                dc[b, j] = dct * f_


def gru_gates(real[:, ::1] saved, const real[:, ::1] gi, const real[:, ::1] gh):
    """``saved`` (N, 4H) holds tanh((gi + gh)/2) in its r and z blocks: make them sigmoids, and
    write the pre-activation of n, gi_n + r gh_n, into the third block and gh_n into the fourth."""
    cdef Py_ssize_t n = saved.shape[0], hid = saved.shape[1] // 4, b, j
    cdef real r
    _check("gru_gates", "saved", saved.shape[0], saved.shape[1], n, 4 * hid)
    _check("gru_gates", "gi", gi.shape[0], gi.shape[1], n, 3 * hid)
    _check("gru_gates", "gh", gh.shape[0], gh.shape[1], n, 3 * hid)
    with nogil:
        for b in range(n):
            for j in range(hid):
                r = 0.5 + 0.5 * saved[b, j]
                saved[b, j] = r
                saved[b, hid + j] = 0.5 + 0.5 * saved[b, hid + j]
                saved[b, 2 * hid + j] = gi[b, 2 * hid + j] + r * gh[b, 2 * hid + j]
                saved[b, 3 * hid + j] = gh[b, 2 * hid + j]


def gru_output(const real[:, ::1] saved, const real[:, ::1] h_prev, real[:, ::1] h):
    """h = n + z (h_prev - n), with z and n = tanh(...) from ``saved``."""
    cdef Py_ssize_t n = h_prev.shape[0], hid = h_prev.shape[1], b, j
    cdef real nv
    _check("gru_output", "saved", saved.shape[0], saved.shape[1], n, 4 * hid)
    _check("gru_output", "h", h.shape[0], h.shape[1], n, hid)
    with nogil:
        for b in range(n):
            for j in range(hid):
                nv = saved[b, 2 * hid + j]
                h[b, j] = nv + saved[b, hid + j] * (h_prev[b, j] - nv)


def gru_cell_backward(const real[:, ::1] saved, const real[:, ::1] h_prev, real[:, ::1] dh, real[:, ::1] dgi,
                      real[:, ::1] dgh):
    """From a step's ``saved`` (r, z, n, gh_n), h_prev and the gradient dh of its h (N, H): write
    the gradients of gi and gh (N, 3H), and replace ``dh`` by the direct part of h_prev's gradient
    (z dh; the part through gh is dgh W_hh, a matrix product left to the caller)."""
    cdef Py_ssize_t n = h_prev.shape[0], hid = h_prev.shape[1], b, j
    cdef real r, z, nv, d, dn, dr, dz
    _check("gru_cell_backward", "saved", saved.shape[0], saved.shape[1], n, 4 * hid)
    _check("gru_cell_backward", "dh", dh.shape[0], dh.shape[1], n, hid)
    _check("gru_cell_backward", "dgi", dgi.shape[0], dgi.shape[1], n, 3 * hid)
    _check("gru_cell_backward", "dgh", dgh.shape[0], dgh.shape[1], n, 3 * hid)
    with nogil:
        for b in range(n):
            for j in range(hid):
                r = saved[b, j]
                z = saved[b, hid + j]
                nv = saved[b, 2 * hid + j]
                d = dh[b, j]
                dn = d * (1 - z) * (1 - nv * nv)
                dr = dn * saved[b, 3 * hid + j] * r * (1 - r)
                dz = d * (h_prev[b, j] - nv) * z * (1 - z)
                dgi[b, j] = dr
                dgi[b, hid + j] = dz
                dgi[b, 2 * hid + j] = dn
                dgh[b, j] = dr
                dgh[b, hid + j] = dz
                dgh[b, 2 * hid + j] = dn * r
                dh[b, j] = d * z
