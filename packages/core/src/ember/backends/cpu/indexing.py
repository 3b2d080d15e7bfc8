"""CPU kernels for indexing: ``x[key]``, ``x[key] = v``, gather/scatter, masks, ``nonzero``.

Keys arrive in PyTorch's reading (see ``ember.ops.indexing``): a tuple of ints, slices, None,
Ellipsis, bools and NumPy index arrays (int or bool, at least 1-d). NumPy reads such a key the
same way except when integers are mixed with arrays: PyTorch selects the integers first,
NumPy treats them as advanced indices, which can move the result's dimensions. ``_split``
turns those keys into two steps that NumPy reads the PyTorch way.

Kernels raise PyTorch's error (type and message) for out-of-range indices, because only
they see the index values.
"""

from __future__ import annotations

import functools

import numpy as np

from ember.backends.cpu import _indexing as _loops

_ndarray = np.ndarray
_ALL = slice(None)


def _split(key: tuple) -> tuple[tuple | None, tuple]:
    """``(basic, advanced)`` with ``x[key] == x[basic][advanced]`` in PyTorch's reading;
    ``basic`` is None when NumPy reads ``key`` the PyTorch way on its own."""
    has_int = has_array = False
    for k in key:
        tk = type(k)
        if tk is int:
            has_int = True
        elif tk is _ndarray or tk is bool:
            has_array = True
    if not (has_int and has_array):
        return None, key
    basic, advanced = [], []
    for k in key:
        tk = type(k)
        if tk is int:
            basic.append(k)
        elif tk is _ndarray:
            basic.extend([_ALL] * (k.ndim if k.dtype == np.bool_ else 1))
            advanced.append(k)
        elif tk is bool:
            advanced.append(k)
        elif k is None:
            basic.append(None)
            advanced.append(_ALL)
        elif k is Ellipsis:
            basic.append(k)
            advanced.append(k)
        else:
            basic.append(k)
            advanced.append(_ALL)
    if Ellipsis not in basic:
        basic.append(Ellipsis)   # a view even where the integers select a single element
    return tuple(basic), tuple(advanced)


def _index_error(shape: tuple, key: tuple) -> str:
    """PyTorch's message for index arrays in ``key`` that do not broadcast together or hold
    an out-of-range index (``x[key]`` with ``x.shape == shape``)."""
    basic, key = _split(key)
    if basic is not None:
        shape = np.broadcast_to(np.empty((), np.bool_), shape)[basic].shape
    shapes = []   # PyTorch turns a k-d mask into k index tensors and a bool into a 1- or 0-long one
    for k in key:
        if type(k) is _ndarray:
            shapes += [(int(np.count_nonzero(k)),)] * k.ndim if k.dtype == np.bool_ else [k.shape]
        elif type(k) is bool:
            shapes.append((int(k),))
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return ("shape mismatch: indexing tensors could not be broadcast together with shapes "
                + ", ".join(str(list(s)) for s in shapes))
    n_used = sum(k.ndim if type(k) is _ndarray and k.dtype == np.bool_ else (0 if k is None or type(k) is bool else 1)
                 for k in key if k is not Ellipsis)
    found = []       # (ordinal, size, array) of the integer index arrays
    dim = 0          # dimension of ``shape`` the next item indexes
    ordinal = 0      # PyTorch counts index tensors (a k-d mask counts as k, a bool as 1)
    for k in key:
        if k is Ellipsis:
            dim += len(shape) - n_used
        elif k is None:
            continue
        elif type(k) is bool:
            ordinal += 1
        elif type(k) is _ndarray and k.dtype == np.bool_:
            dim += k.ndim
            ordinal += k.ndim
        elif type(k) is _ndarray:
            found.append((ordinal, shape[dim], k))
            dim += 1
            ordinal += 1
        else:
            dim += 1
    if any(size == 0 and k.size for _, size, k in found):
        return "index is out of bounds for dimension with size 0"
    for ordinal, size, k in found:
        bad = k[(k >= size) | (k < -size)]
        if bad.size:
            return f"index {int(bad.flat[0])} is out of bounds for dimension {ordinal} with size {size}"
    return "index out of range"


