# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Typed loops behind the CPU indexing kernels.

Accumulating writes, ``out[i] += v`` with repeated ``i`` adding up, are the kernels behind
``scatter_add``, ``index_add`` and ``index_put(accumulate=True)`` (and so the backward of
indexing and embeddings). NumPy's ``np.add.at`` is the general fallback; it is several times
slower than a plain loop when whole rows are added. Gather and scatter along a dimension,
and the range check of an index, are a few NumPy calls each; one loop here is cheaper.

The loops work on raw buffers of C-contiguous arrays (taking a buffer costs far less than a
typed memoryview, which matters for small tensors) and check every index they use.
"""

import numpy as np

from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t

ctypedef fused number:
    float
    double
    int64_t
    int32_t
    int16_t
    int8_t
    uint8_t

ctypedef fused item:   # gather and scatter copy bits: only the item size matters
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused integer:
    int64_t
    int32_t

# the dtypes with an arithmetic loop, by code
_CODES = {np.dtype(t): i for i, t in enumerate(("float32", "float64", "int64", "int32", "int16", "int8", "uint8"))}


cdef class _Buffer:
    """A C-contiguous array's memory, held for the duration of a loop."""
    cdef Py_buffer view
    cdef bint held

    def __cinit__(self, array, bint writable=False):
        PyObject_GetBuffer(array, &self.view, PyBUF_C_CONTIGUOUS | (PyBUF_WRITABLE if writable else 0))
        self.held = True

    def __dealloc__(self):
        if self.held:
            PyBuffer_Release(&self.view)


cdef inline char* _ptr(_Buffer b):
    return <char*>b.view.buf


# -----------------------------------------------------------------------------------------
# loops

cdef Py_ssize_t _first_bad(const integer* index, Py_ssize_t n, int64_t lo, int64_t hi) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(n):
        if index[k] < lo or index[k] >= hi:
            return k
    return -1


cdef Py_ssize_t _add_flat(number* out, const int64_t* offsets, const number* values, Py_ssize_t count,
                          Py_ssize_t size) noexcept nogil:
    cdef Py_ssize_t k
    cdef int64_t r
    for k in range(count):
        r = offsets[k]
        if r < 0 or r >= size:
            return k
        out[r] += values[k]
    return -1


cdef Py_ssize_t _add_rows(number* out, const int64_t* index, const number* src, Py_ssize_t outer,
                          Py_ssize_t n, Py_ssize_t m, Py_ssize_t inner) noexcept nogil:
    """out (outer, n, inner)[o, index[j], i] += src (outer, m, inner)[o, j, i]"""
    cdef Py_ssize_t o, j, i
    cdef int64_t r
    cdef number* row
    cdef const number* s
    for j in range(m):
        if index[j] < 0 or index[j] >= n:
            return j
    for o in range(outer):
        for j in range(m):
            row = out + (o * n + index[j]) * inner
            s = src + (o * m + j) * inner
            for i in range(inner):
                row[i] += s[i]
    return -1


cdef Py_ssize_t _gather(const item* x, const int64_t* index, item* out, Py_ssize_t outer, Py_ssize_t n,
                        Py_ssize_t m, Py_ssize_t inner) noexcept nogil:
    """out (outer, m, inner)[o, j, i] = x (outer, n, inner)[o, index[o, j, i], i]"""
    cdef Py_ssize_t o, j, i, k = 0
    cdef int64_t r
    for o in range(outer):
        for j in range(m):
            for i in range(inner):
                r = index[k]
                if r < 0 or r >= n:
                    return k
                out[k] = x[(o * n + r) * inner + i]
                k += 1
    return -1


cdef Py_ssize_t _scatter(item* out, const int64_t* index, const item* src, Py_ssize_t outer, Py_ssize_t n,
                         Py_ssize_t m, Py_ssize_t inner) noexcept nogil:
    """out (outer, n, inner)[o, index[o, j, i], i] = src (outer, m, inner)[o, j, i]"""
    cdef Py_ssize_t o, j, i, k = 0
    cdef int64_t r
    for o in range(outer):
        for j in range(m):
            for i in range(inner):
                r = index[k]
                if r < 0 or r >= n:
                    return k
                out[(o * n + r) * inner + i] = src[k]
                k += 1
    return -1


cdef Py_ssize_t _scatter_add(number* out, const int64_t* index, const number* src, Py_ssize_t outer,
                             Py_ssize_t n, Py_ssize_t m, Py_ssize_t inner) noexcept nogil:
    cdef Py_ssize_t o, j, i, k = 0
    cdef int64_t r
    for o in range(outer):
        for j in range(m):
            for i in range(inner):
                r = index[k]
                if r < 0 or r >= n:
                    return k
                out[(o * n + r) * inner + i] += src[k]
                k += 1
    return -1


