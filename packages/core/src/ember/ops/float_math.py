"""Elementwise functions of the floating-point representation and of integers: ``copysign``, ``hypot``,
``ldexp``, ``frexp``, ``logaddexp2``, ``heaviside``, ``signbit``, ``nextafter``, ``angle``, ``gcd``,
``lcm``; composed from primitives (``frexp`` and ``nextafter`` read the bits on the host)."""

from __future__ import annotations

import math

import numpy as np

from ember import _core, dtypes
from ember.ops.broadcasting import broadcast_tensors
from ember.ops.creation import ones_like, tensor, zeros_like
from ember.ops.pointwise import _check_castable, _out, _write_inplace, atan2, logaddexp, maximum, minimum, pow, where
from ember.ops.return_types import _return_type

_frexp = _return_type("frexp", ("mantissa", "exponent"))

__all__ = ["copysign", "hypot", "ldexp", "frexp", "logaddexp2", "heaviside", "signbit", "nextafter", "angle", "gcd",
           "lcm"]


def _tensor(fn: str, name: str, x):
    if not isinstance(x, _core.TensorBase):
        raise TypeError(f"{fn}(): argument '{name}' must be Tensor, not {type(x).__name__}")
    return x


def _as_tensor(x, like):
    return x if isinstance(x, _core.TensorBase) else tensor(x, device=like.device)


def _float_pair(fn: str, input, other):
    """``input`` and ``other`` promoted to their common floating dtype (integers lift to the default)."""
    _tensor(fn, "input", input)
    other = _as_tensor(other, input)
    dt = dtypes.result_type(input, other)
    if not dt.is_floating_point:
        dt = dtypes.get_default_dtype()
    return input.to(dt), other.to(dt)


def copysign(input, other, *, out=None):
    """``|input|`` with the sign of ``other`` (the sign bit, so -0.0 counts as negative)."""
    x, y = _float_pair("copysign", input, other)
    return _out(x.abs() * where(signbit(y), -1.0, 1.0).to(x.dtype), out)


def hypot(input, other, *, out=None):
    """``sqrt(input**2 + other**2)`` without overflow or underflow in the squares."""
    x, y = _float_pair("hypot", input, other)
    if not (input.dtype.is_floating_point or (isinstance(other, _core.TensorBase) and other.dtype.is_floating_point)):
        raise NotImplementedError(f"\"hypot\" not implemented for '{_core._type_name(input.dtype)}'")
    a, b = x.abs(), y.abs()
    big, small = maximum(a, b), minimum(a, b)
    safe = where(big == 0, ones_like(big), big)
    ratio = small / safe
    return _out(where(big == 0, zeros_like(big), big * (1 + ratio * ratio).sqrt()), out)


def ldexp(input, other, *, out=None):
    """``input * 2**other``."""
    _tensor("ldexp", "input", input)
    other = _as_tensor(other, input)
    x = input if input.dtype.is_floating_point else input.to(dtypes.get_default_dtype())
    return _out(x * pow(2.0, other.to(x.dtype)), out)


def frexp(input, *, out=None):
    """Split each element into a mantissa in [0.5, 1) (with its sign) and an integer exponent:
    ``input == mantissa * 2**exponent``. Returns ``(mantissa, exponent)``."""
    _tensor("frexp", "input", input)
    if not input.dtype.is_floating_point:
        raise RuntimeError("ember.frexp() only supports floating-point dtypes")
    mantissa, exponent = np.frexp(input.detach().cpu().numpy())
    result = (tensor(mantissa, device=input.device), tensor(exponent.astype(np.int32), device=input.device))
    if out is not None:
        out[0].copy_(result[0])
        out[1].copy_(result[1])
        return _frexp(out)
    return _frexp(result)


def logaddexp2(input, other, *, out=None):
    """``log2(2**input + 2**other)`` without overflow."""
    x, y = _float_pair("logaddexp2", input, other)
    return _out(logaddexp(x * math.log(2.0), y * math.log(2.0)) / math.log(2.0), out)


