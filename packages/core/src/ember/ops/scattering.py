"""Writes at computed positions: ``index_reduce``, ``masked_scatter``, ``put``, and ``nonzero_static``;
composed from ``scatter_reduce``/``index_put`` so that autograd and every backend have them."""

from __future__ import annotations

from ember import _core, dtypes
from ember.ops.creation import full as full_op
from ember.ops.selection import nonzero
from ember.ops.shape import cat
from ember.ops.subscripting import index_put

__all__ = ["index_reduce", "masked_scatter", "put", "nonzero_static"]


def index_reduce(input, dim: int, index, source, reduce: str, *, include_self: bool = True):
    """Reduce the slices of ``source`` into ``input`` at positions ``index`` along ``dim`` with ``reduce``
    (``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``)."""
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError(f"index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got "
                           f"{reduce}.")
    if index.ndim > 1:
        raise IndexError("index_reduce_(): Index is supposed to be a vector")
    d = dim % max(input.ndim, 1)
    if source.ndim and index.numel() != source.shape[d]:
        raise IndexError(f"index_reduce_(): Number of indices ({index.numel()}) should be equal to "
                         f"source.size(dim) ({source.shape[d]})")
    shape = [1] * source.ndim
    if source.ndim:
        shape[d] = index.numel()
    expanded = index.reshape(shape).expand(source.shape) if source.ndim else index.reshape(())
    return input.scatter_reduce(d, expanded.to(dtypes.int64), source, reduce, include_self=include_self)


def masked_scatter(input, mask, source):
    """``input`` with the positions where ``mask`` (broadcast) is True filled, in order, from the elements
    of ``source``."""
    if mask.dtype is not dtypes.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got "
                           f"{input.dtype} and {source.dtype}")
    full = mask.expand(input.shape) if tuple(mask.shape) != tuple(input.shape) else mask
    count = int(full.sum())
    if count > source.numel():
        raise RuntimeError("masked_scatter: expected source to have at least as many elements as the ones to "
                           "scatter into")
    return index_put(input, (full,), source.reshape(-1)[:count])


def put(input, index, source, accumulate: bool = False):
    """``input`` as if flattened, with the elements at ``index`` set to (or, with ``accumulate``, increased
    by) those of ``source``."""
    if index.numel() != source.numel():
        raise RuntimeError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    n = input.numel()
    flat_index = index.reshape(-1)
    if flat_index.numel() and (bool((flat_index >= n).any()) or bool((flat_index < -n).any())):
        raise IndexError(f"out of range: tried to access index {int(flat_index.abs().max())} on a tensor of {n} "
                         f"elements.")
    flat = index_put(input.reshape(-1), (flat_index % max(n, 1),), source.reshape(-1).to(input.dtype),
                           accumulate)
    return flat.reshape(input.shape)


def nonzero_static(input, *, size: int, fill_value: int = -1):
    """``nonzero(input)`` cut or padded with ``fill_value`` to exactly ``size`` rows."""
    if size < 0:
        raise RuntimeError(f"nonzero_static: 'size' must be an non-negative integer, but got {size}")
    found = nonzero(input)
    if found.shape[0] >= size:
        return found[:size]
    pad = full_op((size - found.shape[0], found.shape[1]), fill_value, dtype=found.dtype, device=found.device)
    return cat([found, pad], 0)


class ScatteringMethods:
    __slots__ = ()

    index_reduce, masked_scatter, put, nonzero_static = index_reduce, masked_scatter, put, nonzero_static

    def index_reduce_(self, dim: int, index, source, reduce: str, *, include_self: bool = True):
        return _core.assign(self, index_reduce(self, dim, index, source, reduce, include_self=include_self))

    def masked_scatter_(self, mask, source):
        return _core.assign(self, masked_scatter(self, mask, source))

    def put_(self, index, source, accumulate: bool = False):
        return _core.assign(self, put(self, index, source, accumulate))
