"""Elementwise ops: arithmetic, comparisons, logic and math functions.

Each op is a kernel name plus a result-dtype kind (``SAME``, ``FLOAT``, ``BOOL``); the
dispatcher in ``ember._core`` does promotion, broadcasting (by the kernel) and recording.
Checks that depend only on dtypes (``floor`` of a bool, bitwise ops on floats) happen here,
so that every backend refuses the same inputs.

Kernels recorded for autograd (``binary``/``unary`` record params None):

    kernel                                   inputs                params
    add sub mul div                          (a, b)                None   a, b tensors or Python scalars
    floor_divide trunc_divide remainder      (a, b)                None   trunc_divide: div(rounding_mode="trunc")
      fmod pow maximum minimum atan2
    eq ne lt le gt ge logical_and            (a, b)                None   bool results
      logical_or logical_xor
    bitwise_and bitwise_or bitwise_xor       (a, b)                None   integer/bool only
      bitwise_left_shift bitwise_right_shift
    neg abs sign exp exp2 log log2 log10     (x,)                  None   FLOAT ops lift integer x to float
      log1p expm1 sqrt rsqrt square sin cos
      tan asin acos atan sinh cosh tanh
      sigmoid relu floor ceil round trunc
      reciprocal erf lgamma digamma
    isnan isinf isfinite logical_not         (x,)                  None   bool results
      bitwise_not
    round_decimals                           (x,)                  (decimals,)
    polygamma                                (x,)                  (n,)   x floating point
    clamp                                    (x,)                  (min, max)  scalars or None; x already promoted
    where                                    (condition, a, b)     ()     a, b tensors of the result dtype
    nan_to_num                               (x,)                  (nan, posinf, neginf)
    lerp                                     (start, end, weight)  ()     weight a tensor of start's dtype

``clamp`` with tensor bounds is ``maximum``/``minimum``; ``addcmul``, ``addcdiv``, ``frac``,
``fmax``, ``fmin``, ``logaddexp``, ``xlogy``, ``float_power``, ``deg2rad``, ``rad2deg``,
``isposinf`` and ``isneginf`` are composites that record the kernels above. In-place ops
(``add_``, ``x += y``) record the out-of-place kernel, then ``rebase``.
"""

from __future__ import annotations

import builtins
import math
import warnings

import numpy as np

from ember import _core, dtypes
from ember._core import BOOL, FLOAT, SAME, TensorBase, binary, inplace_binary, unary
from ember.ops.conversion import _LIMITS_OF, fill_value

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
    "floor_divide", "remainder", "fmod", "pow", "maximum", "minimum", "atan2",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
    "bitwise_right_shift", "neg", "negative", "abs", "absolute", "sign", "exp", "exp2", "log",
    "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "square", "sin", "cos", "tan", "asin",
    "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "sigmoid", "relu",
    "floor", "ceil", "round", "trunc", "fix", "reciprocal", "erf", "lgamma", "digamma", "polygamma", "isnan",
    "isinf", "isfinite",
    "nan_to_num", "clamp", "clip", "clamp_min", "clamp_max", "where", "lerp", "addcmul", "addcdiv", "frac",
    "fmax", "fmin", "logaddexp", "xlogy", "float_power", "deg2rad", "rad2deg", "isposinf", "isneginf", "positive",
    "sgn", "PointwiseMethods",
]

_type_name = _core._type_name

# -- argument checks --------------------------------------------------------------------

def _is_bool(x) -> bool:
    return x.__class__ is builtins.bool or (isinstance(x, TensorBase) and x._dtype is dtypes.bool)


def _is_float(x) -> bool:
    return x.__class__ is builtins.float or (isinstance(x, TensorBase) and x._dtype.is_floating_point)


def _device_type(*xs) -> str:
    for x in xs:
        if isinstance(x, TensorBase):
            return x._device.type
    return "cpu"


def _not_implemented(op: str, dtype, *xs) -> NotImplementedError:
    """``op`` (its public name) has no ``dtype`` kernel on the device of ``xs``."""
    return NotImplementedError(f'"{op}" not implemented for \'{_type_name(dtype)}\' on {_device_type(*xs)}')


def _refuse_bool(kernel: str, a, b) -> None:
    """PyTorch has no bool kernel for ``kernel`` (``//``, ``%``, ``**`` of two bools)."""
    if _is_bool(a) and _is_bool(b):
        raise _not_implemented(kernel, dtypes.bool, a, b)


def _refuse_float(kernel: str, a, b) -> None:
    """Bitwise ops exist for integers and bools only."""
    if _is_float(a) or _is_float(b):
        raise _not_implemented(kernel, dtypes.result_type(a, b), a, b)


def _check_tensor(name: str, x) -> None:
    if not isinstance(x, TensorBase):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")


def _check_tensors(name: str, input, other) -> None:
    """For ops whose PyTorch signature takes two tensors (``maximum``, ``atan2``)."""
    _check_tensor(name, input)
    if not isinstance(other, TensorBase):
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")


def _lift_integers(a, b):
    """Two integer tensors of different dtypes, lifted to the default float for a FLOAT op.

    The dispatcher would first cast both to their common integer dtype, which wraps a 0-d
    operand (uint8 tensor / int16 tensor(-3)); PyTorch divides the original values.
    """
    if isinstance(a, TensorBase) and isinstance(b, TensorBase) and a._dtype is not b._dtype \
            and not a._dtype.is_floating_point and not b._dtype.is_floating_point:
        dt = dtypes.get_default_dtype()
        return a.to(dt), b.to(dt)
    return a, b