# -----------------------------------------------------------------------------------------
# dispatch on item size / dtype code

cdef Py_ssize_t _gather_any(int size, char* x, const int64_t* idx, char* out, Py_ssize_t o, Py_ssize_t n,
                            Py_ssize_t m, Py_ssize_t i) noexcept nogil:
    if size == 1:
        return _gather[uint8_t](<uint8_t*>x, idx, <uint8_t*>out, o, n, m, i)
    if size == 2:
        return _gather[uint16_t](<uint16_t*>x, idx, <uint16_t*>out, o, n, m, i)
    if size == 4:
        return _gather[uint32_t](<uint32_t*>x, idx, <uint32_t*>out, o, n, m, i)
    return _gather[uint64_t](<uint64_t*>x, idx, <uint64_t*>out, o, n, m, i)


cdef Py_ssize_t _scatter_any(int size, char* out, const int64_t* idx, char* src, Py_ssize_t o, Py_ssize_t n,
                             Py_ssize_t m, Py_ssize_t i) noexcept nogil:
    if size == 1:
        return _scatter[uint8_t](<uint8_t*>out, idx, <uint8_t*>src, o, n, m, i)
    if size == 2:
        return _scatter[uint16_t](<uint16_t*>out, idx, <uint16_t*>src, o, n, m, i)
    if size == 4:
        return _scatter[uint32_t](<uint32_t*>out, idx, <uint32_t*>src, o, n, m, i)
    return _scatter[uint64_t](<uint64_t*>out, idx, <uint64_t*>src, o, n, m, i)


cdef Py_ssize_t _scatter_add_any(int code, char* out, const int64_t* idx, char* src, Py_ssize_t o,
                                 Py_ssize_t n, Py_ssize_t m, Py_ssize_t i) noexcept nogil:
    if code == 0:
        return _scatter_add[float](<float*>out, idx, <float*>src, o, n, m, i)
    if code == 1:
        return _scatter_add[double](<double*>out, idx, <double*>src, o, n, m, i)
    if code == 2:
        return _scatter_add[int64_t](<int64_t*>out, idx, <int64_t*>src, o, n, m, i)
    if code == 3:
        return _scatter_add[int32_t](<int32_t*>out, idx, <int32_t*>src, o, n, m, i)
    if code == 4:
        return _scatter_add[int16_t](<int16_t*>out, idx, <int16_t*>src, o, n, m, i)
    if code == 5:
        return _scatter_add[int8_t](<int8_t*>out, idx, <int8_t*>src, o, n, m, i)
    return _scatter_add[uint8_t](<uint8_t*>out, idx, <uint8_t*>src, o, n, m, i)


cdef Py_ssize_t _add_rows_any(int code, char* out, const int64_t* idx, char* src, Py_ssize_t o,
                              Py_ssize_t n, Py_ssize_t m, Py_ssize_t i) noexcept nogil:
    if code == 0:
        return _add_rows[float](<float*>out, idx, <float*>src, o, n, m, i)
    if code == 1:
        return _add_rows[double](<double*>out, idx, <double*>src, o, n, m, i)
    if code == 2:
        return _add_rows[int64_t](<int64_t*>out, idx, <int64_t*>src, o, n, m, i)
    if code == 3:
        return _add_rows[int32_t](<int32_t*>out, idx, <int32_t*>src, o, n, m, i)
    if code == 4:
        return _add_rows[int16_t](<int16_t*>out, idx, <int16_t*>src, o, n, m, i)
    if code == 5:
        return _add_rows[int8_t](<int8_t*>out, idx, <int8_t*>src, o, n, m, i)
    return _add_rows[uint8_t](<uint8_t*>out, idx, <uint8_t*>src, o, n, m, i)


cdef Py_ssize_t _add_flat_any(int code, char* out, const int64_t* offsets, char* values, Py_ssize_t count,
                              Py_ssize_t size) noexcept nogil:
    if code == 0:
        return _add_flat[float](<float*>out, offsets, <float*>values, count, size)
    if code == 1:
        return _add_flat[double](<double*>out, offsets, <double*>values, count, size)
    if code == 2:
        return _add_flat[int64_t](<int64_t*>out, offsets, <int64_t*>values, count, size)
    if code == 3:
        return _add_flat[int32_t](<int32_t*>out, offsets, <int32_t*>values, count, size)
    if code == 4:
        return _add_flat[int16_t](<int16_t*>out, offsets, <int16_t*>values, count, size)
    if code == 5:
        return _add_flat[int8_t](<int8_t*>out, offsets, <int8_t*>values, count, size)
    return _add_flat[uint8_t](<uint8_t*>out, offsets, <uint8_t*>values, count, size)


