"""Derivatives of the elementwise ops (``ember/ops/pointwise.py``), after PyTorch's
``derivatives.yaml``. Elementwise ops record ``params=None``; inputs may be Python scalars."""

from __future__ import annotations

import math

import ember
from ember._core import TensorBase
from ember.autograd.rules import rule
from ember.ops import nn_ops

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _is_tensor(x) -> bool:
    return isinstance(x, TensorBase)


def _zeros(grad):
    return ember.zeros_like(grad)


def _by_scalar(scalar_name: str, tensor_name: str):
    """Node name for ops whose PyTorch node differs when the second operand is a Python scalar."""
    return lambda inputs, params: tensor_name if _is_tensor(inputs[1]) else scalar_name


# -- arithmetic -------------------------------------------------------------------------

@rule("add", "AddBackward0", save_inputs=False)
def _add(grad, inputs, output, params):
    return grad, grad


@rule("sub", lambda inputs, params: "SubBackward0" if _is_tensor(inputs[0]) else "RsubBackward1",
      save_inputs=False)
def _sub(grad, inputs, output, params):
    return grad, -grad


@rule("mul", "MulBackward0", uses={0: (1,), 1: (0,)})
def _mul(grad, inputs, output, params, needs):
    a, b = inputs
    return grad * b if needs[0] else None, grad * a if needs[1] else None


@rule("div", "DivBackward0", uses={0: (1,), 1: (0, 1)})
def _div(grad, inputs, output, params, needs):
    a, b = inputs
    ga = grad / b if needs[0] else None
    gb = -grad * a / (b * b) if needs[1] else None
    return ga, gb


@rule("neg", "NegBackward0", save_inputs=False)
def _neg(grad, inputs, output, params):
    return -grad


def _pow_name(inputs, params) -> str:
    if not _is_tensor(inputs[0]):
        return "PowBackward2"
    return "PowBackward1" if _is_tensor(inputs[1]) else "PowBackward0"


@rule("pow", _pow_name)
def _pow(grad, inputs, output, params, needs):
    a, b = inputs
    ga = gb = None
    if needs[0]:
        if _is_tensor(b):
            ga = ember.where(b == 0, 0.0, grad * b * a ** (b - 1))
        else:
            ga = _zeros(grad) if b == 0 else grad * b * a ** (b - 1)
    if needs[1]:
        result = a ** b
        if _is_tensor(a):
            gb = grad * ember.where(ember.logical_and(a == 0, b >= 0), 0.0, result * ember.log(a))
        elif a == 0:
            gb = grad * ember.where(b >= 0, 0.0, -math.inf)  # result * log(0), without inf * 0
        else:
            gb = grad * result * math.log(a)
    return ga, gb


@rule("square", "PowBackward0")
def _square(grad, inputs, output, params):
    return 2.0 * grad * inputs[0]


@rule("maximum", "MaximumBackward0")
def _maximum(grad, inputs, output, params, needs):
    a, b = inputs
    half = grad / 2
    ga = ember.where(a < b, 0.0, ember.where(a == b, half, grad)) if needs[0] else None
    gb = ember.where(b < a, 0.0, ember.where(a == b, half, grad)) if needs[1] else None
    return ga, gb


@rule("minimum", "MinimumBackward0")
def _minimum(grad, inputs, output, params, needs):
    a, b = inputs
    half = grad / 2
    ga = ember.where(a > b, 0.0, ember.where(a == b, half, grad)) if needs[0] else None
    gb = ember.where(b > a, 0.0, ember.where(a == b, half, grad)) if needs[1] else None
    return ga, gb


@rule("atan2", "Atan2Backward0")
def _atan2(grad, inputs, output, params):
    a, b = inputs
    scale = grad / (a * a + b * b)
    return scale * b, scale * -a


@rule("remainder", _by_scalar("RemainderBackward0", "RemainderBackward1"), uses={1: (0, 1)})
def _remainder(grad, inputs, output, params, needs):
    a, b = inputs
    return grad, -grad * ember.floor_divide(a, b) if needs[1] else None


@rule("fmod", _by_scalar("FmodBackward0", "FmodBackward1"), uses={1: (0, 1)})
def _fmod(grad, inputs, output, params, needs):
    a, b = inputs
    return grad, -grad * ember.trunc(a / b) if needs[1] else None


@rule("floor_divide", "DivBackward2", save_inputs=False)
@rule("trunc_divide", "DivBackward2", save_inputs=False)
def _rounded_divide(grad, inputs, output, params):
    return _zeros(grad), _zeros(grad)


@rule("clamp", "ClampBackward1")
def _clamp(grad, inputs, output, params):
    x = inputs[0]
    low, high = params
    inside = None
    if low is not None:
        inside = x >= low
    if high is not None:
        inside = x <= high if inside is None else ember.logical_and(inside, x <= high)
    return ember.where(inside, grad, 0.0)


@rule("lerp", "LerpBackward1", uses={0: (2,), 1: (2,), 2: (0, 1)})
def _lerp(grad, inputs, output, params, needs):
    start, end, weight = inputs
    gs = grad * (1 - weight) if needs[0] else None
    ge = grad * weight if needs[1] else None
    gw = grad * (end - start) if needs[2] else None
    return gs, ge, gw