def _shape_mismatch(a, b) -> RuntimeError:
    """PyTorch's message for operands that do not broadcast: the right-most clashing dim."""
    sa = tuple(a.shape) if isinstance(a, TensorBase) else ()
    sb = tuple(b.shape) if isinstance(b, TensorBase) else ()
    ndim = builtins.max(len(sa), len(sb))
    for i in range(ndim - 1, -1, -1):
        x = sa[i - ndim + len(sa)] if i - ndim + len(sa) >= 0 else 1
        y = sb[i - ndim + len(sb)] if i - ndim + len(sb) >= 0 else 1
        if x != y and x != 1 and y != 1:
            return RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                                f"non-singleton dimension {i}")
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def _binary(name: str, a, b, kind: int):
    try:
        out = binary(name, a, b, kind)
    except ValueError as err:
        if "broadcast" in str(err):
            raise _shape_mismatch(a, b) from None
        raise
    if out is NotImplemented:
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(a).__name__}")
    return out


def _out(result, out):
    """Write ``result`` into a user's ``out=`` tensor, resizing it as PyTorch does."""
    if out is None:
        return result
    if not isinstance(out, TensorBase):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if result.requires_grad and _core.is_grad_enabled():
        raise RuntimeError("functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")
    if result._dtype._category > out._dtype._category:
        raise RuntimeError(f"result type {_type_name(result._dtype)} can't be cast to the desired output "
                           f"type {_type_name(out._dtype)}")
    if out.shape != result.shape:
        if out.numel():
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out.shape)}, which does not match the required output shape "
                          f"{list(result.shape)}. This behavior is deprecated, and in a future release "
                          f"outputs will not be resized unless they have zero elements.", UserWarning,
                          stacklevel=3)
        _core.check_inplace(out)
        out._data = (result if result._dtype is out._dtype else result.to(out._dtype))._data.copy()
        out._bump_version()
        return out
    return _core.assign(out, result)


def _check_castable(self, dtype) -> None:
    """An in-place op can write a result of ``dtype`` into ``self`` (checked before computing)."""
    if dtype._category > self._dtype._category:
        raise RuntimeError(f"result type {_type_name(dtype)} can't be cast to the desired output type "
                           f"{_type_name(self._dtype)}")


def _write_inplace(self, result):
    """``self.op_()``: copy the out-of-place ``result`` into ``self``, as PyTorch allows."""
    if result._dtype._category > self._dtype._category:
        raise RuntimeError(f"result type {_type_name(result._dtype)} can't be cast to the desired output "
                           f"type {_type_name(self._dtype)}")
    if result._data.shape != self._data.shape:
        raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                           f"{list(result.shape)}")
    return _core.assign(self, result)


# -- arithmetic -------------------------------------------------------------------------

