# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Accumulating writes, ``out[i] += v`` with repeated ``i`` adding up: the kernels behind
``scatter_add``, ``index_add`` and ``index_put(accumulate=True)`` (and so the backward of
indexing and embeddings).

NumPy's ``np.add.at`` is the general fallback; it is several times slower than a plain loop
when whole rows are added, so the common layouts get typed loops here. Callers check the
index range first: the loops trust it.
"""

import numpy as np

from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t

ctypedef fused number:
    float
    double
    int64_t
    int32_t
    int16_t
    int8_t
    uint8_t

_TYPED = frozenset(np.dtype(t) for t in ("float32", "float64", "int64", "int32", "int16", "int8", "uint8"))


cdef void _add_flat(number[::1] out, const int64_t[::1] offsets, const number[::1] values) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(offsets.shape[0]):
        out[offsets[k]] += values[k]


cdef void _add_rows(number[:, :, ::1] out, const int64_t[::1] index,
                    const number[:, :, ::1] src) noexcept nogil:
    cdef Py_ssize_t o, j, i, r
    for o in range(out.shape[0]):
        for j in range(index.shape[0]):
            r = index[j]
            for i in range(out.shape[2]):
                out[o, r, i] += src[o, j, i]


def add_flat(flat, offsets, values):
    """``flat[offsets[k]] += values[k]`` for every k; ``flat`` is a 1-d contiguous array."""
    if flat.dtype not in _TYPED or not flat.flags.c_contiguous:
        np.add.at(flat, offsets, values)
        return
    offsets = np.ascontiguousarray(offsets, dtype=np.int64).reshape(-1)
    values = np.ascontiguousarray(values, dtype=flat.dtype).reshape(-1)
    if flat.dtype == np.float32:
        _add_flat[float](flat, offsets, values)
    elif flat.dtype == np.float64:
        _add_flat[double](flat, offsets, values)
    elif flat.dtype == np.int64:
        _add_flat[int64_t](flat, offsets, values)
    elif flat.dtype == np.int32:
        _add_flat[int32_t](flat, offsets, values)
    elif flat.dtype == np.int16:
        _add_flat[int16_t](flat, offsets, values)
    elif flat.dtype == np.int8:
        _add_flat[int8_t](flat, offsets, values)
    else:
        _add_flat[uint8_t](flat, offsets, values)


def add_along(x, index, source, int dim):
    """``x[..., index[j], ...] += source[..., j, ...]`` along ``dim``; ``index`` is 1-d with
    values in ``[0, x.shape[dim])``; ``source`` broadcasts to the indexed shape."""
    shape = x.shape
    outer = 1
    for n in shape[:dim]:
        outer *= n
    inner = 1
    for n in shape[dim + 1:]:
        inner *= n
    src = np.broadcast_to(source, shape[:dim] + (index.shape[0],) + shape[dim + 1:])
    if x.dtype not in _TYPED:
        np.add.at(np.moveaxis(x, dim, 0), index, np.moveaxis(src, dim, 0))
        return
    if not x.flags.c_contiguous:
        tmp = np.ascontiguousarray(x)
        add_along(tmp, index, src, dim)
        x[...] = tmp
        return
    out3 = x.reshape(outer, shape[dim], inner)
    src3 = np.ascontiguousarray(src, dtype=x.dtype).reshape(outer, index.shape[0], inner)
    idx = np.ascontiguousarray(index, dtype=np.int64)
    if x.dtype == np.float32:
        _add_rows[float](out3, idx, src3)
    elif x.dtype == np.float64:
        _add_rows[double](out3, idx, src3)
    elif x.dtype == np.int64:
        _add_rows[int64_t](out3, idx, src3)
    elif x.dtype == np.int32:
        _add_rows[int32_t](out3, idx, src3)
    elif x.dtype == np.int16:
        _add_rows[int16_t](out3, idx, src3)
    elif x.dtype == np.int8:
        _add_rows[int8_t](out3, idx, src3)
    else:
        _add_rows[uint8_t](out3, idx, src3)


def _single_array(tuple key, Py_ssize_t ndim):
    """``(dim, array)`` when ``key`` is one integer array among full slices (``x[..., i, :]``),
    else None."""
    cdef Py_ssize_t n_items = 0, pos = -1, ell = -1, k = 0
    found = None
    for item in key:
        if item is Ellipsis:
            ell = k
        elif type(item) is np.ndarray and item.dtype != np.bool_:
            if found is not None:
                return None
            found, pos = item, k
            n_items += 1
        elif type(item) is slice and item == slice(None):
            n_items += 1
        else:
            return None
        k += 1
    if found is None:
        return None
    if ell != -1 and ell < pos:
        pos += ndim - n_items - 1
    return pos, found


def add_at(target, tuple key, values):
    """``target[key] += values`` where repeated positions add up (``index_put`` with
    ``accumulate=True``); ``key`` is a NumPy key without integer scalars mixed with arrays."""
    cdef object found = _single_array(key, target.ndim)
    if found is None:
        np.add.at(target, key, values)
        return
    dim, index = found
    size = target.shape[dim]
    index = np.where(index < 0, index + size, index) if index.size and index.min() < 0 else index
    if index.size and (index.min() < 0 or index.max() >= size):
        raise IndexError("index out of range")
    shape = target.shape[:dim] + index.shape + target.shape[dim + 1:]
    src = np.broadcast_to(_drop_leading_ones(values, len(shape)), shape)
    add_along(target, index.reshape(-1), src.reshape(target.shape[:dim] + (index.size,) + target.shape[dim + 1:]), dim)


def _drop_leading_ones(values, Py_ssize_t ndim):
    """``values`` without leading size-1 dimensions beyond ``ndim`` (assignment allows them)."""
    values = np.asarray(values)
    extra = values.ndim - ndim
    if extra > 0 and all(n == 1 for n in values.shape[:extra]):
        return values.reshape(values.shape[extra:])
    return values
