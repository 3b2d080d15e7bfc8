"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` (multi-layer, bidirectional) and their cells.

Each layer and direction projects the whole input sequence with one matrix product, then
steps through time. LSTM and GRU layers (without ``proj_size``, on padded input) run the
recurrence as one op (``ember.ops.recurrent``): per step one matrix product and one fused
pointwise kernel, forward and backward, and one autograd node per layer and direction. Packed
sequences and projections step with one ``addmm`` plus pointwise ops per step. Parameter names and
gate orders are PyTorch's (LSTM: i, f, g, o; GRU: r, z, n), so state dicts are interchangeable.
"""

from __future__ import annotations

import math
import numbers
import warnings

import ember
from ember.nn import functional as F
from ember.nn import init
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter
from ember.nn.utils.rnn import PackedSequence
from ember.ops.recurrent import gru_layer, lstm_layer

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    """The parameters and bookkeeping shared by ``RNN``, ``LSTM`` and ``GRU``."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        num_directions = 2 if bidirectional else 1
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an element "
                             "being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          stacklevel=2)
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(num_directions):
                layer_input = input_size if layer == 0 else real_hidden * num_directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih_l{}{}", (gate_size, layer_input)), ("weight_hh_l{}{}", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih_l{}{}", (gate_size,)), ("bias_hh_l{}{}", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr_l{}{}", (proj_size, hidden_size)))
                names = []
                for pattern, shape in shapes:
                    name = pattern.format(layer, suffix)
                    setattr(self, name, Parameter(ember.empty(shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction: ``[[w_ih, w_hh, b_ih, b_hh(, w_hr)], ...]``."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    def flatten_parameters(self) -> None:
        """Does nothing: on the CPU the weights are used where they are (PyTorch compacts them for cuDNN).
        Kept so that programs calling it, often in ``forward``, run unchanged."""

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward ----------------------------------------------------------------------------

    def _layer_weights(self, layer: int, direction: int):
        suffix = "_reverse" if direction == 1 else ""
        get = lambda name: getattr(self, f"{name}_l{layer}{suffix}")
        w_ih, w_hh = get("weight_ih"), get("weight_hh")
        b_ih, b_hh = (get("bias_ih"), get("bias_hh")) if self.bias else (None, None)
        w_hr = get("weight_hr") if self.proj_size > 0 else None
        return w_ih, w_hh, b_ih, b_hh, w_hr

    # -- PyTorch's checking helpers, which subclasses call ------------------------------------

    def check_input(self, input, batch_sizes) -> None:
        """Raise unless ``input`` has the weights' dtype, 2 dims when packed (``batch_sizes`` given) or
        3 otherwise, and ``input_size`` features."""
        self._check_dtype(input)
        expected = 2 if batch_sizes is not None else 3
        if input.ndim != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.ndim}")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")

    def get_expected_hidden_size(self, input, batch_sizes) -> tuple:
        """(num_layers * num_directions, batch, proj_size or hidden_size) for this input."""
        if batch_sizes is not None:
            batch = int(batch_sizes[0])
        else:
            batch = input.shape[0] if self.batch_first else input.shape[1]
        dirs = 2 if self.bidirectional else 1
        return (self.num_layers * dirs, batch, self.proj_size if self.proj_size > 0 else self.hidden_size)

    def check_hidden_size(self, hx, expected_hidden_size, msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != tuple(expected_hidden_size):
            raise RuntimeError(msg.format(tuple(expected_hidden_size), list(hx.shape)))

    def check_forward_args(self, input, hidden, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx, permutation):
        """``hx`` with its batch dim (1) reordered by ``permutation`` (None: unchanged)."""
        return hx if permutation is None else hx.index_select(1, permutation)

    def _check_dtype(self, input) -> None:
        weight = getattr(self, self._flat_weights_names[0])
        if input.dtype is not weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). Convert "
                             f"the input (input.to({weight.dtype})) or the model (model.to({input.dtype}))")

    def _check_state_count(self, states: list, count: int) -> None:
        if len(states) != count:
            raise RuntimeError(f"{type(self).__name__} expects {'(h_0, c_0)' if count == 2 else 'one tensor h_0'} "
                               f"as its initial state, got {len(states)} tensor(s)")
        for h in states:
            if not isinstance(h, ember.Tensor):
                raise TypeError(f"{type(self).__name__}: initial states must be Tensors, got {type(h).__name__}")
            self._check_dtype(h)

    def _prepare(self, input, hx, state_sizes):
        """Validate shapes; return the (L, N, I) input (or packed data), per-state (layers*dirs, N, H)
        tensors (in sorted order for a packed input), and whether the input is batched."""
        if isinstance(input, PackedSequence):
            return self._prepare_packed(input, hx, state_sizes)
        if not isinstance(input, ember.Tensor):
            raise TypeError(f"{type(self).__name__} expects a Tensor or a PackedSequence input, got "
                            f"{type(input).__name__}")
        self._check_dtype(input)
        if input.ndim not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D instead")
        batched = input.ndim == 3
        if not batched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{input.shape[-1]}")
        n = input.shape[1]
        dirs = 2 if self.bidirectional else 1
        if hx is None:
            states = [ember.zeros(self.num_layers * dirs, n, size, dtype=input.dtype, device=input.device)
                      for size in state_sizes]
        else:
            states = list(hx) if isinstance(hx, (tuple, list)) else [hx]
            self._check_state_count(states, len(state_sizes))
            for i, (h, size) in enumerate(zip(states, state_sizes)):
                if batched and h.ndim != 3:
                    raise RuntimeError(f"For batched 3-D input, hx and cx should also be 3-D but got ({h.ndim}-D) "
                                       f"tensors" if self.mode == "LSTM" else
                                       f"For batched 3-D input, hx should also be 3-D but got {h.ndim}-D tensor")
                if not batched:
                    if h.ndim != 2:
                        raise RuntimeError(f"For unbatched 2-D input, hx and cx should also be 2-D but got "
                                           f"({h.ndim}-D) tensors" if self.mode == "LSTM" else
                                           f"For unbatched 2-D input, hx should also be 2-D but got {h.ndim}-D tensor")
                    h = h.unsqueeze(1)
                expected = (self.num_layers * dirs, n, size)
                if tuple(h.shape) != expected:
                    what = "cell" if i == 1 else "hidden"
                    raise RuntimeError(f"Expected {what} size {expected}, got {list(h.shape)}")
                states[i] = h
        return input, states, batched

    def _forward(self, input, hx, state_sizes):
        """Run on a padded (batched or unbatched) or packed input; returns (output, final states)."""
        x, states, how = self._prepare(input, hx, state_sizes)
        if isinstance(input, PackedSequence):
            out, finals = self._run(x, states, how)
            if input.unsorted_indices is not None:
                finals = [f.index_select(1, input.unsorted_indices) for f in finals]
            return PackedSequence(out, input.batch_sizes, input.sorted_indices, input.unsorted_indices), finals
        out, finals = self._run(x, states)
        if not how:
            return out.squeeze(1), [f.squeeze(1) for f in finals]
        return (out.transpose(0, 1) if self.batch_first else out), finals

    def _prepare_packed(self, packed, hx, state_sizes):
        data = packed.data
        self._check_dtype(data)
        if data.ndim != 2:
            raise ValueError(f"{type(self).__name__}: a PackedSequence's data must be 2-D (steps, input_size), got "
                             f"shape {tuple(data.shape)}")
        if data.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got "
                               f"{data.shape[-1]}")
        sizes = [int(v) for v in packed.batch_sizes.tolist()]
        n = sizes[0] if sizes else 0
        dirs = 2 if self.bidirectional else 1
        if hx is None:
            states = [ember.zeros(self.num_layers * dirs, n, size, dtype=data.dtype, device=data.device)
                      for size in state_sizes]
        else:
            states = list(hx) if isinstance(hx, (tuple, list)) else [hx]
            self._check_state_count(states, len(state_sizes))
            for i, (h, size) in enumerate(zip(states, state_sizes)):
                expected = (self.num_layers * dirs, n, size)
                if tuple(h.shape) != expected:
                    what = "cell" if i == 1 else "hidden"
                    raise RuntimeError(f"Expected {what} size {expected}, got {list(h.shape)}")
                states[i] = RNNBase.permute_hidden(self, h, packed.sorted_indices)
        return data, states, sizes

    def _run(self, input, states, batch_sizes=None):
        """Run every layer and direction; returns (output (L, N, D*H), final states)."""
        dirs = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        layer_input = input
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(dirs):
                k = layer * dirs + direction
                run = self._run_direction if batch_sizes is None else self._run_packed_direction
                out, last = run(layer_input, [s[k] for s in states], layer, direction, batch_sizes)
                outputs.append(out)
                for i, s in enumerate(last):
                    finals[i].append(s)
            layer_input = outputs[0] if dirs == 1 else ember.cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        return layer_input, [ember.stack(f, 0) for f in finals]

    def _run_packed_direction(self, data, state, layer: int, direction: int, batch_sizes):
        """One layer and direction over packed steps: step t updates the first batch_sizes[t] rows of
        the state; the other rows keep theirs (finished sequences, or ones not yet started when
        running backwards), so each row ends with its own sequence's final state."""
        w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(layer, direction)
        if self.mode == "GRU" or b_ih is None:
            projected = F.linear(data, w_ih, b_ih)
        else:
            projected = ember.addmm(b_ih + b_hh, data, w_ih.t())
        starts = [0]
        for n in batch_sizes:
            starts.append(starts[-1] + n)
        order = range(len(batch_sizes) - 1, -1, -1) if direction == 1 else range(len(batch_sizes))
        w_hh_t = w_hh.t()
        cell = _CELLS[self.mode]
        outs = [None] * len(batch_sizes)
        for t in order:
            n = batch_sizes[t]
            full = state[0].shape[0]
            active = state if n == full else [s[:n] for s in state]
            active = cell(projected[starts[t]:starts[t + 1]], active, w_hh_t, b_hh, w_hr)
            outs[t] = active[0]
            state = active if n == full else [ember.cat([a, s[n:]], 0) for a, s in zip(active, state)]
        return ember.cat(outs, 0), state

    def _run_direction(self, x, state, layer: int, direction: int, batch_sizes=None):
        w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(layer, direction)
        steps, n = x.shape[0], x.shape[1]
        if self.mode == "GRU" or b_ih is None:
            projected = F.linear(x.reshape(steps * n, x.shape[-1]), w_ih, b_ih)
        else:
            projected = ember.addmm(b_ih + b_hh, x.reshape(steps * n, x.shape[-1]), w_ih.t())
        projected = projected.reshape(steps, n, projected.shape[-1])
        reverse = direction == 1
        if self.mode == "LSTM" and w_hr is None:
            out, h_n, c_n = lstm_layer(projected, state[0], state[1], w_hh, reverse)
            return out, [h_n, c_n]
        if self.mode == "GRU":
            out, h_n = gru_layer(projected, state[0], w_hh, b_hh, reverse)
            return out, [h_n]
        projected = projected.unbind(0)
        order = range(steps - 1, -1, -1) if direction == 1 else range(steps)
        w_hh_t = w_hh.t()
        outs = [None] * steps
        cell = _CELLS[self.mode]
        for t in order:
            state = cell(projected[t], state, w_hh_t, b_hh, w_hr)
            outs[t] = state[0]
        return ember.stack(outs, 0), state