def _empty_result(shape: tuple, key: tuple):
    """The shape of ``x[key]`` if it has no elements, else None: PyTorch checks no index
    values then. Out-of-range values are clipped to find the shape."""
    basic, adv = _split(key)
    fake = np.broadcast_to(np.zeros((), np.bool_), shape)
    if basic is not None:
        fake = fake[basic]
    n_used = sum(k.ndim if type(k) is _ndarray and k.dtype == np.bool_ else (0 if k is None or type(k) is bool else 1)
                 for k in adv if k is not Ellipsis)
    padded, clipped, dim = list(fake.shape), [], 0
    for k in adv:
        if type(k) is _ndarray and k.dtype != np.bool_:
            if padded[dim] == 0 and k.size:
                return None   # PyTorch refuses to index an empty dimension even then
            padded[dim] = max(padded[dim], 1)
            k = np.clip(k, 0, padded[dim] - 1)
        clipped.append(k)
        if k is Ellipsis:
            dim += fake.ndim - n_used
        elif type(k) is _ndarray and k.dtype == np.bool_:
            dim += k.ndim
        elif k is not None and type(k) is not bool:
            dim += 1
    try:
        out = np.broadcast_to(np.zeros((), np.bool_), padded)[tuple(clipped)].shape
    except IndexError:
        return None
    return out if 0 in out else None


def getitem(x, key):
    return x[key]   # the key holds an Ellipsis, so even an all-int key gives a 0-d view


def index(x, key):
    basic, advanced = _split(key)
    try:
        return (x if basic is None else x[basic])[advanced]
    except IndexError:
        empty = _empty_result(x.shape, key)
        if empty is not None:
            return np.empty(empty, x.dtype)
        raise IndexError(_index_error(x.shape, key)) from None


def index_put_(x, values, key, accumulate):
    basic, advanced = _split(key)
    target = x if basic is None else x[basic]
    try:
        if accumulate:
            _loops.add_at(target, advanced, values)
        else:
            target[advanced] = values
    except IndexError:
        if _empty_result(x.shape, key) is None:
            raise IndexError(_index_error(x.shape, key)) from None
    return x


def index_put(x, values, key, accumulate):
    return index_put_(x.copy(), values, key, accumulate)


def check_range(index, size: int, dim: int, error=RuntimeError, prefix: str = "", negative: bool = False):
    """Raise PyTorch's message if ``index`` has values outside ``[0, size)`` (``[-size, size)``
    when ``negative`` indices count from the end)."""
    bad = _loops.first_out_of_range(index, -size if negative else 0, size)
    if bad is not None:
        raise error(f"{prefix}index {bad} is out of bounds for dimension {dim} with size {size}")


@functools.lru_cache(maxsize=256)
def _grid(shape: tuple, dim: int) -> tuple:
    """Broadcastable ``arange`` index arrays that, with an index array put at ``dim``, select
    ``out[i][j][k] = x[i][index[i][j][k]][k]`` (for ``dim == 1``): the key of gather/scatter."""
    n = len(shape)
    grid = []
    for d, size in enumerate(shape):
        a = np.arange(size).reshape((size,) + (1,) * (n - 1 - d))
        a.flags.writeable = False
        grid.append(a)
    return tuple(grid)


def _along(index, dim: int) -> tuple:
    key = list(_grid(index.shape, dim))
    key[dim] = index
    return tuple(key)


def _as_1d(x):
    return x.reshape(1) if x.ndim == 0 else x


def _leading(x, shape: tuple):
    """``x`` cut to its first ``shape[d]`` entries along every dimension."""
    return x if x.shape == shape else x[tuple(slice(0, n) for n in shape)]


def _out_of_range(err: IndexError, size: int, dim: int) -> RuntimeError:
    return RuntimeError(f"index {err.args[0]} is out of bounds for dimension {dim} with size {size}")