def _times_alpha(input, other, alpha):
    """``alpha * other`` for ``add``/``sub``, with PyTorch's rules on alpha's type."""
    if alpha.__class__ is builtins.int and alpha == 1:
        return other
    dt = dtypes.result_type(input, other)
    if dt is dtypes.bool:
        if isinstance(alpha, builtins.float):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        alpha = builtins.bool(alpha)
    elif isinstance(alpha, builtins.bool):
        raise RuntimeError("Boolean alpha only supported for Boolean results.")
    elif not dt.is_floating_point and isinstance(alpha, builtins.float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
    if not isinstance(other, TensorBase):
        return other * alpha
    return binary("mul", other if other._dtype is dt else other.to(dt), alpha, SAME)


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, with broadcasting and type promotion.

    Args:
        input (Tensor): the first operand.
        other (Tensor or Number): the second operand.
        alpha (Number): the multiplier for ``other``.

    Example::

        >>> ember.add(ember.tensor([1, 2]), ember.tensor([10, 20]), alpha=2)
        tensor([21, 42])
    """
    return _out(_binary("add", input, _times_alpha(input, other, alpha), SAME), out)


_TWO_BOOLS = ("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
              "`logical_xor()` operator instead.")
_ONE_BOOL = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
             "mask, use the `~` or `logical_not()` operator instead.")


def _refuse_bool_subtraction(input, other) -> None:
    if _is_bool(input) and _is_bool(other):
        raise RuntimeError(_TWO_BOOLS)
    if _is_bool(input) or _is_bool(other):
        raise RuntimeError(_ONE_BOOL)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``; PyTorch refuses it for bool tensors."""
    _refuse_bool_subtraction(input, other)
    return _out(_binary("sub", input, _times_alpha(input, other, alpha), SAME), out)


def mul(input, other, *, out=None):
    """``input * other``, with broadcasting and type promotion."""
    return _out(_binary("mul", input, other, SAME), out)


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other`` in floating point (integers divide to the default float dtype).

    Args:
        rounding_mode (str, optional): ``None`` for true division, ``"trunc"`` to round the
            quotient toward zero, ``"floor"`` to round it down; these two keep integer dtypes.

    Example::

        >>> ember.div(ember.tensor([-7, 7]), 2, rounding_mode="trunc")
        tensor([-3,  3])
    """
    if rounding_mode is None:
        input, other = _lift_integers(input, other)
        return _out(_binary("div", input, other, FLOAT), out)
    if rounding_mode == "floor":
        _refuse_bool("floor_divide", input, other)
        return _out(_binary("floor_divide", input, other, SAME), out)
    if rounding_mode == "trunc":
        _refuse_bool("div", input, other)
        return _out(_binary("trunc_divide", input, other, SAME), out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                       f"'{rounding_mode}'")


def floor_divide(input, other, *, out=None):
    """``input // other``: the quotient rounded toward negative infinity, as in Python."""
    _refuse_bool("floor_divide", input, other)
    return _out(_binary("floor_divide", input, other, SAME), out)


def remainder(input, other, *, out=None):
    """Python-style ``input % other``: the result has the sign of ``other``."""
    _refuse_bool("remainder", input, other)
    return _out(_binary("remainder", input, other, SAME), out)


def fmod(input, other, *, out=None):
    """C-style remainder of ``input / other``: the result has the sign of ``input``."""
    _check_tensor("fmod", input)
    _refuse_bool("fmod", input, other)
    return _out(_binary("fmod", input, other, SAME), out)


def _check_pow(input, exponent) -> None:
    # a bool tensor to a Python bool power is allowed, any other pair of bools is not
    if _is_bool(input) and _is_bool(exponent) and not (
            isinstance(input, TensorBase) and exponent.__class__ is builtins.bool):
        raise _not_implemented("pow", dtypes.bool, input, exponent)
    if isinstance(input, TensorBase) and exponent.__class__ is builtins.int and exponent < 0 \
            and not input._dtype.is_floating_point:
        raise RuntimeError("Integers to negative integer powers are not allowed.")


def pow(input, exponent, *, out=None):  # noqa: A001 - PyTorch's name
    """``input ** exponent`` elementwise; either (not both) may be a Python number.

    An integer tensor to a negative power is 0, except for bases 1 and -1; a negative Python
    integer exponent of an integer tensor is an error.

    Example::

        >>> ember.pow(ember.tensor([1, 2, 3]), 2)
        tensor([1, 4, 9])
    """
    _check_pow(input, exponent)
    return _out(_binary("pow", input, exponent, SAME), out)


def maximum(input, other, *, out=None):
    """The elementwise maximum of ``input`` and ``other`` (NaN propagates)."""
    _check_tensors("maximum", input, other)
    return _out(_binary("maximum", input, other, SAME), out)


def minimum(input, other, *, out=None):
    """The elementwise minimum of ``input`` and ``other`` (NaN propagates)."""
    _check_tensors("minimum", input, other)
    return _out(_binary("minimum", input, other, SAME), out)


def atan2(input, other, *, out=None):
    """The angle of the point ``(other, input)`` in radians, in ``[-pi, pi]``."""
    _check_tensors("atan2", input, other)
    input, other = _lift_integers(input, other)
    return _out(_binary("atan2", input, other, FLOAT), out)


subtract, multiply, divide, true_divide = sub, mul, div, div


# -- comparisons and logic ------------------------------------------------------------

def _comparison(name: str, doc: str, tensors_only: bool = False):
    def op(input, other, *, out=None):
        if tensors_only:
            _check_tensors(name, input, other)
        return _out(_binary(name, input, other, BOOL), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


eq = _comparison("eq", "``input == other`` elementwise, as a bool tensor.")
ne = _comparison("ne", "``input != other`` elementwise, as a bool tensor.")
lt = _comparison("lt", "``input < other`` elementwise, as a bool tensor.")
le = _comparison("le", "``input <= other`` elementwise, as a bool tensor.")
gt = _comparison("gt", "``input > other`` elementwise, as a bool tensor.")
ge = _comparison("ge", "``input >= other`` elementwise, as a bool tensor.")
logical_and = _comparison("logical_and", "True where both elements are nonzero.", True)
logical_or = _comparison("logical_or", "True where either element is nonzero.", True)
logical_xor = _comparison("logical_xor", "True where exactly one of the elements is nonzero.", True)
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


def _bitwise(name: str, refuse_bool: bool, doc: str):
    def op(input, other, *, out=None):
        _refuse_float(name, input, other)
        if refuse_bool:
            _refuse_bool(name, input, other)
        return _out(_binary(name, input, other, SAME), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


bitwise_and = _bitwise("bitwise_and", False, "Bitwise AND of integer or bool tensors.")
bitwise_or = _bitwise("bitwise_or", False, "Bitwise OR of integer or bool tensors.")
bitwise_xor = _bitwise("bitwise_xor", False, "Bitwise XOR of integer or bool tensors.")
bitwise_left_shift = _bitwise("bitwise_left_shift", True, "``input << other`` for integer tensors.")
bitwise_right_shift = _bitwise("bitwise_right_shift", True,
                               "``input >> other`` for integer tensors (arithmetic shift).")


# -- unary ----------------------------------------------------------------------------

def _unary(name: str, kind: int, doc: str):
    def op(input, *, out=None):
        return _out(unary(name, input, kind), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


neg = _unary("neg", SAME, "``-input``; refused for bool tensors (use ``logical_not``).")
exp = _unary("exp", FLOAT, "e to the power of each element.")
exp2 = _unary("exp2", FLOAT, "2 to the power of each element.")
log = _unary("log", FLOAT, "The natural logarithm of each element.")
log2 = _unary("log2", FLOAT, "The base-2 logarithm of each element.")
log10 = _unary("log10", FLOAT, "The base-10 logarithm of each element.")
log1p = _unary("log1p", FLOAT, "``log(1 + input)``, accurate for small inputs.")
expm1 = _unary("expm1", FLOAT, "``exp(input) - 1``, accurate for small inputs.")
sqrt = _unary("sqrt", FLOAT, "The square root of each element (NaN for negative ones).")
rsqrt = _unary("rsqrt", FLOAT, "``1 / sqrt(input)``.")
sin = _unary("sin", FLOAT, "The sine of each element (radians).")
cos = _unary("cos", FLOAT, "The cosine of each element (radians).")
tan = _unary("tan", FLOAT, "The tangent of each element (radians).")
asin = _unary("asin", FLOAT, "The arcsine of each element.")
acos = _unary("acos", FLOAT, "The arccosine of each element.")
atan = _unary("atan", FLOAT, "The arctangent of each element.")
sinh = _unary("sinh", FLOAT, "The hyperbolic sine of each element.")
cosh = _unary("cosh", FLOAT, "The hyperbolic cosine of each element.")
tanh = _unary("tanh", FLOAT, "The hyperbolic tangent of each element.")
sigmoid = _unary("sigmoid", FLOAT, "``1 / (1 + exp(-input))``, computed without overflow.")
reciprocal = _unary("reciprocal", FLOAT, "``1 / input`` (integers are lifted to float).")
erf = _unary("erf", FLOAT, "The error function ``2/sqrt(pi) * integral from 0 to x of exp(-t**2) dt``.")
lgamma = _unary("lgamma", FLOAT, "``log|Gamma(input)|``, the log of the gamma function's absolute value.")
digamma = _unary("digamma", FLOAT, "``d/dx log Gamma(x)`` at each element (``-inf`` at 0, NaN at negative integers).")
isnan = _unary("isnan", BOOL, "True where an element is NaN.")
isinf = _unary("isinf", BOOL, "True where an element is +inf or -inf.")
isfinite = _unary("isfinite", BOOL, "True where an element is neither NaN nor infinite.")
logical_not = _unary("logical_not", BOOL, "True where an element is zero.")
negative = neg
arcsin, arccos, arctan = asin, acos, atan


def abs(input, *, out=None):  # noqa: A001 - PyTorch's name
    """The absolute value of each element (not defined for bool)."""
    _check_tensor("abs", input)
    if input._dtype is dtypes.bool:
        raise _not_implemented("abs", dtypes.bool, input)
    return _out(unary("abs", input, SAME), out)


absolute = abs


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element (0 for NaN); bool tensors are their own sign."""
    _check_tensor("sign", input)
    if input._dtype is dtypes.bool:
        return _out(input.clone(), out)
    return _out(unary("sign", input, SAME), out)


def square(input, *, out=None):
    """``input * input``; bool tensors square to int64, as ``input ** 2`` does."""
    _check_tensor("square", input)
    if input._dtype is dtypes.bool:
        return pow(input, 2, out=out)
    return _out(unary("square", input, SAME), out)


def relu(input):
    """``max(input, 0)`` elementwise."""
    _check_tensor("relu", input)
    if input._dtype is dtypes.bool:
        raise RuntimeError("Boolean inputs not supported for relu")
    return unary("relu", input, SAME)


def bitwise_not(input, *, out=None):
    """Bitwise NOT of an integer tensor; logical NOT of a bool tensor."""
    _check_tensor("bitwise_not", input)
    if input._dtype.is_floating_point:
        raise _not_implemented("bitwise_not", input._dtype, input)
    return _out(unary("bitwise_not", input, SAME), out)


def _rounding(name: str, doc: str):
    def op(input, *, out=None):
        _check_tensor(name, input)
        if not input._dtype.is_floating_point:
            if input._dtype is dtypes.bool:
                raise _not_implemented(name, dtypes.bool, input)
            return _out(input.clone(), out)  # integers are already whole
        return _out(unary(name, input, SAME), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


floor = _rounding("floor", "The largest integer not greater than each element.")
ceil = _rounding("ceil", "The smallest integer not less than each element.")
trunc = _rounding("trunc", "Each element rounded toward zero.")
fix = trunc
_round_half_even = _rounding("round", "")


def round(input, *, decimals: int = 0, out=None):  # noqa: A001 - PyTorch's name
    """Round to the nearest integer, halves to even; or to ``decimals`` decimal places.

    Example::

        >>> ember.round(ember.tensor([0.5, 1.5, 1.2345]), decimals=0)
        tensor([0., 2., 1.])
    """
    if decimals == 0:
        return _round_half_even(input, out=out)
    _check_tensor("round", input)
    if not input._dtype.is_floating_point:
        raise _not_implemented("round", input._dtype, input)
    return _out(_core.call("round_decimals", (input,), (decimals,)), out)


# -- clamp, where, nan_to_num, lerp ---------------------------------------------------

def clamp(input, min=None, max=None, *, out=None):  # noqa: A002 - PyTorch's names
    """Limit each element to ``[min, max]``; either bound may be a tensor or omitted.

    The result dtype follows type promotion of ``input`` with the bounds. Where ``min`` is
    greater than ``max``, the result is ``max``; NaN in ``input`` stays NaN.

    Example::

        >>> ember.clamp(ember.tensor([-2.0, 0.5, 3.0]), min=-1, max=1)
        tensor([-1.0000,  0.5000,  1.0000])
    """
    _check_tensor("clamp", input)
    if min is None and max is None:
        raise RuntimeError("ember.clamp: At least one of 'min' or 'max' must not be None")
    dt = _clamp_dtype(input, min, max)
    limits = _LIMITS_OF.get(dt)
    for bound in (min, max):   # PyTorch refuses a bound the result dtype cannot hold
        if bound.__class__ in _NUMBERS and bound is not None and limits is not None \
                and not limits[0] <= bound <= limits[1]:
            fill_value(bound, dt, "clamp")   # raises, or takes it (inf, NaN, a negative int for uint8)
    x = input if input._dtype is dt else input.to(dt)
    if isinstance(min, TensorBase) or isinstance(max, TensorBase):
        if min is not None:
            x = _binary("maximum", x, min, SAME)
        if max is not None:
            x = _binary("minimum", x, max, SAME)
        return _out(x if x._dtype is dt else x.to(dt), out)
    return _out(_core.call("clamp", (x,), (min, max)), out)


clip = clamp


_NUMBERS = (builtins.float, builtins.int, type(None))


def _clamp_dtype(input, min, max):  # noqa: A002
    """The result dtype of ``clamp``; PyTorch has no bool clamp kernel except one-sided tensor bounds."""
    if input._dtype.is_floating_point and min.__class__ in _NUMBERS and max.__class__ in _NUMBERS:
        return input._dtype  # the common case: numbers never widen a float tensor
    dt = dtypes.result_type(input, *[b for b in (min, max) if b is not None])
    if dt is dtypes.bool:
        tensors = isinstance(min, TensorBase) or isinstance(max, TensorBase)
        if not tensors:
            raise _not_implemented("clamp" if min is not None and max is not None else
                                   "clamp_min" if min is not None else "clamp_max", dt, input)
        if min is not None and max is not None:
            raise _not_implemented("clamp", dt, input)
    return dt


def _clamp_(self, min, max):  # noqa: A002
    if min is not None or max is not None:
        _check_castable(self, _clamp_dtype(self, min, max))
    return _write_inplace(self, clamp(self, min, max))


def clamp_min(input, min):  # noqa: A002
    """``clamp(input, min=min)``."""
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    """``clamp(input, max=max)``."""
    return clamp(input, max=max)


def _operand(value, dtype, device):
    """A tensor of ``dtype`` for a tensor or a Python number; out-of-range ints are an error."""
    if isinstance(value, TensorBase):
        return value if value._dtype is dtype else value.to(dtype)
    if dtype._category == 1 and isinstance(value, builtins.int):
        info = np.iinfo(dtype.numpy)
        if not info.min <= value <= info.max:
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    return _number(value, dtype, device)


def _number(value, dtype, device):
    """A 0-d tensor of ``dtype`` holding the Python number ``value`` exactly."""
    from ember.ops.creation import place
    return place(np.asarray(value, dtype=dtype.numpy), device)


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` is true, else ``other``, broadcast together.

    ``input`` and ``other`` may be tensors or Python numbers; the result dtype follows type
    promotion. ``where(condition)`` is ``nonzero(condition, as_tuple=True)``.

    Example::

        >>> ember.where(ember.tensor([True, False]), ember.tensor([1, 2]), 0)
        tensor([1, 0])
    """
    if not isinstance(condition, TensorBase):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    if input is None and other is None:
        from ember.ops.indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() takes 1 or 3 arguments: where(condition) or where(condition, input, other)")
    if condition._dtype is dtypes.uint8:
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and will be "
                      "removed in a future version. Use a boolean condition instead.", UserWarning, stacklevel=2)
        condition = condition.to(dtypes.bool)
    elif condition._dtype is not dtypes.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_type_name(condition._dtype)}")
    dt = dtypes.result_type(input, other)
    a = _operand(input, dt, condition.device)
    b = _operand(other, dt, condition.device)
    return _out(_core.call("where", (condition, a, b)), out)


def nan_to_num(input, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *, out=None):
    """Replace NaN, +inf and -inf by ``nan``, ``posinf`` and ``neginf``.

    ``posinf`` and ``neginf`` default to the largest and lowest finite values of the dtype.
    Integer and bool tensors are returned as copies.
    """
    _check_tensor("nan_to_num", input)
    return _out(_core.call("nan_to_num", (input,), (nan, posinf, neginf)), out)


def lerp(input, end, weight, *, out=None):
    """Linear interpolation ``input + weight * (end - input)``.

    ``input`` and ``end`` must be floating point tensors of the same dtype; ``weight`` is a
    number or a tensor of that dtype. All three broadcast together.
    """
    _check_tensor("lerp", input)
    if not isinstance(end, TensorBase):
        raise TypeError(f"lerp(): argument 'end' (position 2) must be Tensor, not {type(end).__name__}")
    dt = input._dtype
    if end._dtype is not dt:
        raise RuntimeError(f"expected dtype {_type_name(dt)} for `end` but got dtype {_type_name(end._dtype)}")
    if isinstance(weight, TensorBase):
        if weight.ndim and weight._dtype is not dt:
            raise RuntimeError(f"expected dtype {_type_name(dt)} for `weight` but got dtype "
                               f"{_type_name(weight._dtype)}")
        if not dt.is_floating_point:
            raise _not_implemented("lerp", dt, input)
        w = weight if weight._dtype is dt else weight.to(dt)
    else:
        if not dt.is_floating_point:
            raise _not_implemented("lerp", dt, input)
        w = _number(weight, dt, input.device)
    return _out(_core.call("lerp", (input, end, w)), out)


# -- composites: PyTorch's other elementwise functions, built from the ops above --------

_ADDCDIV_INTEGERS = (
    "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true "
    "division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * "
    "ember.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
    "tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * "
    "tensor1 / tensor2), for all dtypes.")


def _opmath(dt, *xs):
    """Tensors among ``xs`` in the dtype to compute a ``dt`` result in: float16 works in float32,
    so that a composite rounds once, as PyTorch's fused kernels do."""
    work = dtypes.float32 if dt is dtypes.float16 else dt
    return [x.to(work) if isinstance(x, TensorBase) and x._dtype is not work else x for x in xs]


def _scaled_sum(input, term, value, dt):
    if not (value.__class__ is builtins.int and value == 1):
        term = binary("mul", term, value if dt.is_floating_point else builtins.int(value), SAME)
    result = binary("add", input, term, SAME)
    return result if result._dtype is dt else result.to(dt)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``, broadcast together.

    Example::

        >>> ember.addcmul(ember.zeros(2), ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]), value=0.5)
        tensor([1.5000, 4.0000])
    """
    _check_tensor("addcmul", input)
    dt = dtypes.result_type(input, tensor1, tensor2)
    if dt is dtypes.bool:
        raise _not_implemented("addcmul", dt, input)
    x, a, b = _opmath(dt, input, tensor1, tensor2)
    return _out(_scaled_sum(x, _binary("mul", a, b, SAME), value, dt), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``; ``tensor1`` or ``tensor2`` must be floating point."""
    _check_tensor("addcdiv", input)
    if not _is_float(tensor1) and not _is_float(tensor2):
        raise RuntimeError(_ADDCDIV_INTEGERS)
    dt = dtypes.result_type(input, tensor1, tensor2)
    x, a, b = _opmath(dt, input, tensor1, tensor2)
    return _out(_scaled_sum(x, _binary("div", a, b, FLOAT), value, dt), out)


