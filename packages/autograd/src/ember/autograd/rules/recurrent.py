"""Derivatives of the LSTM and GRU layer ops (``ember/ops/recurrent.py``).

Back-propagation through time: the fused backward kernel walks the steps in reverse (one
product and one pointwise pass each); the recurrent weight's gradient is then one product over
all steps at once. With create_graph (grad mode on) or without the fused kernel, the same
recurrence runs with ember ops on gates recomputed from the inputs, so the result is
differentiable again.
"""

from __future__ import annotations

from ember import _core
from ember.autograd.rules import rule
from ember.ops.creation import zeros
from ember.ops.linalg import addmm, mm
from ember.ops.pointwise import sigmoid, tanh
from ember.ops.shape import cat, stack


def _or_zeros(g, like):
    return g if g is not None else zeros(like.shape, dtype=like.dtype, device=like.device)


def _flat(x):
    return x.reshape(-1, x.shape[-1])


def _previous_states(seq, first, reverse: bool):
    """(T, N, H): the state each step started from (the initial one, then the outputs)."""
    if seq.shape[0] == 0:
        return seq
    if reverse:
        return cat([seq[1:], first.unsqueeze(0)], 0)
    return cat([first.unsqueeze(0), seq[:-1]], 0)


def _steps(count: int, reverse: bool):
    return range(count - 1, -1, -1) if reverse else range(count)


@rule("lstm_layer", "MkldnnRnnLayerBackward0", save_output=(0, 3, 4, 5))
def _lstm_layer(grad, inputs, output, params, needs):
    pre, h0, c0, w_hh = inputs
    (reverse,) = params
    g_out, g_hn, g_cn = (_or_zeros(grad[0], pre[..., :h0.shape[1]]), _or_zeros(grad[1], h0), _or_zeros(grad[2], c0))
    if not _core.is_grad_enabled() and "lstm_layer_backward" in pre._device._kernels:
        out, gates, cells, tanh_cells = output[0], output[3], output[4], output[5]
        dpre, dh0, dc0 = _core.call("lstm_layer_backward", (g_out, g_hn, g_cn, gates, cells, tanh_cells, c0, w_hh),
                                    (reverse,))
        h_prev = _previous_states(out, h0, reverse)
    else:
        dpre, dh0, dc0, h_prev = _lstm_backward_composite(g_out, g_hn, g_cn, pre, h0, c0, w_hh, reverse)
    dw = mm(_flat(dpre).t(), _flat(h_prev)) if needs[3] else None
    return (dpre if needs[0] else None, dh0 if needs[1] else None, dc0 if needs[2] else None, dw)


def _lstm_backward_composite(g_out, g_hn, g_cn, pre, h0, c0, w_hh, reverse):
    """The recurrence of the LSTM's backward with ember ops, gates recomputed from the inputs."""
    w_t = w_hh.t()
    h, c = h0, c0
    saved = {}
    for t in _steps(pre.shape[0], reverse):
        a = addmm(pre[t], h, w_t)
        i, f, g, o = a.chunk(4, 1)
        i, f, g, o = sigmoid(i), sigmoid(f), tanh(g), sigmoid(o)
        c_new = f * c + i * g
        tc = tanh(c_new)
        saved[t] = (i, f, g, o, c, tc, h)
        h, c = o * tc, c_new
    dh, dc = g_hn, g_cn
    dpre = [None] * pre.shape[0]
    hs = [None] * pre.shape[0]
    for t in _steps(pre.shape[0], not reverse):
        i, f, g, o, c_prev, tc, h_prev = saved[t]
        dh = dh + g_out[t]
        dct = dc + dh * o * (1 - tc * tc)
        da = cat([dct * g * i * (1 - i), dct * c_prev * f * (1 - f), dct * i * (1 - g * g),
                        dh * tc * o * (1 - o)], 1)
        dpre[t], hs[t] = da, h_prev
        dc = dct * f
        dh = da.matmul(w_hh)
    if not dpre:
        return pre * 0, dh, dc, pre[..., :h0.shape[1]] * 0
    return stack(dpre, 0), dh, dc, stack(hs, 0)


@rule("gru_layer", "GruLayerBackward0", save_output=(0, 2))
def _gru_layer(grad, inputs, output, params, needs):
    gi, h0, w_hh, b_hh = inputs
    (reverse,) = params
    g_out, g_hn = _or_zeros(grad[0], gi[..., :h0.shape[1]]), _or_zeros(grad[1], h0)
    if not _core.is_grad_enabled() and "gru_layer_backward" in gi._device._kernels:
        out, saved = output[0], output[2]
        dgi, dgh, dh0 = _core.call("gru_layer_backward", (g_out, g_hn, saved, out, h0, w_hh), (reverse,))
        h_prev = _previous_states(out, h0, reverse)
    else:
        dgi, dgh, dh0, h_prev = _gru_backward_composite(g_out, g_hn, gi, h0, w_hh, b_hh, reverse)
    dw = mm(_flat(dgh).t(), _flat(h_prev)) if needs[2] else None
    db = _flat(dgh).sum(0) if needs[3] else None
    return (dgi if needs[0] else None, dh0 if needs[1] else None, dw, db)


def _gru_backward_composite(g_out, g_hn, gi, h0, w_hh, b_hh, reverse):
    """The recurrence of the GRU's backward with ember ops, gates recomputed from the inputs."""
    w_t = w_hh.t()
    h = h0
    saved = {}
    for t in _steps(gi.shape[0], reverse):
        gh = addmm(b_hh, h, w_t)
        i_r, i_z, i_n = gi[t].chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r = sigmoid(i_r + h_r)
        z = sigmoid(i_z + h_z)
        new = tanh(i_n + r * h_n)
        saved[t] = (r, z, new, h_n, h)
        h = new + z * (h - new)
    dh = g_hn
    dgi, dgh, hs = [None] * gi.shape[0], [None] * gi.shape[0], [None] * gi.shape[0]
    for t in _steps(gi.shape[0], not reverse):
        r, z, new, h_n, h_prev = saved[t]
        dh = dh + g_out[t]
        dn = dh * (1 - z) * (1 - new * new)
        dr = dn * h_n * r * (1 - r)
        dz = dh * (h_prev - new) * z * (1 - z)
        dgi[t] = cat([dr, dz, dn], 1)
        dgh[t] = cat([dr, dz, dn * r], 1)
        hs[t] = h_prev
        dh = dh * z + dgh[t].matmul(w_hh)
    if not dgi:
        return gi * 0, dh, gi * 0, gi[..., :h0.shape[1]] * 0
    return stack(dgi, 0), stack(dgh, 0), dh, stack(hs, 0)
