"""The recurrent cells and layers PyTorch offers as functions (``torch.lstm_cell``, ``torch.gru``, ...),
composed from matrix products and pointwise ops; ``nn.LSTM``/``nn.GRU``/``nn.RNN`` are the modules."""

from __future__ import annotations

from ember.ops.nn_ops import dropout as dropout_op
from ember.ops.shape import cat, stack

__all__ = ["rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell", "rnn_tanh", "rnn_relu", "lstm", "gru"]


def _affine(x, w, b):
    out = x @ w.t()
    return out if b is None else out + b


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step: ``tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``."""
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).tanh()


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman RNN step with ReLU."""
    return (_affine(input, w_ih, b_ih) + _affine(hx, w_hh, b_hh)).relu()


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step; ``hx`` is (h, c); returns (h', c')."""
    h, c = hx
    gates = _affine(input, w_ih, b_ih) + _affine(h, w_hh, b_hh)
    i, f, g, o = gates.chunk(4, -1)
    c_next = f.sigmoid() * c + i.sigmoid() * g.tanh()
    return o.sigmoid() * c_next.tanh(), c_next


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: reset and update gates r, z; candidate n = tanh(x_n + r * h_n); h' = (1 - z) n + z h."""
    gi = _affine(input, w_ih, b_ih).chunk(3, -1)
    gh = _affine(hx, w_hh, b_hh).chunk(3, -1)
    r = (gi[0] + gh[0]).sigmoid()
    z = (gi[1] + gh[1]).sigmoid()
    n = (gi[2] + r * gh[2]).tanh()
    return (1 - z) * n + z * hx


def _run(cell, input, states, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
         bidirectional: bool, batch_first: bool):
    """Run ``cell`` over the sequence, layer by layer and direction by direction, with PyTorch's flat
    weight list (w_ih, w_hh[, b_ih, b_hh] per layer and direction) and states (layers * directions, N, H)."""
    per = 4 if has_biases else 2
    dirs = 2 if bidirectional else 1
    x = input.transpose(0, 1) if batch_first else input            # (T, N, F)
    finals = [[] for _ in states]
    for layer in range(num_layers):
        outputs = []
        for d in range(dirs):
            k = layer * dirs + d
            w = params[k * per:(k + 1) * per]
            b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
            state = tuple(s[k] for s in states)
            steps = range(x.shape[0] - 1, -1, -1) if d else range(x.shape[0])
            seq = [None] * x.shape[0]
            for t in steps:
                state = cell(x[t], state, w[0], w[1], b_ih, b_hh)
                seq[t] = state[0]
            outputs.append(stack(seq))
            for i, s in enumerate(state):
                finals[i].append(s)
        x = cat(outputs, -1) if dirs == 2 else outputs[0]
        if dropout and train and layer < num_layers - 1:
            x = dropout_op(x, dropout, True)
    out = x.transpose(0, 1) if batch_first else x
    return (out,) + tuple(stack(f) for f in finals)


def _single(cell):
    return lambda x, state, w_ih, w_hh, b_ih, b_hh: (cell(x, state[0], w_ih, w_hh, b_ih, b_hh),)


def rnn_tanh(input, hx, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
             bidirectional: bool, batch_first: bool):
    """A whole tanh RNN over ``input``; returns (output, h_n)."""
    return _run(_single(rnn_tanh_cell), input, (hx,), params, has_biases, num_layers, dropout, train, bidirectional,
                batch_first)


def rnn_relu(input, hx, params, has_biases: bool, num_layers: int, dropout: float, train: bool,
             bidirectional: bool, batch_first: bool):
    """A whole ReLU RNN over ``input``; returns (output, h_n)."""
    return _run(_single(rnn_relu_cell), input, (hx,), params, has_biases, num_layers, dropout, train, bidirectional,
                batch_first)


def gru(input, hx, params, has_biases: bool, num_layers: int, dropout: float, train: bool, bidirectional: bool,
        batch_first: bool):
    """A whole GRU over ``input``; returns (output, h_n)."""
    return _run(_single(gru_cell), input, (hx,), params, has_biases, num_layers, dropout, train, bidirectional,
                batch_first)


def lstm(input, hx, params, has_biases: bool, num_layers: int, dropout: float, train: bool, bidirectional: bool,
         batch_first: bool):
    """A whole LSTM over ``input``; ``hx`` is (h_0, c_0); returns (output, h_n, c_n)."""
    return _run(lambda x, state, w_ih, w_hh, b_ih, b_hh: lstm_cell(x, state, w_ih, w_hh, b_ih, b_hh), input,
                tuple(hx), params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