def _rnn_tanh_step(xw, state, w_hh_t, b_hh, w_hr):
    return [ember.tanh(ember.addmm(xw, state[0], w_hh_t))]


def _rnn_relu_step(xw, state, w_hh_t, b_hh, w_hr):
    return [ember.relu(ember.addmm(xw, state[0], w_hh_t))]


def _lstm_step(xw, state, w_hh_t, b_hh, w_hr):
    h, c = state
    i, f, g, o = ember.addmm(xw, h, w_hh_t).chunk(4, 1)
    c = ember.sigmoid(f) * c + ember.sigmoid(i) * ember.tanh(g)
    h = ember.sigmoid(o) * ember.tanh(c)
    if w_hr is not None:
        h = h.matmul(w_hr.t())
    return [h, c]


def _gru_step(xw, state, w_hh_t, b_hh, w_hr):
    h = state[0]
    gh = h.matmul(w_hh_t) if b_hh is None else ember.addmm(b_hh, h, w_hh_t)
    i_r, i_z, i_n = xw.chunk(3, 1)
    h_r, h_z, h_n = gh.chunk(3, 1)
    r = ember.sigmoid(i_r + h_r)
    z = ember.sigmoid(i_z + h_z)
    new = ember.tanh(i_n + r * h_n)
    return [new + z * (h - new)]


