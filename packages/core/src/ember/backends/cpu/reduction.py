"""CPU kernels for reductions. ``dim`` is a tuple of non-negative axes or None (all).

float16 inputs accumulate in float32 and round once at the end, as PyTorch's CPU kernels do.
Sums of floats go through ``_add_reduce``, which keeps NumPy's pairwise summation along the
contiguous axis and sums long strided axes in blocks, so no sum's rounding grows with its length.
Empty inputs and 0-d inputs are valid here; the op layer has refused the reductions that
have no identity (``max`` of nothing).
"""

import math

import numpy as np

_HALF = np.dtype(np.float16)


def _work(x):
    """``x`` in the dtype to accumulate in."""
    return x.astype(np.float32) if x.dtype == _HALF else x


def _count(shape, dim) -> int:
    return math.prod(shape) if dim is None else math.prod(shape[d] for d in dim)


def _reduced_shape(shape, dim, keepdim):
    dims = range(len(shape)) if dim is None else dim
    if keepdim:
        return tuple(1 if i in dims else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in dims)


def _squeeze(out, dim, keepdim):
    return out if keepdim else out.reshape(_reduced_shape(out.shape, dim, False))


BLOCK = 64   # rows of a strided axis summed one after another before the partial sums are combined


def _add_reduce(x, axis=None, keepdims=False, dtype=None):
    """``np.add.reduce`` whose rounding error does not grow with the length of a strided axis.

    NumPy sums a contiguous run pairwise, but any other axis row by row into one accumulator:
    summing 4096 float32 rows rounded 15x worse than PyTorch's cascade (1e-6 against 6e-8).
    Here trailing reduced axes are summed as one contiguous run, and a longer strided axis
    BLOCK rows at a time, then its partial sums (one more pass over 1/BLOCK of the data).
    """
    axes = tuple(range(x.ndim)) if axis is None else tuple(sorted(axis))
    strided = [a for a in axes if x.shape[a] > 2 * BLOCK and a != x.ndim - 1]
    if not strided or np.dtype(dtype or x.dtype).kind not in "fc":
        return np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=dtype)
    if dtype is not None:
        x = x.astype(dtype, copy=False)
    if math.prod(x.shape[strided[-1] + 1:]) < BLOCK:
        # rows too short for blocks to pay: the reduced axes moved last, summed as contiguous runs
        kept = [a for a in range(x.ndim) if a not in axes]
        runs = np.ascontiguousarray(x.transpose(kept + list(axes))).reshape([x.shape[a] for a in kept] + [-1])
        return np.add.reduce(runs, axis=-1).reshape(_reduced_shape(x.shape, axes, keepdims))
    out = np.ascontiguousarray(x)
    trailing = 0          # reduced axes at the end: one contiguous run per kept index
    while trailing < len(axes) and axes[-1 - trailing] == x.ndim - 1 - trailing:
        trailing += 1
    lead = x.shape[:x.ndim - trailing]
    if trailing:
        out = np.add.reduce(out.reshape(lead + (-1,)), axis=-1)
    for a in reversed(axes[:len(axes) - trailing]):     # highest first, so lower axes keep their numbers
        out = _blocked_sum(out, a)
    return out.reshape(_reduced_shape(x.shape, axes, keepdims))


