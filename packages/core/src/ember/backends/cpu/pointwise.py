"""CPU kernels for elementwise ops: NumPy ufuncs, plus in-place variants (``name_``).

The dispatcher has already promoted the operands, so a kernel sees arrays of the result's
dtype (or Python scalars). The hot ops (``add``, ``mul``, ...) are bare ufuncs; a kernel is
a Python function only where NumPy's semantics differ from PyTorch's.
"""

import numpy as np

from ember.backends.cpu._pointwise import nan_to_num as _nan_to_num_float
from ember.backends.cpu._special import erf, lgamma
from ember.backends.cpu.special import digamma, polygamma

try:  # the ufunc behind np.clip: one vectorised pass, without np.clip's Python wrapper
    from numpy._core.umath import clip as _clip
except ImportError:  # NumPy 1.x
    from numpy.core.umath import clip as _clip


_NEGATION = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
             "invert a mask, use the `~` or `logical_not()` operator instead.")


def _array_of(x, y):
    return x if isinstance(x, np.ndarray) else y


def _checked_division(ufunc):
    """Integer division by zero is an error in PyTorch (NumPy returns 0 with a warning)."""
    def kernel(x, y):
        if _array_of(x, y).dtype.kind in "iu" and not np.all(y):
            raise RuntimeError("ZeroDivisionError")
        return ufunc(x, y)
    kernel.__name__ = ufunc.__name__
    return kernel


def _trunc_divide(x, y):
    if _array_of(x, y).dtype.kind == "f":
        return np.trunc(np.true_divide(x, y))
    q = np.floor_divide(x, y)
    # floor and trunc differ where the division is inexact and the signs differ
    inexact = (np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0))
    return np.add(q, inexact, out=q, casting="unsafe") if isinstance(q, np.ndarray) else q + inexact


def _pow(x, y):
    if _array_of(x, y).dtype == np.bool_:  # a bool tensor to a bool power: x ** True is x, x ** False is 1
        return np.logical_or(x, np.logical_not(y))
    try:
        if isinstance(x, np.ndarray) and isinstance(y, (int, float)):
            return x ** y  # ndarray.__pow__ has fast paths for 2, 0.5, -1 that np.power lacks
        return np.power(x, y)
    except ValueError:  # an integer to a negative integer power: 0, except for bases 1 and -1
        dt = np.result_type(x, y)
        x, y = np.asarray(x, dt), np.asarray(y, dt)
        negative = y < 0
        out = np.power(x, np.where(negative, 0, y).astype(dt))
        odd = np.remainder(y, 2) != 0
        special = np.where(x == 1, 1, np.where(x == -1, np.where(odd, -1, 1), 0)).astype(dt)
        return np.where(negative, special, out)


BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "floor_divide": _checked_division(np.floor_divide),
    "trunc_divide": _checked_division(_trunc_divide),
    "remainder": _checked_division(np.remainder), "fmod": _checked_division(np.fmod),
    "pow": _pow, "maximum": np.maximum, "minimum": np.minimum, "atan2": np.arctan2,
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
    "bitwise_left_shift": np.left_shift, "bitwise_right_shift": np.right_shift,
}


def _wrapped_scalar(x, y):
    """A Python int out of ``x``'s range, wrapped to ``x``'s dtype as a C cast (and PyTorch) does."""
    return np.asarray(y).astype(x.dtype) if isinstance(y, int) else y


def _inplace(fn):
    if isinstance(fn, np.ufunc):
        def kernel(x, y):
            try:
                fn(x, y, out=x, casting="unsafe")  # the dispatcher has checked the categories
            except OverflowError:
                fn(x, _wrapped_scalar(x, y), out=x, casting="unsafe")
    else:
        def kernel(x, y):
            np.copyto(x, fn(x, y), casting="unsafe")
    return kernel


def _neg(x):
    if x.dtype == np.bool_:
        raise RuntimeError(_NEGATION)
    return np.negative(x)


