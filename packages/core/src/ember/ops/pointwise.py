"""Elementwise ops: arithmetic, comparisons, logic and math functions.

Each op is a kernel name plus a result-dtype kind (``SAME``, ``FLOAT``, ``BOOL``); the
dispatcher in ``ember._core`` does promotion, broadcasting (by the kernel) and recording.
"""

from __future__ import annotations

from ember import _core
from ember._core import BOOL, FLOAT, SAME, binary, inplace_binary, unary

__all__ = [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
    "floor_divide", "remainder", "fmod", "pow", "maximum", "minimum", "atan2",
    "eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
    "neg", "negative", "abs", "absolute", "sign", "exp", "exp2", "log", "log2", "log10",
    "log1p", "expm1", "sqrt", "rsqrt", "square", "sin", "cos", "tan", "asin", "acos", "atan",
    "sinh", "cosh", "tanh", "sigmoid", "relu", "floor", "ceil", "round", "trunc",
    "reciprocal", "erf", "isnan", "isinf", "isfinite", "nan_to_num", "clamp", "clip",
    "where", "lerp", "PointwiseMethods",
]


def _out(result, out):
    if out is None:
        return result
    out.copy_(result) if out.shape == result.shape else _core.assign(out, result)
    return out


def _check_integral(name, *xs):
    for x in xs:
        if isinstance(x, _core.TensorBase) and x.dtype.is_floating_point:
            raise RuntimeError(f"\"{name}_cpu\" not implemented for '{_core._type_name(x.dtype)}'")
        if isinstance(x, float):
            raise TypeError(f"{name}(): argument 'other' must be an integer, not float")


# -- binary ---------------------------------------------------------------------------

def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, with broadcasting and type promotion."""
    if alpha != 1:
        other = binary("mul", other, alpha, SAME)
    return _out(binary("add", input, other, SAME), out)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    if alpha != 1:
        other = binary("mul", other, alpha, SAME)
    return _out(_core.subtract(input, other), out)


def mul(input, other, *, out=None):
    """``input * other``."""
    return _out(binary("mul", input, other, SAME), out)


def div(input, other, *, rounding_mode=None, out=None):
    """``input / other``; ``rounding_mode`` ``"trunc"`` or ``"floor"`` rounds the quotient."""
    if rounding_mode is None:
        return _out(binary("div", input, other, FLOAT), out)
    if rounding_mode == "floor":
        return _out(binary("floor_divide", input, other, SAME), out)
    if rounding_mode == "trunc":
        from ember.dtypes import result_type
        dt = result_type(input, other)
        q = unary("trunc", binary("div", input, other, FLOAT), SAME)
        return _out(q if dt.is_floating_point else q.to(dt), out)
    raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


def floor_divide(input, other, *, out=None):
    """``input // other`` (rounds toward negative infinity, like Python)."""
    return _out(binary("floor_divide", input, other, SAME), out)


def remainder(input, other, *, out=None):
    """Python-style ``input % other``: the result has the sign of ``other``."""
    return _out(binary("remainder", input, other, SAME), out)


def fmod(input, other, *, out=None):
    """C-style remainder: the result has the sign of ``input``."""
    return _out(binary("fmod", input, other, SAME), out)


def pow(input, exponent, *, out=None):  # noqa: A001 - PyTorch's name
    """``input ** exponent`` elementwise; either may be a Python scalar."""
    if isinstance(input, _core.TensorBase) and isinstance(exponent, int) and not input.dtype.is_floating_point \
            and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _out(binary("pow", input, exponent, SAME), out)


def maximum(input, other, *, out=None):
    """The elementwise maximum of two tensors (NaN propagates)."""
    return _out(binary("maximum", input, other, SAME), out)


def minimum(input, other, *, out=None):
    """The elementwise minimum of two tensors (NaN propagates)."""
    return _out(binary("minimum", input, other, SAME), out)


def atan2(input, other, *, out=None):
    """The angle of the point (other, input), in radians."""
    return _out(binary("atan2", input, other, FLOAT), out)


def eq(input, other, *, out=None):
    return _out(binary("eq", input, other, BOOL), out)


def ne(input, other, *, out=None):
    return _out(binary("ne", input, other, BOOL), out)


def lt(input, other, *, out=None):
    return _out(binary("lt", input, other, BOOL), out)


def le(input, other, *, out=None):
    return _out(binary("le", input, other, BOOL), out)


def gt(input, other, *, out=None):
    return _out(binary("gt", input, other, BOOL), out)


def ge(input, other, *, out=None):
    return _out(binary("ge", input, other, BOOL), out)


def logical_and(input, other, *, out=None):
    return _out(binary("logical_and", input, other, BOOL), out)


def logical_or(input, other, *, out=None):
    return _out(binary("logical_or", input, other, BOOL), out)


def logical_xor(input, other, *, out=None):
    return _out(binary("logical_xor", input, other, BOOL), out)


def bitwise_and(input, other, *, out=None):
    _check_integral("bitwise_and", input, other)
    return _out(binary("bitwise_and", input, other, SAME), out)


