"""CPU kernels for elementwise ops: NumPy ufuncs, plus in-place variants (``name_``)."""

import numpy as np

BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide,
    "floor_divide": np.floor_divide, "remainder": np.remainder, "fmod": np.fmod,
    "pow": np.power, "maximum": np.maximum, "minimum": np.minimum, "atan2": np.arctan2,
    "eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
    "gt": np.greater, "ge": np.greater_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
}

UNARY = {
    "neg": np.negative, "abs": np.abs, "sign": np.sign, "exp": np.exp, "log": np.log,
    "log1p": np.log1p, "expm1": np.expm1, "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos,
    "tan": np.tan, "tanh": np.tanh, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc,
    "round": np.round, "reciprocal": np.reciprocal, "isnan": np.isnan, "isinf": np.isinf,
    "isfinite": np.isfinite, "logical_not": np.logical_not, "bitwise_not": np.invert,
    "exp2": np.exp2, "log2": np.log2, "log10": np.log10, "square": np.square,
    "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
}


def _inplace(ufunc):
    return lambda x, y: ufunc(x, y, out=x)


KERNELS = {}
KERNELS.update(BINARY)
KERNELS.update({name + "_": _inplace(fn) for name, fn in BINARY.items()})
KERNELS.update(UNARY)


def _sigmoid(x):
    # tanh form: no overflow for large |x|, one pass fewer than the piecewise form
    return np.multiply(np.tanh(np.multiply(x, 0.5, dtype=x.dtype)) + 1, 0.5, dtype=x.dtype)


def _nan_to_num(x, nan, posinf, neginf):
    if x.dtype.kind != "f":
        return x.copy()
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


KERNELS.update({
    "rsqrt": lambda x: np.reciprocal(np.sqrt(x)),
    "sigmoid": _sigmoid,
    "relu": lambda x: np.maximum(x, x.dtype.type(0)),
    "where": np.where,
    "nan_to_num": _nan_to_num,
    "round_decimals": lambda x, decimals: np.round(x, decimals),
})