def _sigmoid(x):
    # 1 / (1 + exp(-x)) as PyTorch computes it: accurate relative to the result everywhere (sigmoid(-40) =
    # 4.2e-18, where the tanh form 0.5 * (1 + tanh(x / 2)) cancels to 0 and loses digits from about -8 on);
    # exp(-x) overflows to inf below about -88 in float32, which gives 0 (the dispatcher silences NumPy's
    # warning). float16 is computed in float32, as PyTorch does.
    work = x.astype(np.float32) if x.dtype == np.float16 else x
    out = np.negative(work, out=np.empty_like(work))
    np.exp(out, out=out)
    out += 1
    np.reciprocal(out, out=out)
    return out.astype(np.float16) if x.dtype == np.float16 else out


def _sign(x):
    # PyTorch's sign(NaN) is 0, NumPy's is NaN
    out = np.sign(x)
    if x.dtype.kind == "f":
        out = np.asarray(out)  # 0-d inputs give NumPy scalars
        out[np.isnan(out)] = 0
    return out


def _nan_to_num(x, nan, posinf, neginf):
    if x.dtype.kind != "f":
        return x.copy()
    return _nan_to_num_float(x, nan, posinf, neginf)


def _bound(x, value):
    """A clamp bound in ``x``'s dtype; out-of-range ints wrap, as in PyTorch."""
    return value if value is None or x.dtype.kind == "f" else np.asarray(value).astype(x.dtype)


def _clamp(x, lo, hi):
    # clip propagates NaN (of x and of the bounds) and gives max where min > max, as PyTorch does
    lo, hi = _bound(x, lo), _bound(x, hi)
    if x.dtype.kind == "f":
        return _clip(x, -np.inf if lo is None else lo, np.inf if hi is None else hi)
    if lo is None:
        return np.minimum(x, hi)
    out = np.asarray(np.maximum(x, lo))
    return out if hi is None else np.minimum(out, hi, out=out)


def _relu(x):
    # clip keeps -0.0 as PyTorch's relu does; NumPy's maximum with a scalar is not vectorised
    return _clip(x, 0, np.inf) if x.dtype.kind == "f" else np.maximum(x, x.dtype.type(0))


def _lerp(start, end, weight):
    # PyTorch's two-sided form: exact at weight 0 and 1
    if weight.ndim == 0:
        w = weight.item()
        diff = np.asarray(np.subtract(end, start))  # 0-d operands give NumPy scalars
        if abs(w) < 0.5:
            return np.add(start, np.multiply(diff, w, out=diff), out=diff)
        return np.subtract(end, np.multiply(diff, 1 - w, out=diff), out=diff)
    diff = np.subtract(end, start)
    low = np.add(start, np.multiply(weight, diff))
    high = np.subtract(end, np.multiply(diff, np.subtract(1, weight, dtype=start.dtype)))
    return np.where(np.abs(weight) < 0.5, low, high).astype(start.dtype, copy=False)


UNARY = {
    "neg": _neg, "abs": np.abs, "sign": _sign, "exp": np.exp, "log": np.log,
    "log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "tanh": np.tanh, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc,
    "round": np.round, "reciprocal": np.reciprocal, "isnan": np.isnan, "isinf": np.isinf,
    "isfinite": np.isfinite, "logical_not": np.logical_not, "bitwise_not": np.invert,
    "exp2": np.exp2, "log2": np.log2, "log10": np.log10, "square": np.square,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "rsqrt": lambda x: np.reciprocal(np.sqrt(x)),
    "sigmoid": _sigmoid,
    "relu": _relu,
    "erf": erf,
    "lgamma": lgamma,
    "digamma": digamma,
}

KERNELS = {}
KERNELS.update(BINARY)
KERNELS.update({name + "_": _inplace(fn) for name, fn in BINARY.items()})
KERNELS.update(UNARY)
KERNELS.update({
    "where": np.where,
    "nan_to_num": _nan_to_num,
    "round_decimals": lambda x, decimals: np.round(x, decimals),
    "clamp": _clamp,
    "lerp": _lerp,
    "polygamma": polygamma,
})