def frac(input, *, out=None):
    """The fractional part ``input - trunc(input)``, with the sign of ``input``."""
    _check_tensor("frac", input)
    if not input._dtype.is_floating_point:
        raise _not_implemented("frac", input._dtype, input)
    return _out(binary("sub", input, unary("trunc", input, SAME), SAME), out)


def _nan_ignoring(name: str, kernel: str, doc: str):
    def op(input, other, *, out=None):
        _check_tensors(name, input, other)
        dt = dtypes.result_type(input, other)
        a = input if input._dtype is dt else input.to(dt)
        b = other if other._dtype is dt else other.to(dt)
        result = _binary(kernel, a, b, SAME)
        if dt.is_floating_point:  # where one side is NaN, take the other
            result = where(isnan(b), a, where(isnan(a), b, result))
        return _out(result, out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


fmax = _nan_ignoring("fmax", "maximum", "The elementwise maximum, ignoring NaN unless both elements are NaN.")
fmin = _nan_ignoring("fmin", "minimum", "The elementwise minimum, ignoring NaN unless both elements are NaN.")


def logaddexp(input, other, *, out=None):
    """``log(exp(input) + exp(other))`` without overflow, for floating point tensors."""
    _check_tensors("logaddexp", input, other)
    dt = dtypes.result_type(input, other)
    if not dt.is_floating_point:
        raise _not_implemented("logaddexp", dt, input, other)
    a = input if input._dtype is dt else input.to(dt)
    b = other if other._dtype is dt else other.to(dt)
    top = _binary("maximum", a, b, SAME)
    gap = unary("neg", unary("abs", binary("sub", a, b, SAME), SAME), SAME)
    result = binary("add", top, unary("log1p", unary("exp", gap, FLOAT), FLOAT), SAME)
    same_infinity = binary("logical_and", unary("isinf", a, BOOL), binary("eq", a, b, BOOL), BOOL)
    return _out(where(same_infinity, a, result), out)


def _float_operands(name: str, input, other):
    """``input``, ``other`` (tensors or, one of them, a number) as tensors of the FLOAT result dtype."""
    if not isinstance(input, TensorBase) and not isinstance(other, TensorBase):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__})")
    dt = dtypes.result_type(input, other)
    dt = dt if dt.is_floating_point else dtypes.get_default_dtype()
    device = (input if isinstance(input, TensorBase) else other).device
    return _operand(input, dt, device), _operand(other, dt, device)


