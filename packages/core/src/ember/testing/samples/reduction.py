"""Samples for reductions over all elements or given dims, and cumulative ops."""

from __future__ import annotations

import numpy as np

import ember
from ember.testing.samples._base import ALL, BOOL, FLOATS, INTS, NUMERIC, Case, Sample, api, values


def over(domain: str = "any", empty: str | None = "both", zero_d: bool = True):
    """Cases ``(x, dim, keepdim)``: all elements, one dim, several dims, negative dims,
    0-d, non-contiguous and empty inputs: reduced over the empty dim too if ``empty`` is
    "both", only over the other dim if "other" (a mean of nothing is NaN), never if None.
    ``zero_d=False`` leaves out the 0-d input (the variance of one value is NaN)."""

    def cases(dtype, rng):
        v = lambda shape, order="C": values(shape, dtype, rng, domain, order)  # noqa: E731
        out = [Case("all elements", (v((2, 3, 4)), None, False)),
               Case("one dim", (v((2, 3, 4)), 1, False)),
               Case("two dims, keepdim", (v((2, 3, 4)), (0, 2), True)),
               Case("negative dim", (v((3, 5)), -1, True)),
               Case("non-contiguous", (v((3, 4), "F"), 0, False))]
        if zero_d:
            out.append(Case("0-d", (v(()), None, False)))
        if empty:
            out.append(Case("empty, over the other dim", (v((0, 3)), 1, False)))
        if empty == "both":
            out.append(Case("empty, over the empty dim", (v((0, 3)), 0, False)))
        return out

    return cases


def reduce(name: str, **kwargs):
    """``ember.<name>(x)`` over all elements, else ``ember.<name>(x, dim, keepdim=...)``."""

    def op(x, dim, keepdim):
        fn = getattr(api, name)
        return fn(x, **kwargs) if dim is None else fn(x, dim, keepdim=keepdim, **kwargs)

    return op


def _with_nan(dtype, rng):
    arr = values((3, 4), dtype, rng)
    arr[0, 1] = arr[2, 3] = np.nan
    return arr


def _cumulative(name: str):
    return lambda x, dim, keepdim: getattr(api, name)(x, 0 if dim is None else dim if isinstance(dim, int)
                                                      else dim[0])


SAMPLES = [
    Sample("sum", reduce("sum"), over(), ALL),
    Sample("sum", reduce("sum", dtype=ember.float64), over(), NUMERIC, name="sum_dtype"),
    Sample("mean", reduce("mean"), over(empty="other"), FLOATS),
    Sample("prod", reduce("prod"), over("small"), ALL),
    Sample("nansum", lambda x: api.nansum(x, 1), lambda d, r: [Case("with NaN", (_with_nan(d, r),))], FLOATS),
    Sample("nanmean", lambda x: api.nanmean(x, 0), lambda d, r: [Case("with NaN", (_with_nan(d, r),))], FLOATS),
    Sample("amax", reduce("amax"), over(empty="other"), ALL),
    Sample("amin", reduce("amin"), over(empty="other"), ALL),
    Sample("amax", lambda x, dim, keepdim: api.max(x), over(empty="other"), ALL, name="max_all"),
    Sample("max_dim", lambda x, dim: api.max(x, dim), lambda d, r: [
        Case("dim 1", (values((3, 4), d, r, "distinct"), 1)),
        Case("dim -1 of 3-d", (values((2, 3, 2), d, r, "distinct"), -1)),
        Case("0-d", (values((), d, r), 0)),
        Case("non-contiguous", (values((3, 4), d, r, "distinct", "F"), 0))], NUMERIC),
    Sample("min_dim", lambda x, dim: api.min(x, dim, keepdim=True), lambda d, r: [
        Case("dim 0", (values((3, 4), d, r, "distinct"), 0)),
        Case("non-contiguous", (values((3, 4), d, r, "distinct", "F"), 1))], NUMERIC),
    Sample("argmax", reduce("argmax"), over("distinct", empty="other"), NUMERIC),
    Sample("argmin", reduce("argmin"), over("distinct", empty="other"), NUMERIC),
    Sample("var", reduce("var"), over(empty="other", zero_d=False), FLOATS),
    Sample("var", reduce("var", correction=0), over(empty="other"), FLOATS, name="var_correction_0"),
    Sample("std", reduce("std"), over(empty="other", zero_d=False), FLOATS),
    Sample("norm", lambda x, dim, keepdim: api.norm(x, dim=dim, keepdim=keepdim), over(), FLOATS, optional=True),
    Sample("norm", lambda x, dim, keepdim: api.norm(x, p=1, dim=dim), over(), FLOATS, optional=True, name="norm_1"),
    Sample("norm", lambda x, dim, keepdim: api.norm(x, p=float("inf"), dim=dim), over(empty="other"), FLOATS,
           optional=True, name="norm_inf"),
    Sample("logsumexp", lambda x, dim, keepdim: api.logsumexp(x, 0 if dim is None else dim, keepdim=keepdim),
           over(empty="other"), FLOATS, optional=True),
    Sample("all", reduce("all"), over(), BOOL + INTS + FLOATS),
    Sample("any", reduce("any"), over(), BOOL + INTS + FLOATS),
    Sample("cumsum", _cumulative("cumsum"), over(), ALL),
    Sample("cumprod", _cumulative("cumprod"), over("small"), NUMERIC),
]