def heaviside(input, values, *, out=None):
    """The step function: 0 where ``input < 0``, ``values`` where it is 0, 1 where it is positive."""
    _tensor("heaviside", "input", input)
    _tensor("heaviside", "values", values)
    if input.dtype is not values.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes ({input.dtype} and "
                           f"{values.dtype})")
    one, zero = ones_like(input), zeros_like(input)
    return _out(where(input == 0, values.to(input.dtype).expand_as(input) if values.ndim <= input.ndim
                            else values, where(input > 0, one, zero)), out)


def signbit(input, *, out=None):
    """True where the sign bit is set (negative numbers, -0.0 and NaNs with the bit set)."""
    _tensor("signbit", "input", input)
    if not input.dtype.is_floating_point:
        return _out(input < 0, out)
    bits = np.signbit(input.detach().cpu().numpy())
    return _out(tensor(bits, device=input.device), out)


def nextafter(input, other, *, out=None):
    """The next floating-point value after ``input`` towards ``other``."""
    _tensor("nextafter", "input", input)
    other = _as_tensor(other, input)
    if not input.dtype.is_floating_point or input.dtype is not other.dtype:
        raise NotImplementedError(f"\"nextafter\" not implemented for '{_core._type_name(input.dtype)}'"
                           if not input.dtype.is_floating_point else
                           f"expected both arguments to have the same dtype, got {input.dtype} and {other.dtype}")
    result = np.nextafter(input.detach().cpu().numpy(), other.detach().cpu().numpy())
    return _out(tensor(result, device=input.device), out)


def angle(input, *, out=None):
    """The argument of each element as a complex number: 0 for non-negative reals, pi for negative ones
    (NaN stays NaN)."""
    _tensor("angle", "input", input)
    x = input if input.dtype.is_floating_point else input.to(dtypes.get_default_dtype())
    return _out(where(x != x, x, where(x < 0, math.pi, 0.0).to(x.dtype)), out)


def _integer_pair(fn: str, input, other):
    _tensor(fn, "input", input)
    other = _as_tensor(other, input)
    for t in (input, other):
        if t.dtype.is_floating_point or t.dtype is dtypes.bool:
            raise NotImplementedError(f"\"{fn}\" not implemented for '{_core._type_name(t.dtype)}'")
    dt = dtypes.result_type(input, other)
    return broadcast_tensors(input.to(dt), other.to(dt))


def gcd(input, other, *, out=None):
    """The greatest common divisor of each pair of integers (non-negative; gcd(0, 0) = 0)."""
    a, b = _integer_pair("gcd", input, other)
    a, b = a.abs(), b.abs()
    while bool((b != 0).any()):   # Euclid, elementwise; at most ~90 rounds for 64-bit values
        nonzero = b != 0
        safe = where(nonzero, b, ones_like(b))
        a, b = where(nonzero, b, a), where(nonzero, a % safe, b)
    return _out(a, out)


def lcm(input, other, *, out=None):
    """The least common multiple of each pair of integers (non-negative; 0 if either is 0)."""
    a, b = _integer_pair("lcm", input, other)
    g = gcd(a, b)
    safe = where(g == 0, ones_like(g), g)
    return _out((a // safe * b).abs(), out)


def _inplace(fn):
    def op(self, *args):
        result = fn(self, *args)
        _check_castable(self, result.dtype)
        return _write_inplace(self, result)
    op.__name__ = fn.__name__ + "_"
    op.__doc__ = f"In-place ``{fn.__name__}``."
    return op


class FloatMathMethods:
    __slots__ = ()

    copysign, hypot, ldexp, frexp, logaddexp2 = copysign, hypot, ldexp, frexp, logaddexp2
    heaviside, signbit, nextafter, angle, gcd, lcm = heaviside, signbit, nextafter, angle, gcd, lcm
    copysign_, hypot_, ldexp_ = _inplace(copysign), _inplace(hypot), _inplace(ldexp)
    heaviside_, nextafter_, gcd_, lcm_ = _inplace(heaviside), _inplace(nextafter), _inplace(gcd), _inplace(lcm)

    def arctan2(self, other):
        return atan2(self, other)

    def arctan2_(self, other):
        return self.atan2_(other)
