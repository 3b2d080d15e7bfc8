"""CPU kernels for sorting and order statistics: sort, topk, kthvalue, median, mode, unique.

NaN sorts above every number, as in PyTorch (NumPy puts it last too). Sorts are stable: a
descending sort flips the input, sorts it ascending and flips back, which keeps equal values
in their original order and NaN first. ``dim`` is a non-negative axis; 0-d inputs are
handled as 1-element vectors.
"""

from __future__ import annotations

import numpy as np


def argsort(x, dim, descending, stable):
    if x.ndim == 0:
        return np.zeros((), np.int64)
    if not descending:
        return np.argsort(x, axis=dim, kind="stable")
    idx = np.argsort(np.flip(x, axis=dim), axis=dim, kind="stable")
    return (x.shape[dim] - 1) - np.flip(idx, axis=dim)


def sort(x, dim, descending, stable):
    idx = argsort(x, dim, descending, stable)
    if x.ndim == 0:
        return x.copy(), idx
    return np.take_along_axis(x, idx, axis=dim), idx


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
        order = argsort(np.take_along_axis(x, cand, axis=dim), dim, largest, True)
        idx = np.take_along_axis(cand, order, axis=dim)
    else:
        idx = _first(argsort(x, dim, largest, True), dim, k)
    return np.take_along_axis(x, idx, axis=dim), idx


def _reduce_dim(values, idx, dim, keepdim):
    if not keepdim:
        return np.squeeze(values, axis=dim), np.squeeze(idx, axis=dim)
    return values, idx


def kthvalue(x, k, dim, keepdim):
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    idx = argsort(x, dim, False, True)[(slice(None),) * dim + (slice(k - 1, k),)]
    return _reduce_dim(np.take_along_axis(x, idx, axis=dim), idx, dim, keepdim)


def _median(x, dim, keepdim, skip_nan):
    """Lower median along ``dim``; a NaN in a slice makes it NaN unless ``skip_nan``."""
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    n = x.shape[dim]
    if n == 0:
        shape = x.shape[:dim] + ((1,) if keepdim else ()) + x.shape[dim + 1:]
        return np.empty(shape, x.dtype), np.empty(shape, np.int64)
    order = argsort(x, dim, False, True)
    if x.dtype.kind == "f":
        nans = np.isnan(x)
        count = np.sum(~nans, axis=dim, keepdims=True)
        pos = np.maximum((count - 1) // 2, 0) if skip_nan else np.full_like(count, (n - 1) // 2)
        idx = np.take_along_axis(order, pos, axis=dim)
        if not skip_nan:   # PyTorch's median is NaN, with the first NaN's index, where any is NaN
            has_nan = count < n
            idx = np.where(has_nan, np.argmax(nans, axis=dim, keepdims=True), idx)
    else:
        idx = order[(slice(None),) * dim + (slice((n - 1) // 2, (n - 1) // 2 + 1),)]
    return _reduce_dim(np.take_along_axis(x, idx, axis=dim), idx, dim, keepdim)


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


def unique(x, dim):
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True, return_counts=True,
                                            equal_nan=False)
        return values, inverse.reshape(x.shape), counts
    values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=dim, equal_nan=False)
    return values, inverse.reshape(-1), counts


def unique_consecutive(x, dim):
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
    starts = np.flatnonzero(change)
    counts = np.diff(np.append(starts, change.size))
    return values, inverse.astype(np.int64), counts.astype(np.int64)


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
