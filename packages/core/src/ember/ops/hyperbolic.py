"""The inverse hyperbolic functions ``asinh``, ``acosh``, ``atanh`` (and the ``arc*`` aliases), composed
from ``log1p``/``sqrt`` in forms that stay accurate near zero and do not overflow for large inputs, so
every backend has them and autograd differentiates them through their parts."""

from __future__ import annotations

import math

from ember import _core, dtypes
from ember.ops.pointwise import _check_castable, _out, _write_inplace

__all__ = ["asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh"]

_LARGE = 2.0 ** 28   # beyond it, sqrt(x*x + 1) is x to working precision: asinh(x) = log(2x)


def _floating(fn: str, input):
    if not isinstance(input, _core.TensorBase):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return input if input.dtype.is_floating_point else input.to(dtypes.get_default_dtype())


def asinh(input, *, out=None):
    """The inverse hyperbolic sine of each element: ``log(x + sqrt(x**2 + 1))``."""
    x = _floating("asinh", input)
    a = x.abs()
    small = a.clamp(max=_LARGE)
    near = (small + small * small / (1 + (small * small + 1).sqrt())).log1p()
    far = a.clamp(min=1.0).log() + math.log(2.0)
    return _out(x.sign() * near.where(a <= _LARGE, far), out)


def acosh(input, *, out=None):
    """The inverse hyperbolic cosine of each element: ``log(x + sqrt(x**2 - 1))``, NaN below 1."""
    x = _floating("acosh", input)
    small = x.clamp(max=_LARGE)
    t = small - 1
    near = (t + (t * (small + 1)).sqrt()).log1p()
    far = x.clamp(min=1.0).log() + math.log(2.0)
    return _out(near.where(x <= _LARGE, far), out)


def atanh(input, *, out=None):
    """The inverse hyperbolic tangent of each element: ``log((1 + x) / (1 - x)) / 2``, ±inf at ±1, NaN
    beyond."""
    x = _floating("atanh", input)
    return _out(0.5 * (2 * x / (1 - x)).log1p(), out)


arcsinh, arccosh, arctanh = asinh, acosh, atanh


def _inplace(fn):
    def op(self):
        _check_castable(self, self.dtype if self.dtype.is_floating_point else dtypes.get_default_dtype())
        return _write_inplace(self, fn(self))
    op.__name__ = fn.__name__ + "_"
    op.__doc__ = f"In-place ``{fn.__name__}``."
    return op


class HyperbolicMethods:
    __slots__ = ()

    asinh = arcsinh = asinh
    acosh = arccosh = acosh
    atanh = arctanh = atanh
    asinh_ = arcsinh_ = _inplace(asinh)
    acosh_ = arccosh_ = _inplace(acosh)
    atanh_ = arctanh_ = _inplace(atanh)