@rule("where", "WhereBackward0", save_inputs=(0,))
def _where(grad, inputs, output, params, needs):
    cond = inputs[0]
    ga = ember.where(cond, grad, 0.0) if needs[1] else None
    gb = ember.where(cond, 0.0, grad) if needs[2] else None
    return None, ga, gb


# -- unary ------------------------------------------------------------------------------

@rule("abs", "AbsBackward0")
def _abs(grad, inputs, output, params):
    return grad * ember.sign(inputs[0])


@rule("exp", "ExpBackward0", save_inputs=False, save_output=True)
def _exp(grad, inputs, output, params):
    return grad * output


@rule("exp2", "Exp2Backward0", save_inputs=False, save_output=True)
def _exp2(grad, inputs, output, params):
    return grad * output * _LN2


@rule("expm1", "Expm1Backward0", save_inputs=False, save_output=True)
def _expm1(grad, inputs, output, params):
    return grad * (output + 1)


@rule("log", "LogBackward0")
def _log(grad, inputs, output, params):
    return grad / inputs[0]


@rule("log2", "Log2Backward0")
def _log2(grad, inputs, output, params):
    return grad / (inputs[0] * _LN2)


@rule("log10", "Log10Backward0")
def _log10(grad, inputs, output, params):
    return grad / (inputs[0] * _LN10)


@rule("log1p", "Log1PBackward0")
def _log1p(grad, inputs, output, params):
    return grad / (inputs[0] + 1)


@rule("sqrt", "SqrtBackward0", save_inputs=False, save_output=True)
def _sqrt(grad, inputs, output, params):
    return grad / (2 * output)


@rule("rsqrt", "RsqrtBackward0", save_inputs=False, save_output=True)
def _rsqrt(grad, inputs, output, params):
    return -0.5 * grad * output * output * output


@rule("reciprocal", "ReciprocalBackward0", save_inputs=False, save_output=True)
def _reciprocal(grad, inputs, output, params):
    return -grad * output * output


@rule("sin", "SinBackward0")
def _sin(grad, inputs, output, params):
    return grad * ember.cos(inputs[0])


@rule("cos", "CosBackward0")
def _cos(grad, inputs, output, params):
    return grad * -ember.sin(inputs[0])


@rule("tan", "TanBackward0", save_inputs=False, save_output=True)
def _tan(grad, inputs, output, params):
    return grad * (1 + output * output)


@rule("asin", "AsinBackward0")
def _asin(grad, inputs, output, params):
    x = inputs[0]
    return grad * ember.rsqrt(1 - x * x)


@rule("acos", "AcosBackward0")
def _acos(grad, inputs, output, params):
    x = inputs[0]
    return -grad * ember.rsqrt(1 - x * x)


@rule("atan", "AtanBackward0")
def _atan(grad, inputs, output, params):
    x = inputs[0]
    return grad / (1 + x * x)


@rule("sinh", "SinhBackward0")
def _sinh(grad, inputs, output, params):
    return grad * ember.cosh(inputs[0])


@rule("cosh", "CoshBackward0")
def _cosh(grad, inputs, output, params):
    return grad * ember.sinh(inputs[0])


@rule("tanh", "TanhBackward0", save_inputs=False, save_output=True)
def _tanh(grad, inputs, output, params):
    return grad * (1 - output * output)


@rule("sigmoid", "SigmoidBackward0", save_inputs=False, save_output=True)
def _sigmoid(grad, inputs, output, params):
    return grad * output * (1 - output)


@rule("relu", "ReluBackward0", save_inputs=False, save_output=True)
def _relu(grad, inputs, output, params):
    return nn_ops.threshold_backward(grad, output, 0.0)


@rule("threshold_backward", "ThresholdBackwardBackward0", save_inputs=(1,))
def _threshold_backward(grad, inputs, output, params):
    return nn_ops.threshold_backward(grad, inputs[1], params[0]), None


@rule("erf", "ErfBackward0")
def _erf(grad, inputs, output, params):
    x = inputs[0]
    return grad * _TWO_OVER_SQRT_PI * ember.exp(-(x * x))


@rule("lgamma", "LgammaBackward0")
def _lgamma(grad, inputs, output, params):
    return grad * ember.digamma(inputs[0])


@rule("digamma", "DigammaBackward0")
def _digamma(grad, inputs, output, params):
    return grad * ember.polygamma(1, inputs[0])


@rule("polygamma", "PolygammaBackward0")
def _polygamma(grad, inputs, output, params):
    return grad * ember.polygamma(params[0] + 1, inputs[0])


@rule("nan_to_num", "NanToNumBackward0")
def _nan_to_num(grad, inputs, output, params):
    return ember.where(ember.isfinite(inputs[0]), grad, 0.0)


# Piecewise-constant functions: zero gradient, as in PyTorch.
for _op, _name in (("sign", "SignBackward0"), ("floor", "FloorBackward0"), ("ceil", "CeilBackward0"),
                   ("trunc", "TruncBackward0"), ("round", "RoundBackward0"),
                   ("round_decimals", "RoundBackward1")):
    rule(_op, _name, save_inputs=False)(lambda grad, inputs, output, params: _zeros(grad))
