"""One layer and direction of an LSTM or GRU over a whole sequence, as one op.

``nn.LSTM`` and ``nn.GRU`` project the whole input sequence with one matrix product, then call
these for the recurrence. A backend with the fused kernels runs each time step as one matrix
product plus one pointwise kernel, and autograd records one node per layer and direction
(whose backward is the fused kernel too); without them the composites below run the same
arithmetic with ember ops, one step at a time.

Kernels (name -> params after the input arrays; T steps, N batch, H hidden):

    lstm_layer           (pre, h0, c0, w_hh) -> (reverse,)
                         pre (T, N, 4H) = x W_ih^T + b_ih + b_hh; returns (out (T, N, H), h_n, c_n,
                         gates (T, N, 4H) after their nonlinearities, cells and tanh(cells) (T, N, H))
    lstm_layer_backward  (g_out, g_hn, g_cn, gates, cells, tanh_cells, c0, w_hh) -> (reverse,)
                         returns (gradient of pre (T, N, 4H), of h0, of c0)
    gru_layer            (gi, h0, w_hh, b_hh) -> (reverse,)
                         gi (T, N, 3H) = x W_ih^T + b_ih; returns (out (T, N, H), h_n,
                         saved (T, N, 4H): r, z, n and h W_hn^T + b_hn per step)
    gru_layer_backward   (g_out, g_hn, saved, out, h0, w_hh) -> (reverse,)
                         returns (gradient of gi, of gh = h W_hh^T + b_hh per step (T, N, 3H), of h0)

Inputs share one floating dtype and their shapes are checked here; the CPU kernels are Cython
without bounds checks.
"""

from __future__ import annotations

from ember import _core, dtypes
from ember.ops.creation import zeros
from ember.ops.linalg import addmm
from ember.ops.pointwise import sigmoid, tanh
from ember.ops.shape import stack

__all__ = ["lstm_layer", "gru_layer", "lstm_layer_reference", "gru_layer_reference"]

_FUSED_DTYPES = (dtypes.float32, dtypes.float64)


def _check(fn: str, pre, gates: int, states: tuple, weight, bias=None):
    """Shapes and dtypes of a layer's arguments: pre (T, N, gates*H), states (N, H), weight (gates*H, H)."""
    if pre.ndim != 3:
        raise RuntimeError(f"{fn}: the projected input must be 3-D (steps, batch, {gates}*hidden), got shape "
                           f"{tuple(pre.shape)}")
    steps, n, width = pre.shape
    if weight.ndim != 2 or weight.shape[0] != width or width % gates:
        raise RuntimeError(f"{fn}: weight_hh of shape {tuple(weight.shape)} does not match a projected input of "
                           f"width {width} ({gates} gates)")
    hidden = width // gates
    if weight.shape[1] != hidden:
        raise RuntimeError(f"{fn}: weight_hh must be ({width}, {hidden}), got {tuple(weight.shape)}")
    for name, s in states:
        if tuple(s.shape) != (n, hidden):
            raise RuntimeError(f"{fn}: {name} must be ({n}, {hidden}), got {tuple(s.shape)}")
    if bias is not None and tuple(bias.shape) != (width,):
        raise RuntimeError(f"{fn}: bias_hh must be ({width},), got {tuple(bias.shape)}")
    for name, t in (("weight_hh", weight), ("bias_hh", bias), *states):
        if t is not None and t.dtype is not pre.dtype:
            raise RuntimeError(f"{fn}: {name} has dtype {t.dtype}, expected the input's {pre.dtype}")
    return steps


def _fused(name: str, pre) -> bool:
    return pre.dtype in _FUSED_DTYPES and name in pre._device._kernels and pre.shape[0] > 0


def lstm_layer(pre, h0, c0, weight_hh, reverse: bool = False):
    """Run one LSTM layer and direction over ``pre`` (T, N, 4H), the input already projected with
    both biases; returns (output (T, N, H), h_n, c_n). Gates are i, f, g, o, as in PyTorch."""
    _check("lstm_layer", pre, 4, (("h0", h0), ("c0", c0)), weight_hh)
    if not _fused("lstm_layer", pre):
        return lstm_layer_reference(pre, h0, c0, weight_hh, reverse)
    out, h_n, c_n = _core.call("lstm_layer", (pre, h0, c0, weight_hh), (bool(reverse),))[:3]
    return out, h_n, c_n


def gru_layer(gi, h0, weight_hh, bias_hh=None, reverse: bool = False):
    """Run one GRU layer and direction over ``gi`` (T, N, 3H) = x W_ih^T + b_ih; returns
    (output (T, N, H), h_n). Gates are r, z, n, as in PyTorch."""
    _check("gru_layer", gi, 3, (("h0", h0),), weight_hh, bias_hh)
    if not _fused("gru_layer", gi):
        return gru_layer_reference(gi, h0, weight_hh, bias_hh, reverse)
    if bias_hh is None:   # the kernel always adds a bias; this one gets no gradient
        bias_hh = zeros(weight_hh.shape[0], dtype=gi.dtype, device=gi.device)
    out, h_n, _ = _core.call("gru_layer", (gi, h0, weight_hh, bias_hh), (bool(reverse),))
    return out, h_n


# -- composites: the definition, and the path of backends without the fused kernels ---------------

def _steps(count: int, reverse: bool):
    return range(count - 1, -1, -1) if reverse else range(count)


def lstm_layer_reference(pre, h0, c0, weight_hh, reverse: bool = False):
    """``lstm_layer`` step by step with ember ops (differentiable to any order)."""
    h, c = h0, c0
    w_t = weight_hh.t()
    outs = [None] * pre.shape[0]
    for t in _steps(pre.shape[0], reverse):
        i, f, g, o = addmm(pre[t], h, w_t).chunk(4, 1)
        c = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h = sigmoid(o) * tanh(c)
        outs[t] = h
    out = stack(outs, 0) if outs else pre.new_empty((0, h0.shape[0], h0.shape[1]))
    return out, h, c


def gru_layer_reference(gi, h0, weight_hh, bias_hh=None, reverse: bool = False):
    """``gru_layer`` step by step with ember ops (differentiable to any order)."""
    h = h0
    w_t = weight_hh.t()
    outs = [None] * gi.shape[0]
    for t in _steps(gi.shape[0], reverse):
        gh = h.matmul(w_t) if bias_hh is None else addmm(bias_hh, h, w_t)
        i_r, i_z, i_n = gi[t].chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r = sigmoid(i_r + h_r)
        z = sigmoid(i_z + h_z)
        new = tanh(i_n + r * h_n)
        h = new + z * (h - new)
        outs[t] = h
    out = stack(outs, 0) if outs else gi.new_empty((0, h0.shape[0], h0.shape[1]))
    return out, h