def xlogy(input, other, *, out=None):
    """``input * log(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN)."""
    x, y = _float_operands("xlogy", input, other)
    product = binary("mul", x, unary("log", y, FLOAT), SAME)
    zero = binary("logical_and", binary("eq", x, 0, BOOL), unary("logical_not", unary("isnan", y, BOOL), BOOL), BOOL)
    return _out(where(zero, 0.0, product), out)


def polygamma(n: int, input, *, out=None):
    """The ``n``-th derivative of the digamma function at each element (``polygamma(0, x)`` is
    ``digamma(x)``); integer inputs are lifted to the default float dtype."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"polygamma(): argument 'n' must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n, got n={n}")
    _check_tensor("polygamma", input)
    x = input if input._dtype.is_floating_point else input.to(dtypes.get_default_dtype())
    return _out(_core.call("polygamma", (x,), (int(n),)), out)


def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in float64 (``exponent`` may be negative for integers)."""
    if not isinstance(input, TensorBase) and not isinstance(exponent, TensorBase):
        raise TypeError(f"float_power() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(exponent).__name__})")
    base = input.to(dtypes.float64) if isinstance(input, TensorBase) else builtins.float(input)
    power = exponent.to(dtypes.float64) if isinstance(exponent, TensorBase) else builtins.float(exponent)
    return _out(binary("pow", base, power, SAME), out)


