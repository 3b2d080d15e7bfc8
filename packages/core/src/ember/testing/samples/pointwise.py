"""Samples for elementwise kernels: arithmetic, comparisons, logic, math functions."""

from __future__ import annotations

import numpy as np

from ember import _core
from ember.testing.samples._base import (
    ALL,
    BOOL,
    FLOATS,
    INTS,
    NUMERIC,
    Case,
    Sample,
    api,
    binary,
    fixed,
    unary,
    values,
)


def _inplace(kernel: str, kind: int):
    """The in-place kernel ``kernel_`` through the dispatcher, as ``a += b`` runs ``add_``
    (not every one of them has a public method: PyTorch has no ``maximum_``)."""
    return lambda a, b: _core.inplace_binary(kernel, a, b, kind)


def _special(dtype, rng):
    """Values with NaN, Inf and -Inf among them (floats only; other dtypes have none)."""
    arr = values((6,), dtype, rng)
    if arr.dtype.kind == "f":
        arr[:3] = [np.nan, np.inf, -np.inf]
    return arr


_BINARY = [
    # kernel, public function, dtypes, domain of a, domain of b, dtype of the mixed-dtype case
    ("add", api.add, ALL, "any", "any", "float32"),
    ("sub", api.sub, NUMERIC, "any", "any", "float32"),
    ("mul", api.mul, ALL, "any", "any", "float32"),
    ("div", api.div, ALL, "any", "nonzero", "float32"),
    ("floor_divide", api.floor_divide, NUMERIC, "any", "nonzero", "float32"),
    ("remainder", api.remainder, NUMERIC, "any", "nonzero", "float32"),
    ("fmod", api.fmod, NUMERIC, "any", "nonzero", "float32"),
    ("pow", api.pow, NUMERIC, "positive", "small", "float32"),
    ("maximum", api.maximum, ALL, "any", "any", "float32"),
    ("minimum", api.minimum, ALL, "any", "any", "float32"),
    ("atan2", api.atan2, NUMERIC, "any", "nonzero", "float32"),
    ("eq", api.eq, ALL, "small", "small", "float32"),
    ("ne", api.ne, ALL, "small", "small", "float32"),
    ("lt", api.lt, ALL, "any", "any", "float32"),
    ("le", api.le, ALL, "small", "small", "float32"),
    ("gt", api.gt, ALL, "any", "any", "float32"),
    ("ge", api.ge, ALL, "small", "small", "float32"),
    ("logical_and", api.logical_and, ALL, "any", "any", "float32"),
    ("logical_or", api.logical_or, ALL, "any", "any", "float32"),
    ("logical_xor", api.logical_xor, ALL, "any", "any", "float32"),
    ("bitwise_and", api.bitwise_and, BOOL + INTS, "any", "any", "int32"),
    ("bitwise_or", api.bitwise_or, BOOL + INTS, "any", "any", "int32"),
    ("bitwise_xor", api.bitwise_xor, BOOL + INTS, "any", "any", "int32"),
    ("bitwise_left_shift", api.bitwise_left_shift, INTS, "small", "small", "int32"),
    ("bitwise_right_shift", api.bitwise_right_shift, INTS, "any", "small", "int32"),
]

_UNARY = [
    # kernel, public function, dtypes, domain
    ("neg", api.neg, NUMERIC, "any"), ("abs", api.abs, NUMERIC, "any"),
    ("sign", api.sign, NUMERIC, "any"), ("exp", api.exp, NUMERIC, "small"),
    ("exp2", api.exp2, NUMERIC, "small"), ("expm1", api.expm1, NUMERIC, "small"),
    ("log", api.log, NUMERIC, "positive"), ("log2", api.log2, NUMERIC, "positive"),
    ("log10", api.log10, NUMERIC, "positive"), ("log1p", api.log1p, NUMERIC, "positive"),
    ("sqrt", api.sqrt, NUMERIC, "positive"), ("rsqrt", api.rsqrt, NUMERIC, "positive"),
    ("reciprocal", api.reciprocal, NUMERIC, "nonzero"), ("square", api.square, NUMERIC, "any"),
    ("sin", api.sin, NUMERIC, "any"), ("cos", api.cos, NUMERIC, "any"),
    ("tan", api.tan, NUMERIC, "unit"), ("asin", api.asin, FLOATS, "unit"),
    ("acos", api.acos, FLOATS, "unit"), ("atan", api.atan, NUMERIC, "any"),
    ("sinh", api.sinh, NUMERIC, "small"), ("cosh", api.cosh, NUMERIC, "small"),
    ("tanh", api.tanh, NUMERIC, "any"), ("sigmoid", api.sigmoid, NUMERIC, "any"),
    ("erf", api.erf, NUMERIC, "any"), ("relu", api.relu, NUMERIC, "any"),
    ("floor", api.floor, NUMERIC, "any"), ("ceil", api.ceil, NUMERIC, "any"),
    ("trunc", api.trunc, NUMERIC, "any"), ("round", api.round, NUMERIC, "any"),
    ("logical_not", api.logical_not, ALL, "any"), ("bitwise_not", api.bitwise_not, BOOL + INTS, "any"),
]