_CELLS = {"RNN_TANH": _rnn_tanh_step, "RNN_RELU": _rnn_relu_step, "LSTM": _lstm_step, "GRU": _gru_step}


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu).

    Args:
        input_size, hidden_size: feature sizes of x and h.
        num_layers: stacked layers. Default: 1.
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.
        bias: learn b_ih and b_hh. Default: ``True``.
        batch_first: input and output are (N, L, *) instead of (L, N, *).
        dropout: dropout on the outputs of every layer but the last (training only).
        bidirectional: also run each layer backwards and concatenate. Default: ``False``.

    Returns ``(output, h_n)``: output (L, N, D*H), h_n (D*num_layers, N, H).

    Example::

        >>> rnn = nn.RNN(10, 20, 2)
        >>> output, hn = rnn(ember.randn(5, 3, 10), ember.randn(2, 3, 20))
    """

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)

    def forward(self, input, hx=None):
        out, (h_n,) = self._forward(input, hx, [self.hidden_size])
        return out, h_n


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o; c_t = f c_{t-1} + i g, h_t = o tanh(c_t).

    Arguments as ``RNN`` (no ``nonlinearity``), plus ``proj_size`` (project h to this size).
    Returns ``(output, (h_n, c_n))``.

    Example::

        >>> lstm = nn.LSTM(10, 20, 2, batch_first=True)
        >>> output, (hn, cn) = lstm(ember.randn(3, 5, 10))
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input, batch_sizes) -> tuple:
        """(num_layers * num_directions, batch, hidden_size): the cell state is never projected."""
        layers, batch, _ = self.get_expected_hidden_size(input, batch_sizes)
        return (layers, batch, self.hidden_size)

    def check_forward_args(self, input, hidden, batch_sizes) -> None:
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx, permutation):
        if permutation is None:
            return hx
        return tuple(RNNBase.permute_hidden(self, h, permutation) for h in hx)

    def forward(self, input, hx=None):
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        out, (h_n, c_n) = self._forward(input, hx, [real_hidden, self.hidden_size])
        return out, (h_n, c_n)


class GRU(RNNBase):
    """Gated recurrent unit: r, z gates; n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
    h_t = (1 - z) n + z h_{t-1}. Arguments as ``RNN``; returns ``(output, h_n)``."""

    def __init__(self, *args, **kwargs) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input, hx=None):
        out, (h_n,) = self._forward(input, hx, [self.hidden_size])
        return out, h_n


# -- cells -------------------------------------------------------------------------------------

class RNNCellBase(Module):
    """The parameters of a single recurrent step."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(ember.empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(ember.empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(ember.empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(ember.empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _inputs(self, input, hx, count: int):
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected {self.input_size}")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            zeros = ember.zeros(input.shape[0], self.hidden_size, dtype=input.dtype, device=input.device)
            states = [zeros] * count
        else:
            states = list(hx) if isinstance(hx, (tuple, list)) else [hx]
            states = [h if batched else h.unsqueeze(0) for h in states]
        xw = F.linear(input, self.weight_ih, self.bias_ih)
        return xw, states, batched


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        xw, states, batched = self._inputs(input, hx, 1)
        if self.bias_hh is not None:
            xw = xw + self.bias_hh
        if self.nonlinearity == "tanh":
            h = _rnn_tanh_step(xw, states, self.weight_hh.t(), None, None)[0]
        elif self.nonlinearity == "relu":
            h = _rnn_relu_step(xw, states, self.weight_hh.t(), None, None)[0]
        else:
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c))`` returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        xw, states, batched = self._inputs(input, hx, 2)
        if self.bias_hh is not None:
            xw = xw + self.bias_hh
        h, c = _lstm_step(xw, states, self.weight_hh.t(), None, None)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step; returns h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        xw, states, batched = self._inputs(input, hx, 1)
        h = _gru_step(xw, states, self.weight_hh.t(), self.bias_hh, None)[0]
        return h if batched else h.squeeze(0)