def _blocked_sum(x, a):
    """``x`` summed over its axis ``a`` (kept, size 1): BLOCK rows at a time, then the partial sums."""
    n = x.shape[a]
    if n <= 2 * BLOCK:
        return np.add.reduce(x, axis=a, keepdims=True)
    whole = n - n % BLOCK
    before = (slice(None),) * a
    head = x[before + (slice(0, whole),)]
    partial = np.add.reduce(head.reshape(x.shape[:a] + (whole // BLOCK, BLOCK) + x.shape[a + 1:]), axis=a + 1)
    total = _blocked_sum(partial, a)
    if whole != n:
        total += np.add.reduce(x[before + (slice(whole, n),)], axis=a, keepdims=True)
    return total


def _sum(x, dim, keepdim, dt):
    if dt is None and x.dtype == _HALF:
        return _add_reduce(x, dim, keepdim, np.float32).astype(_HALF)
    return _add_reduce(x, dim, keepdim, dt)


def _mean(x, dim, keepdim, dt):
    if dt is not None:
        x = x.astype(dt, copy=False)
    total = _add_reduce(_work(x), dim, keepdim)
    return np.true_divide(total, _count(x.shape, dim)).astype(x.dtype, copy=False)


def _nanmean(x, dim, keepdim):
    """The mean of the non-NaN values; NaN where there are none (NumPy's ``nanmean`` would warn)."""
    w = _work(x)
    nan = np.isnan(w)
    total = np.add.reduce(np.where(nan, w.dtype.type(0), w), axis=dim, keepdims=keepdim)
    count = np.add.reduce(~nan, axis=dim, keepdims=keepdim, dtype=w.dtype)
    return np.true_divide(total, count).astype(x.dtype, copy=False)


def _prod(x, dim, keepdim, dt):
    if dt is None and x.dtype == _HALF:
        return np.prod(x, axis=dim, keepdims=keepdim, dtype=np.float32).astype(_HALF)
    return np.prod(x, axis=dim, keepdims=keepdim, dtype=dt)


def _extreme(ufunc):
    def kernel(x, dim, keepdim):
        if x.size == 0:
            return np.empty(_reduced_shape(x.shape, dim, keepdim), x.dtype)
        return ufunc.reduce(x, axis=dim, keepdims=keepdim)
    return kernel


def _extreme_with_index(ufunc, arg):
    def kernel(x, dim, keepdim):
        if x.ndim == 0:
            return x.copy(), np.zeros((), np.int64)
        if x.size == 0:
            shape = _reduced_shape(x.shape, (dim,), keepdim)
            return np.empty(shape, x.dtype), np.empty(shape, np.int64)
        # two passes beat gathering at the indices; both see NaN first, so they agree on it
        values = ufunc.reduce(x, axis=dim, keepdims=keepdim)
        return values, arg(x, axis=dim, keepdims=keepdim).astype(np.int64, copy=False)
    return kernel


def _arg(fn):
    def kernel(x, dim, keepdim):
        if x.size == 0:  # the op layer refused dim=None
            return np.empty(_reduced_shape(x.shape, (dim,), keepdim), np.int64)
        return np.asarray(fn(x, axis=dim, keepdims=keepdim)).astype(np.int64, copy=False)
    return kernel


def _var(x, dim, correction, keepdim):
    work = _work(x)
    mean = np.true_divide(_add_reduce(work, dim, True), _count(x.shape, dim))
    dev = np.asarray(np.subtract(work, mean))  # 0-d inputs give NumPy scalars
    squares = _add_reduce(np.multiply(dev, dev, out=dev), dim, keepdim)
    dof = max(_count(x.shape, dim) - correction, 0)
    return np.true_divide(squares, dof).astype(x.dtype, copy=False)



def _std(x, dim, correction, keepdim):
    return np.sqrt(_var(x, dim, correction, keepdim))


def _norm(x, p, dim, keepdim):
    work = _work(x)
    if p == 2:
        out = np.sqrt(_add_reduce(np.square(work), dim, keepdim))
    elif p == 1:
        out = _add_reduce(np.abs(work), dim, keepdim)
    elif p == math.inf:
        out = _extreme(np.maximum)(np.abs(work), dim, keepdim)
    elif p == -math.inf:
        out = _extreme(np.minimum)(np.abs(work), dim, keepdim)
    elif p == 0:
        out = np.sum(work != 0, axis=dim, keepdims=keepdim, dtype=work.dtype)
    else:
        out = np.power(np.sum(np.power(np.abs(work), p), axis=dim, keepdims=keepdim), 1.0 / p)
    return np.asarray(out).astype(x.dtype, copy=False)


def _logsumexp(x, dim, keepdim):
    work = _work(x)
    if work.size == 0:
        out = np.log(np.sum(np.exp(work), axis=dim, keepdims=keepdim))
    else:
        top = np.asarray(np.maximum.reduce(work, axis=dim, keepdims=True))
        top[~np.isfinite(top)] = 0  # all -inf stays -inf, an inf stays inf
        out = np.log(np.sum(np.exp(work - top), axis=dim, keepdims=True)) + top
        out = _squeeze(out, dim, keepdim)
    return np.asarray(out).astype(x.dtype, copy=False)


def _cumulative(fn):
    def kernel(x, dim, dt):
        if dt is None and x.dtype == _HALF:
            return kernel(x, dim, np.float32).astype(_HALF)
        if x.ndim == 0:
            return x.astype(dt or x.dtype)
        return fn(x, axis=dim, dtype=dt)
    return kernel


KERNELS = {
    "sum": _sum,
    "mean": _mean,
    "prod": _prod,
    "amax": _extreme(np.maximum),
    "amin": _extreme(np.minimum),
    "max_dim": _extreme_with_index(np.maximum, np.argmax),
    "min_dim": _extreme_with_index(np.minimum, np.argmin),
    "argmax": _arg(np.argmax),
    "argmin": _arg(np.argmin),
    "var": _var,
    "std": _std,
    "norm": _norm,
    "logsumexp": _logsumexp,
    "all": lambda x, dim, keepdim: np.all(x, axis=dim, keepdims=keepdim),
    "any": lambda x, dim, keepdim: np.any(x, axis=dim, keepdims=keepdim),
    "cumsum": _cumulative(np.cumsum),
    "cumprod": _cumulative(np.cumprod),
    "nansum": lambda x, dim, keepdim, dt: np.nansum(x, axis=dim, keepdims=keepdim, dtype=dt),
    "nanmean": _nanmean,
}