# -----------------------------------------------------------------------------------------
# Python entry points

# This module is compiled without bounds checks, and that covers Python subscripts too: ``shape[dim]``
# on a tuple reads past its end for a ``dim`` outside it. Every entry point checks its axis first.

cdef int _check_axis(str kernel, Py_ssize_t ndim, Py_ssize_t dim) except -1:
    if dim < 0 or dim >= ndim:
        raise IndexError(f"{kernel}: dimension {dim} is out of range for an array of {ndim} dimension(s) "
                         f"(expected 0 to {ndim - 1})")
    return 0


def first_out_of_range(index, int64_t lo, int64_t hi):
    """The first value of the integer array ``index`` outside ``[lo, hi)``, or None. One pass
    and no temporaries: cheaper than ``min()`` and ``max()`` on the small indices of most ops."""
    cdef Py_ssize_t k
    cdef _Buffer b
    if index.dtype != np.int64 and index.dtype != np.int32:
        flat = index.reshape(-1)
        bad = flat[(flat < lo) | (flat >= hi)]
        return int(bad[0]) if bad.size else None
    if not index.flags.c_contiguous:
        index = np.ascontiguousarray(index)
    if index.size == 0:
        return None
    b = _Buffer(index)
    if index.dtype == np.int64:
        k = _first_bad[int64_t](<int64_t*>_ptr(b), index.size, lo, hi)
    else:
        k = _first_bad[int32_t](<int32_t*>_ptr(b), index.size, lo, hi)
    return None if k < 0 else int(index.reshape(-1)[k])


def add_flat(flat, offsets, values):
    """``flat[offsets[k]] += values[k]`` for every k; ``flat`` is a 1-d array. Raises IndexError
    with the first offset outside ``flat``."""
    cdef _Buffer out, off, val
    cdef Py_ssize_t bad
    code = _CODES.get(flat.dtype)
    if code is None or not flat.flags.c_contiguous:
        np.add.at(flat, offsets, values)
        return
    offsets = np.ascontiguousarray(offsets, dtype=np.int64).reshape(-1)
    values = np.ascontiguousarray(np.broadcast_to(values, offsets.shape), dtype=flat.dtype)
    if offsets.size == 0:
        return
    out, off, val = _Buffer(flat, True), _Buffer(offsets), _Buffer(values)
    bad = _add_flat_any(code, _ptr(out), <int64_t*>_ptr(off), _ptr(val), offsets.size, flat.size)
    if bad >= 0:
        raise IndexError(int(offsets[bad]))


cdef tuple _three_d(tuple shape, int dim):
    cdef Py_ssize_t outer = 1, inner = 1, d
    for d in range(dim):
        outer *= <Py_ssize_t>shape[d]
    for d in range(dim + 1, len(shape)):
        inner *= <Py_ssize_t>shape[d]
    return outer, inner


def add_along(x, index, source, int dim):
    """``x[..., index[j], ...] += source[..., j, ...]`` along ``dim``; ``index`` is 1-d with
    values in ``[0, x.shape[dim])``; ``source`` broadcasts to the indexed shape."""
    cdef _Buffer out, idx, src
    _check_axis("add_along", x.ndim, dim)
    if index.ndim != 1 or index.dtype.kind not in "iu":
        raise ValueError(f"add_along: the index must be a 1-d integer array, got {index.ndim}-d {index.dtype}")
    shape = x.shape
    src_shape = shape[:dim] + (index.shape[0],) + shape[dim + 1:]
    code = _CODES.get(x.dtype)
    if code is None:
        np.add.at(np.moveaxis(x, dim, 0), index, np.moveaxis(np.broadcast_to(source, src_shape), dim, 0))
        return
    if not x.flags.c_contiguous:
        tmp = np.ascontiguousarray(x)
        add_along(tmp, index, source, dim)
        x[...] = tmp
        return
    if x.size == 0 or index.size == 0:
        return
    outer, inner = _three_d(shape, dim)
    source = np.ascontiguousarray(np.broadcast_to(source, src_shape), dtype=x.dtype)
    index = np.ascontiguousarray(index, dtype=np.int64)
    out, idx, src = _Buffer(x, True), _Buffer(index), _Buffer(source)
    bad = _add_rows_any(code, _ptr(out), <int64_t*>_ptr(idx), _ptr(src), outer, shape[dim], index.shape[0], inner)
    if bad >= 0:
        raise IndexError(int(index[bad]))


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