def gather(x, index, dim):
    if x.ndim == 0 or index.ndim == 0:
        return gather(_as_1d(x), _as_1d(index), 0).reshape(index.shape)
    try:
        out = _loops.gather_along(x, index, dim)
    except IndexError as err:
        raise _out_of_range(err, x.shape[dim], dim) from None
    if out is not None:
        return out
    check_range(index, x.shape[dim], dim)
    return x[_along(index, dim)]


def _scatter_loop(out, index, src, dim, add: bool) -> bool:
    try:
        return _loops.scatter_along(out, index, src, dim, add)
    except IndexError as err:
        raise _out_of_range(err, out.shape[dim], dim) from None


def scatter(x, index, src, dim):
    if x.ndim == 0:
        return scatter(_as_1d(x), _as_1d(index), _as_1d(src), 0).reshape(())
    index, src = _as_1d(index), _as_1d(src)   # a 0-d index into a 1-d tensor is one position, as in PyTorch
    out = x.copy()
    if not _scatter_loop(out, index, src, dim, False):
        check_range(index, x.shape[dim], dim)
        out[_along(index, dim)] = _leading(src, index.shape)
    return out


def scatter_value(x, index, dim, value):
    if x.ndim == 0:
        return scatter_value(_as_1d(x), _as_1d(index), 0, value).reshape(())
    index = _as_1d(index)
    check_range(index, x.shape[dim], dim)
    out = x.copy()
    out[_along(index, dim)] = value
    return out


@functools.lru_cache(maxsize=256)
def _base_offsets(index_shape: tuple, out_shape: tuple, dim: int):
    """Flat offsets into a C-contiguous ``out_shape`` array of the positions scatter writes,
    without the ``index * stride[dim]`` term."""
    strides = [1] * len(out_shape)
    for d in range(len(out_shape) - 2, -1, -1):
        strides[d] = strides[d + 1] * out_shape[d + 1]
    offsets = np.zeros((), np.int64)
    for d, a in enumerate(_grid(index_shape, dim)):
        if d != dim:
            offsets = offsets + a * strides[d]
    offsets.flags.writeable = False
    return offsets, strides[dim]


_IDENTITY = {"sum": 0, "mean": 0, "prod": 1}


def _reduce_identity(reduce, dtype):
    if reduce in _IDENTITY:
        return _IDENTITY[reduce]
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype) if dtype.kind in "iu" else None
    if info is None:   # bool
        return reduce != "amax"
    return info.min if reduce == "amax" else info.max


_UFUNCS = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}


def scatter_reduce(x, index, src, dim, reduce, include_self):
    if x.ndim == 0:
        return scatter_reduce(_as_1d(x), _as_1d(index), _as_1d(src), 0, reduce, include_self).reshape(())
    index, src = _as_1d(index), _as_1d(src)
    check_range(index, x.shape[dim], dim)
    out = np.array(x, order="C")
    flat = out.reshape(-1)
    base, stride = _base_offsets(index.shape, out.shape, dim)
    offsets = (base + index * stride).reshape(-1)
    values = _leading(src, index.shape).reshape(-1)
    if not include_self:
        flat[offsets] = _reduce_identity(reduce, out.dtype)
    if reduce in ("sum", "mean"):
        _loops.add_flat(flat, offsets, values)
    else:
        _UFUNCS[reduce].at(flat, offsets, values)
    if reduce == "mean":
        counts = np.bincount(offsets, minlength=flat.size) + (1 if include_self else 0)
        hit = counts > 0
        if out.dtype.kind == "f":
            flat[hit] /= counts[hit]
        else:
            flat[hit] //= counts[hit].astype(out.dtype)
    return out


def scatter_add(x, index, src, dim):
    if x.ndim:
        index, src = _as_1d(index), _as_1d(src)
        out = x.copy()
        if _scatter_loop(out, index, src, dim, True):
            return out
    return scatter_reduce(x, index, src, dim, "sum", True)


def index_select(x, index, dim):
    index = _as_1d(index)
    size = x.shape[dim] if x.ndim else 1
    bad = _loops.first_out_of_range(index, 0, size)
    if bad is not None:   # PyTorch's CPU kernel raises a RuntimeError along dim 1, an IndexError elsewhere
        raise (RuntimeError if dim == 1 else IndexError)(
            f"index_select(): index {bad} is out of range for dimension {dim} with size {size} "
            f"(indices must be in [0, {size}))")
    if x.ndim == 0:
        return x.copy()
    return x[index] if dim == 0 else np.take(x, index, axis=dim)