def _gamma(domain: str):
    """Cases for the gamma family: ``unary(domain)`` plus, for floats, negative values between the poles
    (never an integer) and large ones (the functions' asymptotic branches)."""

    def build(dtype, rng):
        out = unary(domain)(dtype, rng)
        if np.dtype(dtype).kind == "f":
            between = -rng.integers(0, 4, size=6) - rng.uniform(0.25, 0.75, size=6)
            out += [Case("between the poles", (between.astype(dtype),)),
                    Case("large", (rng.uniform(10, 60, size=5).astype(dtype),))]
        return out

    return build


_COMPARISONS = ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor")

SAMPLES = []
for kernel, fn, dtypes, da, db, mixed in _BINARY:
    SAMPLES.append(Sample(kernel, fn, binary(da, db, mixed=mixed), dtypes))
    # the in-place variant writes into its first argument (which must not need broadcasting)
    kind = _core.BOOL if kernel in _COMPARISONS else _core.FLOAT if kernel in ("div", "atan2") else _core.SAME
    inplace_dtypes = FLOATS if kind == _core.FLOAT else dtypes  # an int tensor cannot hold a / b in place
    SAMPLES.append(Sample(kernel + "_", _inplace(kernel, kind), binary(da, db, mixed=mixed), inplace_dtypes,
                          grad=False))
SAMPLES.append(Sample("div", lambda a, b: api.div(a, b, rounding_mode="floor"), binary("any", "nonzero"),
                      NUMERIC, name="div_floor"))
SAMPLES.append(Sample("trunc_divide", lambda a, b: api.div(a, b, rounding_mode="trunc"),
                      binary("any", "nonzero"), NUMERIC))
SAMPLES.append(Sample("trunc_divide_", _inplace("trunc_divide", _core.SAME), binary("any", "nonzero"), NUMERIC,
                      grad=False))

for kernel, fn, dtypes, domain in _UNARY:
    SAMPLES.append(Sample(kernel, fn, unary(domain), dtypes))

for kernel in ("isnan", "isinf", "isfinite"):
    SAMPLES.append(Sample(kernel, getattr(api, kernel), fixed(("special values", lambda d, r: (_special(d, r),)),
                                                                 ("3-d", lambda d, r: (values((2, 3, 4), d, r),)),
                                                                 ("0-d", lambda d, r: (values((), d, r),))), ALL))

SAMPLES += [
    Sample("lgamma", api.lgamma, _gamma("positive"), NUMERIC),
    Sample("digamma", api.digamma, _gamma("positive"), NUMERIC),
    *(Sample("polygamma", lambda x, n=n: api.polygamma(n, x), _gamma("positive"), NUMERIC, name=f"polygamma_{n}")
      for n in (0, 1, 2, 3)),

    # no gradient check: the output holds the dtype's largest value, which overflows the check's product
    Sample("nan_to_num", api.nan_to_num, fixed(("special values", lambda d, r: (_special(d, r),)),
                                               ("2-d", lambda d, r: (values((2, 3), d, r),))), NUMERIC, grad=False),
    Sample("nan_to_num", lambda x: api.nan_to_num(x, nan=1.5, posinf=9.0, neginf=-9.0),
           fixed(("special values", lambda d, r: (_special(d, r),))), FLOATS, name="nan_to_num_values"),
    Sample("round_decimals", lambda x: api.round(x, decimals=2), unary("any"), FLOATS),
    Sample("where", api.where, fixed(
        ("same shape", lambda d, r: (values((2, 3), d, r, "bool"), values((2, 3), d, r), values((2, 3), d, r))),
        ("broadcast", lambda d, r: (values((3, 1), d, r, "bool"), values((4,), d, r), values((3, 4), d, r))),
        ("0-d", lambda d, r: (values((), d, r, "bool"), values((), d, r), values((), d, r))),
        ("empty", lambda d, r: (values((0, 2), d, r, "bool"), values((0, 2), d, r), values((2,), d, r))),
        ("non-contiguous", lambda d, r: (values((3, 4), d, r, "bool", "F"), values((3, 4), d, r, order="F"),
                                         values((3, 4), d, r))),
        ("python scalar", lambda d, r: (values((2, 3), d, r, "bool"), values((2, 3), d, r), 1)),
    ), ALL),
    Sample("clamp", lambda x: api.clamp(x, min=-1, max=1), unary("any"), NUMERIC, name="clamp_scalars"),
    Sample("clamp", lambda x: api.clamp(x, min=0.5), unary("any"), FLOATS, name="clamp_min"),
    Sample("clamp", lambda x, lo, hi: api.clamp(x, min=lo, max=hi), fixed(
        ("tensor bounds", lambda d, r: (values((2, 3), d, r), values((3,), d, r) - 1, values((2, 1), d, r) + 1)),
    ), FLOATS, name="clamp_tensors"),
    Sample("lerp", lambda a, b, w: api.lerp(a, b, w), fixed(
        ("scalar weight", lambda d, r: (values((2, 3), d, r), values((2, 3), d, r), 0.25)),
        ("tensor weight", lambda d, r: (values((2, 3), d, r), values((3,), d, r), values((2, 3), d, r, "unit"))),
        ("0-d", lambda d, r: (values((), d, r), values((), d, r), 0.5)),
        ("non-contiguous", lambda d, r: (values((3, 4), d, r, order="F"), values((3, 4), d, r), 0.75)),
    ), FLOATS),
]