def _drop_leading_ones(values, Py_ssize_t ndim):
    """``values`` without leading size-1 dimensions beyond ``ndim`` (assignment allows them)."""
    values = np.asarray(values)
    extra = values.ndim - ndim
    if extra > 0 and all(n == 1 for n in values.shape[:extra]):
        return values.reshape(values.shape[extra:])
    return values


def add_at(target, tuple key, values):
    """``target[key] += values`` where repeated positions add up (``index_put`` with
    ``accumulate=True``); ``key`` is a NumPy key without integer scalars mixed with arrays."""
    cdef object found = _single_array(key, target.ndim)
    if found is None:
        np.add.at(target, key, values)
        return
    dim, index = found
    _check_axis("add_at", target.ndim, dim)
    size = target.shape[dim]
    bad = first_out_of_range(index, -size, size)
    if bad is not None:
        raise IndexError(bad)
    index = np.where(index < 0, index + size, index) if index.size and index.min() < 0 else index
    shape = target.shape[:dim] + index.shape + target.shape[dim + 1:]
    src = np.broadcast_to(_drop_leading_ones(values, len(shape)), shape)
    add_along(target, index.reshape(-1), src.reshape(target.shape[:dim] + (index.size,) + target.shape[dim + 1:]), dim)


cdef bint _fits(x, index, int dim):
    """True when ``x`` and ``index`` are C-contiguous and agree in shape but along ``dim``."""
    cdef tuple xs = x.shape, js = index.shape
    cdef Py_ssize_t d
    if len(xs) != len(js) or not (x.flags.c_contiguous and index.flags.c_contiguous):
        return False
    for d in range(len(xs)):
        if d != dim and xs[d] != js[d]:
            return False
    return True


def gather_along(x, index, int dim):
    """``out[o][j][i] = x[o][index[o][j][i]][i]`` along ``dim``, or None when the layout does not
    fit the loop. Raises IndexError with the first index outside ``[0, x.shape[dim])``."""
    cdef _Buffer xb, ib, ob
    cdef Py_ssize_t bad
    _check_axis("gather_along", x.ndim, dim)
    if not _fits(x, index, dim) or x.itemsize > 8 or x.itemsize == 0 or x.itemsize & (x.itemsize - 1):
        return None
    index = np.ascontiguousarray(index, dtype=np.int64)
    out = np.empty(index.shape, x.dtype)
    if out.size == 0:
        return out
    outer, inner = _three_d(x.shape, dim)
    xb, ib, ob = _Buffer(x), _Buffer(index), _Buffer(out, True)
    bad = _gather_any(x.itemsize, _ptr(xb), <int64_t*>_ptr(ib), _ptr(ob), outer, x.shape[dim], index.shape[dim],
                      inner)
    if bad >= 0:
        raise IndexError(int(index.reshape(-1)[bad]))
    return out


def scatter_along(out, index, src, int dim, bint add):
    """``out[o][index[o][j][i]][i] = src[o][j][i]`` (``+=`` with ``add``) in place, or False
    when the layout does not fit the loop. Raises IndexError like ``gather_along``."""
    cdef _Buffer ob, ib, sb
    cdef Py_ssize_t bad
    _check_axis("scatter_along", out.ndim, dim)
    if not (src.shape == index.shape and src.dtype == out.dtype and src.flags.c_contiguous
            and _fits(out, index, dim)):
        return False
    code = _CODES.get(out.dtype)
    if (add and code is None) or (not add and out.itemsize not in (1, 2, 4, 8)):
        return False
    index = np.ascontiguousarray(index, dtype=np.int64)
    if index.size == 0:
        return True
    outer, inner = _three_d(out.shape, dim)
    ob, ib, sb = _Buffer(out, True), _Buffer(index), _Buffer(src)
    if add:
        bad = _scatter_add_any(code, _ptr(ob), <int64_t*>_ptr(ib), _ptr(sb), outer, out.shape[dim],
                               index.shape[dim], inner)
    else:
        bad = _scatter_any(out.itemsize, _ptr(ob), <int64_t*>_ptr(ib), _ptr(sb), outer, out.shape[dim],
                           index.shape[dim], inner)
    if bad >= 0:
        raise IndexError(int(index.reshape(-1)[bad]))
    return True