def bitwise_or(input, other, *, out=None):
    _check_integral("bitwise_or", input, other)
    return _out(binary("bitwise_or", input, other, SAME), out)


def bitwise_xor(input, other, *, out=None):
    _check_integral("bitwise_xor", input, other)
    return _out(binary("bitwise_xor", input, other, SAME), out)


subtract, multiply, divide, true_divide = sub, mul, div, div
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


# -- unary ----------------------------------------------------------------------------

def _unary(name: str, kind: int, doc: str):
    def op(input, *, out=None):
        return _out(unary(name, input, kind), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


neg = _unary("neg", SAME, "``-input``.")
abs = _unary("abs", SAME, "The absolute value of each element.")  # noqa: A001
sign = _unary("sign", SAME, "-1, 0 or 1 by the sign of each element.")
exp = _unary("exp", FLOAT, "e to the power of each element.")
exp2 = _unary("exp2", FLOAT, "2 to the power of each element.")
log = _unary("log", FLOAT, "The natural logarithm of each element.")
log2 = _unary("log2", FLOAT, "The base-2 logarithm of each element.")
log10 = _unary("log10", FLOAT, "The base-10 logarithm of each element.")
log1p = _unary("log1p", FLOAT, "``log(1 + input)``, accurate for small inputs.")
expm1 = _unary("expm1", FLOAT, "``exp(input) - 1``, accurate for small inputs.")
sqrt = _unary("sqrt", FLOAT, "The square root of each element.")
rsqrt = _unary("rsqrt", FLOAT, "``1 / sqrt(input)``.")
square = _unary("square", SAME, "``input * input``.")
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
relu = _unary("relu", SAME, "``max(input, 0)`` elementwise.")
floor = _unary("floor", SAME, "The largest integer not greater than each element.")
ceil = _unary("ceil", SAME, "The smallest integer not less than each element.")
trunc = _unary("trunc", SAME, "Each element rounded toward zero.")
reciprocal = _unary("reciprocal", FLOAT, "``1 / input``.")
erf = _unary("erf", FLOAT, "The error function of each element.")
isnan = _unary("isnan", BOOL, "True where an element is NaN.")
isinf = _unary("isinf", BOOL, "True where an element is +inf or -inf.")
isfinite = _unary("isfinite", BOOL, "True where an element is neither NaN nor infinite.")
logical_not = _unary("logical_not", BOOL, "True where an element is zero.")
bitwise_not = _unary("bitwise_not", SAME, "Bitwise NOT (logical NOT for bool).")
negative, absolute = neg, abs


def round(input, *, decimals: int = 0, out=None):  # noqa: A001
    """Round to the nearest integer (half to even), or to ``decimals`` decimal places."""
    if decimals == 0:
        return _out(unary("round", input, SAME), out)
    return _out(_core.call("round_decimals", (input,), (decimals,)), out)


def clamp(input, min=None, max=None, *, out=None):  # noqa: A002
    """Limit each element to ``[min, max]``; either bound may be a tensor or omitted."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None"
                           .replace("torch", "ember"))
    result = input
    if min is not None:
        result = binary("maximum", result, min, SAME)
    if max is not None:
        result = binary("minimum", result, max, SAME)
    return _out(result, out)


clip = clamp


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` is true, else ``other``; with one argument, ``nonzero``."""
    if input is None and other is None:
        from ember.ops.indexing import nonzero
        return nonzero(condition, as_tuple=True)
    from ember.dtypes import result_type
    dt = result_type(input, other)
    cond = condition if isinstance(condition, _core.TensorBase) else _as_tensor(condition)
    a = _as_tensor(input, dt, cond.device)
    b = _as_tensor(other, dt, cond.device)
    if cond.dtype.name != "bool":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_core._type_name(cond.dtype)}")
    return _out(_core.call("where", (cond, a, b)), out)


def _as_tensor(x, dtype=None, device=None):
    from ember.ops.creation import tensor
    if isinstance(x, _core.TensorBase):
        return x if dtype is None or x.dtype is dtype else x.to(dtype)
    return tensor(x, dtype=dtype, device=device)


