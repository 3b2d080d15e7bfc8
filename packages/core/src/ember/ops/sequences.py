"""Operations along one dim of a sequence: ``diff``, ``trapezoid``/``trapz``, ``cumulative_trapezoid``,
running extremes ``cummax``/``cummin`` and ``logcumsumexp``."""

from __future__ import annotations

import numpy as np

from ember import _core, dtypes
from ember.ops import return_types
from ember.ops.creation import tensor, zeros, zeros_like
from ember.ops.pointwise import isfinite, logical_xor, where
from ember.ops.shape import cat

__all__ = ["diff", "trapezoid", "trapz", "cumulative_trapezoid", "cummax", "cummin", "logcumsumexp"]


def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim`` (``prepend``/``append`` joined on first); for bool
    tensors, where neighbours differ."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = dim % input.ndim
    parts = [t if t.ndim == input.ndim else t.expand(tuple(input.shape[:d]) + (1,) + tuple(input.shape[d + 1:]))
             for t in (prepend, input, append) if t is not None]
    x = cat(parts, dim=d) if len(parts) > 1 else input
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        a, b = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = logical_xor(a, b) if x.dtype is dtypes.bool else a - b
    return x


def _spacing(y, x, dx, d: int):
    """The widths of the intervals along dim ``d`` (a tensor, broadcastable), or the scalar ``dx``."""
    if x is None:
        return 1.0 if dx is None else dx
    if x.ndim == 1:
        widths = x[1:] - x[:-1]
        shape = [1] * y.ndim
        shape[d] = widths.shape[0]
        return widths.reshape(shape)
    return diff(x, dim=d)


def trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The integral of ``y`` along ``dim`` by the trapezoidal rule, at points ``x`` (or spacing ``dx``)."""
    if x is not None and dx is not None:
        raise RuntimeError("trapezoid: received both x and dx; pass only one of them")
    d = dim % y.ndim
    length = y.shape[d]
    if length == 0:
        return y.sum(dim=d) * 0
    pairs = y.narrow(d, 1, length - 1) + y.narrow(d, 0, length - 1)
    return (pairs * _spacing(y, x, dx, d)).sum(dim=d) / 2


def trapz(y, x=None, *, dx=None, dim: int = -1):
    """``trapezoid`` (its older name)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """The running trapezoidal integral of ``y`` along ``dim`` (one shorter than ``y``)."""
    d = dim % y.ndim
    length = y.shape[d]
    if length == 0:
        return y
    pairs = (y.narrow(d, 1, length - 1) + y.narrow(d, 0, length - 1)) * _spacing(y, x, dx, d) / 2
    return pairs.cumsum(d)


def _running_extreme(fn: str, input, dim: int, better):
    if not isinstance(input, _core.TensorBase):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if input.ndim == 0:
        return return_types.__dict__[fn]((input.clone(), zeros((), dtype=dtypes.int64, device=input.device)))
    d = dim % input.ndim
    a = np.moveaxis(input.detach().cpu().numpy(), d, -1)
    idx = np.zeros(a.shape, dtype=np.int64)
    best = a[..., 0].copy()
    current = np.zeros(a.shape[:-1], dtype=np.int64)
    for i in range(1, a.shape[-1]):   # the latest of equal extremes wins, and a NaN sticks, as in PyTorch
        v = a[..., i]
        take = (np.isnan(v) | better(v, best)) & ~np.isnan(best) if a.dtype.kind == "f" else better(v, best)
        best = np.where(take, v, best)
        current = np.where(take, i, current)
        idx[..., i] = current
    index = tensor(np.ascontiguousarray(np.moveaxis(idx, -1, d)), device=input.device)
    return return_types.__dict__[fn]((input.gather(d, index), index))


def cummax(input, dim: int):
    """The running maximum along ``dim`` and the index where each was reached: ``(values, indices)``."""
    return _running_extreme("cummax", input, dim, np.greater_equal)


def cummin(input, dim: int):
    """The running minimum along ``dim`` and the index where each was reached: ``(values, indices)``."""
    return _running_extreme("cummin", input, dim, np.less_equal)


def logcumsumexp(input, dim: int):
    """``log(cumsum(exp(input)))`` along ``dim``, shifted by the slice's maximum so it does not overflow."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"logcumsumexp\" not implemented for '{_core._type_name(input.dtype)}'")
    if input.ndim == 0:
        return input.clone()
    d = dim % input.ndim
    if input.shape[d] == 0:
        return input.clone()
    shift = input.detach().amax(dim=d, keepdim=True)
    shift = where(isfinite(shift), shift, zeros_like(shift))
    return (input - shift).exp().cumsum(d).log() + shift


class SequenceMethods:
    __slots__ = ()

    diff, cummax, cummin, logcumsumexp = diff, cummax, cummin, logcumsumexp
