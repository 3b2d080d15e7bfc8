"""Activation functions, composed from ember's elementwise ops (so autograd differentiates them).

Branches are computed on clamped inputs so that the unused side of a ``where`` never
overflows: an ``inf`` there would turn its zero gradient into NaN.
"""

from __future__ import annotations

import math
import warnings

import ember
from ember import _core

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu", "silu", "mish",
    "softplus", "softsign", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "sigmoid", "tanh", "logsigmoid",
    "tanhshrink", "softshrink", "hardshrink", "threshold", "threshold_", "glu", "prelu", "softmax", "log_softmax",
    "softmin",
]


def _inplace(input, result):
    """Write ``result`` into ``input`` (autograd follows) and return ``input``."""
    return _core.assign(input, result)


def _maybe_inplace(input, result, inplace: bool):
    return _inplace(input, result) if inplace else result


def relu(input, inplace: bool = False):
    """max(0, x) elementwise."""
    return _maybe_inplace(input, ember.relu(input), inplace)


def relu_(input):
    """In-place ``relu``."""
    return _inplace(input, ember.relu(input))


def relu6(input, inplace: bool = False):
    """min(max(0, x), 6) elementwise."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """x for x > 0, else negative_slope * x."""
    if negative_slope >= 0 and input.is_floating_point():    # one fused op (its gradient from the output's sign)
        from ember.ops.nn_ops import leaky_relu as fused
        return _maybe_inplace(input, fused(input, negative_slope), inplace)
    return _maybe_inplace(input, ember.where(input > 0, input, input * negative_slope), inplace)


def leaky_relu_(input, negative_slope: float = 0.01):
    return leaky_relu(input, negative_slope, True)


def elu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, else alpha * (exp(x) - 1)."""
    neg = ember.expm1(ember.clamp(input, max=0.0)) * alpha
    return _maybe_inplace(input, ember.where(input > 0, input, neg), inplace)


def elu_(input, alpha: float = 1.0):
    return elu(input, alpha, True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace: bool = False):
    """scale * elu(x, alpha) with the self-normalising constants."""
    return _maybe_inplace(input, elu(input, _SELU_ALPHA) * _SELU_SCALE, inplace)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    neg = ember.expm1(ember.clamp(input, max=0.0) / alpha) * alpha
    return _maybe_inplace(input, ember.where(input > 0, input, neg), inplace)


def gelu(input, approximate: str = "none"):
    """x * Phi(x), Phi the standard normal CDF; ``approximate="tanh"`` uses the tanh formula.

    float32/float64 inputs run the backend's fused ``gelu`` kernel when it has one (CPU: one pass
    forward, one backward); otherwise the composite below.
    """
    if approximate in ("none", "tanh") and input.dtype in (ember.float32, ember.float64) and \
            "gelu" in input._device._kernels:
        return _core.call("gelu", (input,), (approximate == "tanh",))
    if approximate == "none":
        return input * 0.5 * (1.0 + ember.erf(input * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = (input + 0.044715 * input * input * input) * math.sqrt(2.0 / math.pi)
        return input * 0.5 * (1.0 + ember.tanh(inner))
    raise RuntimeError("approximate argument must be either none or tanh.")


def silu(input, inplace: bool = False):
    """x * sigmoid(x) (also called swish)."""
    return _maybe_inplace(input, input * ember.sigmoid(input), inplace)


def mish(input, inplace: bool = False):
    """x * tanh(softplus(x))."""
    return _maybe_inplace(input, input * ember.tanh(softplus(input)), inplace)


def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold."""
    scaled = input * beta
    soft = ember.log1p(ember.exp(ember.clamp(scaled, max=threshold))) / beta
    return ember.where(scaled > threshold, input, soft)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (1 + ember.abs(input))


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """x clamped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(input, ember.clamp(input, min_val, max_val), inplace)


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    return hardtanh(input, min_val, max_val, True)


def hardsigmoid(input, inplace: bool = False):
    """relu6(x + 3) / 6."""
    return _maybe_inplace(input, ember.clamp(input + 3.0, 0.0, 6.0) / 6.0, inplace)


def hardswish(input, inplace: bool = False):
    """x * relu6(x + 3) / 6."""
    return _maybe_inplace(input, input * (ember.clamp(input + 3.0, 0.0, 6.0) / 6.0), inplace)


def sigmoid(input):
    """1 / (1 + exp(-x))."""
    return ember.sigmoid(input)


def tanh(input):
    """The hyperbolic tangent."""
    return ember.tanh(input)


def logsigmoid(input):
    """log(sigmoid(x)), computed as -softplus(-x) (no overflow)."""
    return -softplus(-input)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - ember.tanh(input)


def softshrink(input, lambd: float = 0.5):
    """x - lambd for x > lambd, x + lambd for x < -lambd, else 0."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return ember.where(input > lambd, input - lambd, ember.where(input < -lambd, input + lambd, input * 0.0))


def hardshrink(input, lambd: float = 0.5):
    """x where |x| > lambd, else 0."""
    return ember.where(ember.abs(input) > lambd, input, input * 0.0)


def threshold(input, threshold: float, value: float, inplace: bool = False):
    """x where x > threshold, else ``value``."""
    return _maybe_inplace(input, ember.where(input > threshold, input, ember.full_like(input, value)), inplace)


def threshold_(input, threshold_value: float, value: float):
    return threshold(input, threshold_value, value, True)


def glu(input, dim: int = -1):
    """The gated linear unit: a * sigmoid(b), where a and b are the halves of ``input`` along ``dim``."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    if input.shape[dim] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.ndim} is size "
                           f"{input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * ember.sigmoid(b)


def prelu(input, weight):
    """x for x > 0, else weight * x; ``weight`` has 1 or C (channel dim 1) elements."""
    if weight.ndim > 1:
        raise RuntimeError("prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = "
                           f"{weight.ndim}")
    w = weight
    if weight.numel() != 1:
        if input.ndim == 0 or weight.numel() != (input.shape[1] if input.ndim >= 2 else input.shape[0]):
            channels = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim == 1 else 1)
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{weight.numel()} and channel size = {channels}.")
        if input.ndim >= 2:
            w = weight.reshape((1, -1) + (1,) * (input.ndim - 2))
    return ember.where(input > 0, input, input * w)


def _softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """The dim PyTorch's legacy rule picks; the warning points ``stacklevel`` frames up (the
    ``_stacklevel`` argument: 3 is the caller of ``softmax``, a module passes more)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``; ``dtype`` casts the input first."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return ember.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably as x - logsumexp(x)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return ember.log_softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel: int = 3, dtype=None):
    """softmax(-x) along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim, _stacklevel)
    return ember.softmax(-input, dim, dtype=dtype)
