"""Derivatives of the special-function kernels (``ember/ops/special.py``)."""

from __future__ import annotations

import math

import ember
from ember.autograd.rules import rule

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@rule("erfc", "ErfcBackward0")
def _erfc(grad, inputs, output, params):
    x = inputs[0]
    return grad * (-_TWO_OVER_SQRT_PI) * ember.exp(-(x * x))


@rule("erfinv", "ErfinvBackward0", save_inputs=False, save_output=True)
def _erfinv(grad, inputs, output, params):
    return grad * (0.5 * math.sqrt(math.pi)) * ember.exp(output * output)


@rule("i0", "I0Backward0")
def _i0(grad, inputs, output, params):
    return grad * ember.special.i1(inputs[0])


@rule("i0e", "SpecialI0EBackward0", save_output=True)
def _i0e(grad, inputs, output, params):
    x = inputs[0]
    return grad * (ember.special.i1e(x) - ember.sign(x) * output)


def _at_zero_half(x, value):
    """``value`` with its limit 1/2 at x = 0 (I1'(0) = I1e'(0) = 1/2)."""
    return ember.where(x == 0, 0.5, value)


@rule("i1", "SpecialI1Backward0", save_output=True)
def _i1(grad, inputs, output, params):
    x = inputs[0]
    safe = ember.where(x == 0, 1.0, x)
    return grad * _at_zero_half(x, ember.special.i0(x) - output / safe)


@rule("i1e", "SpecialI1EBackward0", save_output=True)
def _i1e(grad, inputs, output, params):
    x = inputs[0]
    safe = ember.where(x == 0, 1.0, x)
    return grad * _at_zero_half(x, ember.special.i0e(x) - output * (ember.sign(x) + 1 / safe))


@rule("ndtri", "SpecialNdtriBackward0", save_inputs=False, save_output=True)
def _ndtri(grad, inputs, output, params):
    return grad * math.sqrt(2 * math.pi) * ember.exp(0.5 * output * output)


def _incomplete_gamma_x(grad, a, x, sign: float):
    # dP/dx = x^(a-1) e^-x / Gamma(a), through logs
    return grad * sign * ember.exp((a - 1) * ember.log(x) - x - ember.lgamma(a))


def _no_a_gradient(name: str) -> None:
    raise NotImplementedError(f"special.{name}: the derivative with respect to 'input' (a) is not implemented, "
                              f"as in PyTorch; only 'other' (x) can require grad")


@rule("gammainc", "IgammaBackward0")
def _gammainc(grad, inputs, output, params, needs):
    if needs[0]:
        _no_a_gradient("gammainc")
    a, x = inputs
    return None, _incomplete_gamma_x(grad, a, x, 1.0) if needs[1] else None


@rule("gammaincc", "IgammacBackward0")
def _gammaincc(grad, inputs, output, params, needs):
    if needs[0]:
        _no_a_gradient("gammaincc")
    a, x = inputs
    return None, _incomplete_gamma_x(grad, a, x, -1.0) if needs[1] else None


def _safe(x):
    return ember.where(x == 0, 1.0, x)


@rule("bessel_j0", "SpecialBesselJ0Backward0")
def _j0(grad, inputs, output, params):
    return -grad * ember.special.bessel_j1(inputs[0])


@rule("bessel_j1", "SpecialBesselJ1Backward0", save_output=True)
def _j1(grad, inputs, output, params):
    x = inputs[0]   # J1' = J0 - J1 / x, 1/2 at 0
    return grad * ember.where(x == 0, 0.5, ember.special.bessel_j0(x) - output / _safe(x))


@rule("bessel_y0", "SpecialBesselY0Backward0")
def _y0(grad, inputs, output, params):
    return -grad * ember.special.bessel_y1(inputs[0])


@rule("bessel_y1", "SpecialBesselY1Backward0", save_output=True)
def _y1(grad, inputs, output, params):
    x = inputs[0]
    return grad * (ember.special.bessel_y0(x) - output / x)


@rule("modified_bessel_k0", "SpecialModifiedBesselK0Backward0")
def _k0(grad, inputs, output, params):
    return -grad * ember.special.modified_bessel_k1(inputs[0])


@rule("modified_bessel_k1", "SpecialModifiedBesselK1Backward0", save_output=True)
def _k1(grad, inputs, output, params):
    x = inputs[0]
    return -grad * (ember.special.modified_bessel_k0(x) + output / x)


@rule("scaled_modified_bessel_k0", "SpecialScaledModifiedBesselK0Backward0", save_output=True)
def _k0e(grad, inputs, output, params):
    x = inputs[0]   # (e^x K0)' = e^x K0 - e^x K1
    return grad * (output - ember.special.scaled_modified_bessel_k1(x))


@rule("scaled_modified_bessel_k1", "SpecialScaledModifiedBesselK1Backward0", save_output=True)
def _k1e(grad, inputs, output, params):
    x = inputs[0]   # (e^x K1)' = e^x K1 - e^x (K0 + K1 / x)
    return grad * (output - ember.special.scaled_modified_bessel_k0(x) - output / x)