def nan_to_num(input, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None, *, out=None):
    """Replace NaN, +inf and -inf by ``nan``, ``posinf`` and ``neginf`` (default: the dtype's
    largest and smallest finite values)."""
    return _out(_core.call("nan_to_num", (input,), (nan, posinf, neginf)), out)


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``."""
    return _out(add(input, mul(weight, sub(end, input))), out)


class PointwiseMethods:
    """The elementwise ops as ``Tensor`` methods, in-place variants and operators."""

    __slots__ = ()

    def add(self, other, *, alpha=1):
        return add(self, other, alpha=alpha)

    def add_(self, other, *, alpha=1):
        if alpha != 1:
            other = binary("mul", other, alpha, SAME)
        return inplace_binary("add", self, other, SAME)

    def sub(self, other, *, alpha=1):
        return sub(self, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        if alpha != 1:
            other = binary("mul", other, alpha, SAME)
        return inplace_binary("sub", self, other, SAME)

    def mul(self, other):
        return binary("mul", self, other, SAME)

    def mul_(self, other):
        return inplace_binary("mul", self, other, SAME)

    def div(self, other, *, rounding_mode=None):
        return div(self, other, rounding_mode=rounding_mode)

    def div_(self, other, *, rounding_mode=None):
        if rounding_mode is None:
            return inplace_binary("div", self, other, FLOAT)
        return _core.assign(self, div(self, other, rounding_mode=rounding_mode))

    subtract, multiply, divide, true_divide = sub, mul, div, div

    def __floordiv__(self, other):
        return binary("floor_divide", self, other, SAME)

    def __rfloordiv__(self, other):
        return binary("floor_divide", other, self, SAME)

    def __mod__(self, other):
        return binary("remainder", self, other, SAME)

    def __rmod__(self, other):
        return binary("remainder", other, self, SAME)

    def __pow__(self, other):
        return pow(self, other)

    def __rpow__(self, other):
        return binary("pow", other, self, SAME)

    def __ipow__(self, other):
        return inplace_binary("pow", self, other, SAME)

    def __ifloordiv__(self, other):
        return inplace_binary("floor_divide", self, other, SAME)

    def __imod__(self, other):
        return inplace_binary("remainder", self, other, SAME)

    def __abs__(self):
        return unary("abs", self, SAME)

    def __pos__(self):
        return self

    def __invert__(self):
        _check_integral("bitwise_not", self)
        return unary("bitwise_not", self, SAME)

    def __and__(self, other):
        return bitwise_and(self, other)

    def __rand__(self, other):
        return bitwise_and(other, self)

    def __or__(self, other):
        return bitwise_or(self, other)

    def __ror__(self, other):
        return bitwise_or(other, self)

    def __xor__(self, other):
        return bitwise_xor(self, other)

    def __rxor__(self, other):
        return bitwise_xor(other, self)

    def __iand__(self, other):
        return inplace_binary("bitwise_and", self, other, SAME)

    def __ior__(self, other):
        return inplace_binary("bitwise_or", self, other, SAME)

    def __ixor__(self, other):
        return inplace_binary("bitwise_xor", self, other, SAME)

    def pow(self, exponent):
        return pow(self, exponent)

    def pow_(self, exponent):
        return inplace_binary("pow", self, exponent, SAME)

    def remainder(self, other):
        return remainder(self, other)

    def fmod(self, other):
        return fmod(self, other)

    def floor_divide(self, other):
        return floor_divide(self, other)

    def maximum(self, other):
        return maximum(self, other)

    def minimum(self, other):
        return minimum(self, other)

    def atan2(self, other):
        return atan2(self, other)

    def eq(self, other):
        return eq(self, other)

    def ne(self, other):
        return ne(self, other)

    def lt(self, other):
        return lt(self, other)

    def le(self, other):
        return le(self, other)

    def gt(self, other):
        return gt(self, other)

    def ge(self, other):
        return ge(self, other)

    def logical_and(self, other):
        return logical_and(self, other)

    def logical_or(self, other):
        return logical_or(self, other)

    def logical_xor(self, other):
        return logical_xor(self, other)

    def logical_not(self):
        return logical_not(self)

    def bitwise_and(self, other):
        return bitwise_and(self, other)

    def bitwise_or(self, other):
        return bitwise_or(self, other)

    def bitwise_xor(self, other):
        return bitwise_xor(self, other)

    def bitwise_not(self):
        return self.__invert__()

    def clamp(self, min=None, max=None):  # noqa: A002
        return clamp(self, min, max)

    def clamp_(self, min=None, max=None):  # noqa: A002
        return _core.assign(self, clamp(self, min, max))

    clip, clip_ = clamp, clamp_

    def where(self, condition, other):
        return where(condition, self, other)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        return nan_to_num(self, nan, posinf, neginf)

    def lerp(self, end, weight):
        return lerp(self, end, weight)

    def round(self, *, decimals=0):
        return round(self, decimals=decimals)


def _unary_methods(names):
    """Attach ``x.name()`` and in-place ``x.name_()`` for the unary ops in ``names``."""
    for name in names:
        fn = globals()[name]

        def method(self, _fn=fn):
            return _fn(self)

        def method_(self, _fn=fn):
            return _core.assign(self, _fn(self))

        method.__name__, method_.__name__ = name, name + "_"
        method.__doc__ = fn.__doc__
        setattr(PointwiseMethods, name, method)
        setattr(PointwiseMethods, name + "_", method_)


_unary_methods([
    "neg", "negative", "abs", "absolute", "sign", "exp", "exp2", "log", "log2", "log10", "log1p",
    "expm1", "sqrt", "rsqrt", "square", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
    "cosh", "tanh", "sigmoid", "relu", "floor", "ceil", "trunc", "reciprocal", "erf",
])
for _name in ("isnan", "isinf", "isfinite"):
    setattr(PointwiseMethods, _name, globals()[_name])