def _angle(name: str, factor: float, doc: str):
    def op(input, *, out=None):
        _check_tensor(name, input)
        x = input if input._dtype.is_floating_point else input.to(dtypes.get_default_dtype())
        return _out(binary("mul", x, factor, SAME), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


deg2rad = _angle("deg2rad", math.pi / 180, "Angles in degrees converted to radians.")
rad2deg = _angle("rad2deg", 180 / math.pi, "Angles in radians converted to degrees.")


def isposinf(input, *, out=None):
    """True where an element is +inf."""
    _check_tensor("isposinf", input)
    return _out(binary("logical_and", unary("isinf", input, BOOL), binary("gt", input, 0, BOOL), BOOL), out)


def isneginf(input, *, out=None):
    """True where an element is -inf."""
    _check_tensor("isneginf", input)
    return _out(binary("logical_and", unary("isinf", input, BOOL), binary("lt", input, 0, BOOL), BOOL), out)


def positive(input):
    """``input`` itself (``+input``); refused for bool tensors."""
    _check_tensor("positive", input)
    if input._dtype is dtypes.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


sgn = sign


# -- methods --------------------------------------------------------------------------

class PointwiseMethods:
    """The elementwise ops as ``Tensor`` methods, in-place variants and operators.

    The methods that only forward to the op of the same name (``x.add(y)`` is ``add(x, y)``) are
    made from the tables below the class; written here are those with checks of their own.
    """

    __slots__ = ()

    def add_(self, other, *, alpha=1):
        return inplace_binary("add", self, _times_alpha(self, other, alpha), SAME)

    def sub_(self, other, *, alpha=1):
        _refuse_bool_subtraction(self, other)
        return inplace_binary("sub", self, _times_alpha(self, other, alpha), SAME)

    def mul(self, other):
        return _binary("mul", self, other, SAME)

    def mul_(self, other):
        return inplace_binary("mul", self, other, SAME)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return inplace_binary("div", self, other, FLOAT)
        if rounding_mode == "floor":
            _refuse_bool("floor_divide", self, other)
            return inplace_binary("floor_divide", self, other, SAME)
        if rounding_mode == "trunc":
            _refuse_bool("div", self, other)
            return inplace_binary("trunc_divide", self, other, SAME)
        return div(self, other, rounding_mode=rounding_mode)  # raises for a bad mode

    def __ifloordiv__(self, other):
        _refuse_bool("floor_divide", self, other)
        return inplace_binary("floor_divide", self, other, SAME)

    def __imod__(self, other):
        _refuse_bool("remainder", self, other)
        return inplace_binary("remainder", self, other, SAME)

    def __rpow__(self, other):
        _check_pow(other, self)
        return binary("pow", other, self, SAME)

    def __ipow__(self, other):
        return self.pow_(other)

    def float_power_(self, exponent):
        if self._dtype is not dtypes.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype {_type_name(self._dtype)} but the "
                               f"operation's result requires dtype Double")
        return _write_inplace(self, float_power(self, exponent))

    def __invert__(self):
        if self._dtype.is_floating_point:
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
        return unary("bitwise_not", self, SAME)

    def __iand__(self, other):
        _check_castable(self, dtypes.result_type(self, other))
        _refuse_float("bitwise_and", self, other)
        return inplace_binary("bitwise_and", self, other, SAME)

    def __ior__(self, other):
        _check_castable(self, dtypes.result_type(self, other))
        _refuse_float("bitwise_or", self, other)
        return inplace_binary("bitwise_or", self, other, SAME)

    def __ixor__(self, other):
        _check_castable(self, dtypes.result_type(self, other))
        _refuse_float("bitwise_xor", self, other)
        return inplace_binary("bitwise_xor", self, other, SAME)

    def __ilshift__(self, other):
        _check_castable(self, dtypes.result_type(self, other))
        _refuse_float("bitwise_left_shift", self, other)
        _refuse_bool("bitwise_left_shift", self, other)
        return inplace_binary("bitwise_left_shift", self, other, SAME)

    def __irshift__(self, other):
        _check_castable(self, dtypes.result_type(self, other))
        _refuse_float("bitwise_right_shift", self, other)
        _refuse_bool("bitwise_right_shift", self, other)
        return inplace_binary("bitwise_right_shift", self, other, SAME)

    def pow_(self, exponent):
        _check_pow(self, exponent)
        return inplace_binary("pow", self, exponent, SAME)

    def remainder_(self, other):
        return self.__imod__(other)

    def fmod_(self, other):
        _refuse_bool("fmod", self, other)
        return inplace_binary("fmod", self, other, SAME)

    def floor_divide_(self, other):
        return self.__ifloordiv__(other)

    def atan2_(self, other):
        dt = dtypes.result_type(self, other)
        _check_castable(self, dt if dt.is_floating_point else dtypes.get_default_dtype())
        return _write_inplace(self, atan2(self, other))

    def clamp_(self, min=None, max=None):  # noqa: A002
        return _clamp_(self, min, max)

    def clamp_min(self, min):  # noqa: A002
        return clamp(self, min=min)

    def clamp_min_(self, min):  # noqa: A002
        return _clamp_(self, min, None)

    def clamp_max(self, max):  # noqa: A002
        return clamp(self, max=max)

    def clamp_max_(self, max):  # noqa: A002
        return _clamp_(self, None, max)

    def where(self, condition, other):
        return where(condition, self, other)

    def polygamma(self, n: int):
        return polygamma(n, self)

    def polygamma_(self, n: int):
        return _write_inplace(self, polygamma(n, self))