def index_add(x, index, source, dim, alpha):
    out = np.array(x, order="C")
    index_add_(out, index, source, dim, alpha)
    return out


def index_add_(x, index, source, dim, alpha):
    index = _as_1d(index)
    if x.ndim == 0:
        x, source, dim = x.reshape(1), source.reshape(1), 0
    check_range(index, x.shape[dim], dim)
    if alpha != 1:
        source = source * np.asarray(alpha).astype(x.dtype)
    if source.ndim < x.ndim:   # a 0-d index and a source without that dimension
        source = np.expand_dims(source, dim)
    _loops.add_along(x, index, source, dim)
    return x


def index_copy_(x, index, source, dim):
    index = _as_1d(index)
    if x.ndim == 0:
        x, source, dim = x.reshape(1), source.reshape(1), 0
    check_range(index, x.shape[dim], dim, IndexError, "index_copy_(): ")
    if source.ndim < x.ndim:
        source = np.expand_dims(source, dim)
    x[(_ALL,) * dim + (index,)] = source
    return x


def index_copy(x, index, source, dim):
    out = x.copy()
    index_copy_(out, index, source, dim)
    return out


def index_fill_(x, index, dim, value):
    index = _as_1d(index)
    if x.ndim == 0:
        x, dim = x.reshape(1), 0
    check_range(index, x.shape[dim], dim, IndexError, negative=True)
    x[(_ALL,) * dim + (index,)] = value
    return x


def index_fill(x, index, dim, value):
    out = x.copy()
    index_fill_(out, index, dim, value)
    return out


def masked_fill(x, mask, value):
    return np.where(mask, np.asarray(value).astype(x.dtype), x)


def masked_fill_(x, mask, value):
    np.copyto(x, value, casting="unsafe", where=mask)
    return x


def masked_select(x, mask):
    x, mask = np.broadcast_arrays(x, mask)
    return x[mask]


def take(x, index):
    n = x.size
    bad = _loops.first_out_of_range(index, -n, n)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return x.reshape(-1)[index]


def take_along_dim(x, index, dim):
    if dim is None:
        return gather(x.reshape(-1), index.reshape(-1), 0)
    def with_dim(shape, n):
        return shape[:dim] + (n,) + shape[dim + 1:]
    shape = np.broadcast_shapes(with_dim(x.shape, 1), with_dim(index.shape, 1))   # both broadcast but along dim
    return gather(np.broadcast_to(x, with_dim(shape, x.shape[dim])),
                  np.broadcast_to(index, with_dim(shape, index.shape[dim])), dim)


def nonzero(x):
    if x.ndim == 0:
        return np.argwhere(x).astype(np.int64, copy=False)
    found = x.nonzero()
    out = np.empty((found[0].shape[0], x.ndim), np.int64)   # row-major like PyTorch's (np.stack is slower)
    for d, column in enumerate(found):
        out[:, d] = column
    return out


def nonzero_tuple(x):
    return tuple(i.astype(np.int64, copy=False) for i in np.nonzero(_as_1d(x)))


KERNELS = {
    "getitem": getitem,
    "index": index,
    "index_put": index_put,
    "index_put_": index_put_,
    "gather": gather,
    "scatter": scatter,
    "scatter_value": scatter_value,
    "scatter_add": scatter_add,
    "scatter_reduce": scatter_reduce,
    "index_select": index_select,
    "index_add": index_add,
    "index_add_": index_add_,
    "index_copy": index_copy,
    "index_copy_": index_copy_,
    "index_fill": index_fill,
    "index_fill_": index_fill_,
    "masked_fill": masked_fill,
    "masked_fill_": masked_fill_,
    "masked_select": masked_select,
    "take": take,
    "take_along_dim": take_along_dim,
    "nonzero": nonzero,
    "nonzero_tuple": nonzero_tuple,
}
