"""Affine layers: ``Identity``, ``Linear``, ``Bilinear``."""

from __future__ import annotations

import math

import ember
from ember import _core
from ember.nn import functional as F
from ember.nn import init
from ember.nn.modules.module import Module
from ember.nn.parameter import Parameter

__all__ = ["Identity", "Linear", "Bilinear"]


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input):
        return input


class Linear(Module):
    """y = x W^T + b.

    Args:
        in_features: size of each input sample.
        out_features: size of each output sample.
        bias: learn an additive bias. Default: ``True``.

    Shape: input (*, in_features), output (*, out_features).

    Weights and bias are drawn from U(-1/sqrt(in_features), 1/sqrt(in_features)), as PyTorch does.

    Example::

        >>> m = nn.Linear(20, 30)
        >>> m(ember.randn(128, 20)).shape
        ember.Size([128, 30])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(ember.empty((out_features, in_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(ember.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw the weights and bias from their initial distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        weight, bias = self.weight, self.bias
        if bias is not None and isinstance(input, _core.TensorBase):
            # the common case (a batch of rows, one floating dtype, the layer's own shapes) goes
            # straight to addmm(bias, input, weight.t()), which is what F.linear does after its checks
            ws = weight._data.shape
            xs = input._data.shape
            dt = weight._dtype
            if (len(xs) == 2 and len(ws) == 2 and xs[1] == ws[1] and input._dtype is dt and bias._dtype is dt
                    and dt.is_floating_point and bias._data.shape == ws[:1]):
                return _core.call("addmm", (bias, input, _core.call_view("t", weight, ())), (1, 1))
        return F.linear(input, weight, bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class NonDynamicallyQuantizableLinear(Linear):
    """The output projection of ``MultiheadAttention`` (a ``Linear``; the name matches PyTorch's repr)."""


class Bilinear(Module):
    """y = x1^T A x2 + b.

    Args:
        in1_features, in2_features: sizes of the two inputs.
        out_features: size of the output.
        bias: learn an additive bias. Default: ``True``.

    Shape: inputs (*, in1_features) and (*, in2_features), output (*, out_features).
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        self.weight = Parameter(ember.empty((out_features, in1_features, in2_features), device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(ember.empty(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