# -- the generated methods --------------------------------------------------------------

# ``x.name(...)`` is ``name(x, ...)``
_FORWARDED = [
    "add", "sub", "div", "pow", "remainder", "fmod", "floor_divide", "maximum", "minimum", "atan2", "bitwise_not",
    "clamp", "nan_to_num", "lerp", "round", "relu", "positive", "addcmul", "addcdiv", "float_power",
    "isnan", "isinf", "isfinite", "isposinf", "isneginf",
]
# ``x.name_(...)`` computes ``name(x, ...)`` and writes it into ``x`` (a result dtype ``x`` cannot hold raises)
_WRITTEN_BACK = ["addcmul", "addcdiv", "bitwise_not", "nan_to_num", "lerp", "round", "relu"]
# both of the above, for the ops of one operand
_UNARY = [
    "neg", "negative", "abs", "absolute", "sign", "exp", "exp2", "log", "log2", "log10", "log1p",
    "expm1", "sqrt", "rsqrt", "square", "sin", "cos", "tan", "asin", "acos", "atan", "arcsin",
    "arccos", "arctan", "sinh", "cosh", "tanh", "sigmoid", "floor", "ceil", "trunc", "fix",
    "reciprocal", "erf", "lgamma", "digamma", "logical_not", "frac", "deg2rad", "rad2deg", "sgn",
]
# both, for ops of two operands; the in-place comparisons write bools into any dtype, the others
# first check that ``x`` can hold the result
_COMPARISONS = ["eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal", "not_equal",
                "logical_and", "logical_or", "logical_xor"]
_BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift", "fmax", "fmin",
           "logaddexp", "xlogy"]
# operator: (op, reflected: the tensor is the right operand)
_OPERATORS = {
    "__floordiv__": ("floor_divide", False), "__rfloordiv__": ("floor_divide", True),
    "__mod__": ("remainder", False), "__rmod__": ("remainder", True), "__pow__": ("pow", False),
    "__abs__": ("abs", False), "__pos__": ("positive", False),
    "__and__": ("bitwise_and", False), "__rand__": ("bitwise_and", True),
    "__or__": ("bitwise_or", False), "__ror__": ("bitwise_or", True),
    "__xor__": ("bitwise_xor", False), "__rxor__": ("bitwise_xor", True),
    "__lshift__": ("bitwise_left_shift", False), "__rlshift__": ("bitwise_left_shift", True),
    "__rshift__": ("bitwise_right_shift", False), "__rrshift__": ("bitwise_right_shift", True),
}
_ALIASES = {"subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div", "clip": "clamp",
            "subtract_": "sub_", "multiply_": "mul_", "divide_": "div_", "true_divide_": "div_", "clip_": "clamp_"}


def _method(name: str, method, doc: str | None) -> None:
    method.__name__ = name
    method.__qualname__ = f"PointwiseMethods.{name}"
    method.__doc__ = doc
    setattr(PointwiseMethods, name, method)


def _forwarded(op):
    def method(self, *args, **kwargs):
        if "out" in kwargs:   # the methods have no out= (their ops do)
            raise TypeError(f"{op.__name__}() got an unexpected keyword argument 'out'")
        return op(self, *args, **kwargs)
    return method


def _written_back(op):
    def method_(self, *args, **kwargs):
        return _write_inplace(self, op(self, *args, **kwargs))
    return method_


def _checked_written_back(op):
    def method_(self, other):
        _check_castable(self, dtypes.result_type(self, other))
        return _write_inplace(self, op(self, other))
    return method_


def _reflected(op):
    def method(self, other):
        return op(other, self)
    return method


def _make_methods() -> None:
    ops = globals()
    for name in (*_FORWARDED, *_UNARY, *_COMPARISONS, *_BINARY):
        _method(name, _forwarded(ops[name]), ops[name].__doc__)
    for name in (*_WRITTEN_BACK, *_UNARY, *_COMPARISONS):
        _method(name + "_", _written_back(ops[name]), f"``{name}`` in place.")
    for name in _BINARY:
        _method(name + "_", _checked_written_back(ops[name]), f"``{name}`` in place.")
    for name, (op, reflected) in _OPERATORS.items():
        _method(name, (_reflected if reflected else _forwarded)(ops[op]), None)
    for alias, name in _ALIASES.items():
        setattr(PointwiseMethods, alias, getattr(PointwiseMethods, name))


_make_methods()
