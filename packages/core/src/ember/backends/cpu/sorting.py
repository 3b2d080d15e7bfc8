"""CPU kernels for sorting and order statistics: sort, topk, kthvalue, median, mode, unique.

NaN sorts above every number, as in PyTorch (NumPy puts it last too). Sorts are stable: a
descending sort flips the input, sorts it ascending and flips back, which keeps equal values
in their original order and NaN first. ``dim`` is a non-negative axis; 0-d inputs are
handled as 1-element vectors.
"""

from __future__ import annotations

import numpy as np

from ember.backends.cpu import _indexing as _loops
from ember.backends.cpu.indexing import _along


def _take(x, idx, dim):
    """``x`` at ``idx`` along ``dim`` (``take_along_axis`` without its per-call cost)."""
    out = _loops.gather_along(x, idx, dim)
    return x[_along(idx, dim)] if out is None else out


def argsort(x, dim, descending, stable):
    if x.ndim == 0:
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(x, axis=dim, kind="stable")
    reverse = (slice(None),) * dim + (slice(None, None, -1),)   # np.flip costs 20 times more
    flipped = x[reverse]
    if dim == x.ndim - 1:
        flipped = np.ascontiguousarray(flipped)   # NumPy sorts a reversed view half as fast
    idx = np.argsort(flipped, axis=dim, kind="stable")
    return (x.shape[dim] - 1) - idx[reverse]


def sort(x, dim, descending, stable):
    idx = argsort(x, dim, descending, stable)
    if x.ndim == 0:
        return x.copy(), idx
    return _take(x, idx, dim), idx


def _first(x, dim, k):
    return x[(slice(None),) * dim + (slice(0, k),)]


def topk(x, k, dim, largest, sorted_):
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    n = x.shape[dim]
    if 0 < k and 8 * k < n:   # select the k candidates in linear time, then sort only them
        cand = np.argpartition(x, n - k if largest else k - 1, axis=dim)
        cand = cand[(slice(None),) * dim + (slice(n - k, n) if largest else slice(0, k),)]
        cand = np.sort(cand, axis=dim)   # candidates in index order: ties resolve like a stable sort
        order = argsort(_take(x, cand, dim), dim, largest, True)
        idx = _take(cand, order, dim)
    else:
        idx = np.ascontiguousarray(_first(argsort(x, dim, largest, True), dim, k))
    return _take(x, idx, dim), idx


def _reduce_dim(values, idx, dim, keepdim):
    if not keepdim:
        return np.squeeze(values, axis=dim), np.squeeze(idx, axis=dim)
    return values, idx


def _select(x, k, dim):
    """The index of the ``k``-th smallest (from 0) along ``dim``, with ``dim`` kept as size 1:
    a selection in linear time, not a sort."""
    part = np.argpartition(x, k, axis=dim)
    return part[(slice(None),) * dim + (slice(k, k + 1),)]


def kthvalue(x, k, dim, keepdim):
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    idx = _select(x, k - 1, dim)
    return _reduce_dim(_take(x, idx, dim), idx, dim, keepdim)


def _median(x, dim, keepdim, skip_nan):
    """Lower median along ``dim``; a NaN in a slice makes it NaN unless ``skip_nan``."""
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    n = x.shape[dim]
    if n == 0:
        shape = x.shape[:dim] + ((1,) if keepdim else ()) + x.shape[dim + 1:]
        return np.empty(shape, x.dtype), np.empty(shape, np.int64)
    nans = np.isnan(x) if x.dtype.kind == "f" else None
    if nans is None or not nans.any():
        idx = _select(x, (n - 1) // 2, dim)
    elif skip_nan:   # the middle of the numbers of each slice: positions differ, so sort
        count = np.sum(~nans, axis=dim, keepdims=True)
        idx = _take(argsort(x, dim, False, True), np.maximum((count - 1) // 2, 0), dim)
    else:   # PyTorch's median is NaN, with the first NaN's index, where a slice has a NaN
        idx = np.where(nans.any(axis=dim, keepdims=True), np.argmax(nans, axis=dim, keepdims=True),
                       _select(x, (n - 1) // 2, dim))
    return _reduce_dim(_take(x, idx, dim), idx, dim, keepdim)


def median(x, dim, keepdim):
    if dim is None:
        flat = x.reshape(-1)
        if flat.size == 0:
            return np.full((), np.nan, x.dtype), np.zeros((), np.int64)
        return _median(flat, 0, False, False)
    return _median(x, dim, keepdim, False)


def nanmedian(x, dim, keepdim):
    if dim is None:
        flat = x.reshape(-1)
        if flat.size == 0:
            return np.full((), np.nan, x.dtype), np.zeros((), np.int64)
        return _median(flat, 0, False, True)
    return _median(x, dim, keepdim, True)


def mode(x, dim, keepdim):
    """The most frequent value (the smallest of equally frequent ones) and the index of its
    last occurrence."""
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    moved = np.moveaxis(x, dim, -1)
    n = moved.shape[-1]
    rows = moved.reshape(-1, n)
    order = np.argsort(rows, axis=1, kind="stable")
    s = np.take_along_axis(rows, order, axis=1)
    starts = np.ones(s.shape, bool)
    starts[:, 1:] = s[:, 1:] != s[:, :-1]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0), axis=1)
    count = np.arange(n) - run_start + 1
    best = np.argmax(count == count.max(axis=1, keepdims=True), axis=1)[:, None]
    values = np.take_along_axis(s, best, axis=1).reshape(moved.shape[:-1] + (1,))
    idx = np.take_along_axis(order, best, axis=1).reshape(moved.shape[:-1] + (1,))
    values, idx = np.moveaxis(values, -1, dim), np.moveaxis(idx, -1, dim)
    return _reduce_dim(values, idx, dim, keepdim)


def unique(x, return_inverse, return_counts, dim):
    """The sorted distinct values (slices along ``dim``), then the inverse and the counts if
    asked for: one array, or a tuple of two or three."""
    if not (return_inverse or return_counts):
        return np.unique(x.reshape(-1) if dim is None else x, axis=dim, equal_nan=False)
    out = np.unique(x.reshape(-1) if dim is None else x, return_inverse=return_inverse,
                    return_counts=return_counts, axis=dim, equal_nan=False)
    if return_inverse:
        out = (out[0], out[1].reshape(x.shape if dim is None else -1)) + out[2:]
    return out


def unique_consecutive(x, return_inverse, return_counts, dim):
    if dim is None:
        flat = x.reshape(-1)
        change = np.ones(flat.shape, bool)
        change[1:] = flat[1:] != flat[:-1]
        values = flat[change]
        inverse = (np.cumsum(change) - 1).reshape(x.shape)
    else:
        rows = np.moveaxis(x, dim, 0).reshape(x.shape[dim], -1)
        change = np.ones(rows.shape[0], bool)
        change[1:] = np.any(rows[1:] != rows[:-1], axis=1)
        values = np.compress(change, x, axis=dim)
        inverse = np.cumsum(change) - 1
    out = (values,)
    if return_inverse:
        out += (inverse.astype(np.int64),)
    if return_counts:
        out += (np.diff(np.append(np.flatnonzero(change), change.size)).astype(np.int64),)
    return out if len(out) > 1 else values


KERNELS = {
    "sort": sort,
    "argsort": argsort,
    "topk": topk,
    "kthvalue": kthvalue,
    "median": median,
    "nanmedian": nanmedian,
    "mode": mode,
    "unique": unique,
    "unique_consecutive": unique_consecutive,
}
