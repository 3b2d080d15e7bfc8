"""Indexing: ``t[key]``, ``t[key] = value``, gather/scatter, masks and ``nonzero``.

Kernels (name: inputs; params). ember-autograd writes one derivative rule per name.

    getitem         (x,)                (key,)                  a view; key: ints, slices, None, Ellipsis
    index           (x,)                (key,)                  a copy; key also holds native index arrays
    index_put       (x, values)         (key, accumulate)       x with x[key] = values (+= if accumulate);
                                                                values broadcast to x[key]'s shape
    gather          (x, index)          (dim,)
    scatter         (x, index, src)     (dim,)
    scatter_value   (x, index)          (dim, value)
    scatter_add     (x, index, src)     (dim,)
    scatter_reduce  (x, index, src)     (dim, reduce, include_self)  reduce: sum prod mean amax amin
    index_select    (x, index)          (dim,)
    index_add       (x, index, source)  (dim, alpha)
    index_copy      (x, index, source)  (dim,)
    index_fill      (x, index)          (dim, value)
    masked_fill     (x, mask)           (value,)                result: broadcast shape of x and mask
    masked_select   (x, mask)           ()                      x and mask broadcast first
    take            (x, index)          ()
    take_along_dim  (x, index)          (dim,)                  dim None: over the flattened x
    nonzero         (x,)                ()                      int64 (n, ndim); ``nonzero_tuple``: ndim 1-d arrays

A key is a tuple in PyTorch's reading: integers select before index arrays apply (NumPy would
mix them); a bool adds a dimension of size 1 (True) or 0 (False) that is indexed like an array;
index arrays are native int32/int64 or bool arrays of 1 or more dimensions. ``getitem`` keys
hold exactly one Ellipsis (an all-int key still gives a 0-d view); ``index`` keys hold none
(NumPy reads even an empty Ellipsis as a gap between index arrays). The backward of
``getitem``/``index`` is ``call("index_put", (zeros, grad), (key, True))``.

In-place ops run the kernel ``<name>_`` (same arguments, writes into x) when the backend has
one, else ``<name>`` and ``copy_``; while autograd records they run out of place and
``_core.assign`` the result, so the history is kept.
"""

from __future__ import annotations

import warnings

import numpy as np

from ember import _core, dtypes
from ember.ops.conversion import fill_value as _scalar
from ember.ops.creation import _result as _out
from ember.ops.shape import wrap_dim

__all__ = [
    "IndexingMethods", "gather", "scatter", "scatter_add", "scatter_reduce", "index_select",
    "index_add", "index_copy", "index_fill", "index_put", "masked_fill", "masked_select", "take",
    "take_along_dim", "nonzero", "argwhere",
]

_Tensor = _core.TensorBase
_INDEX_DTYPES = (dtypes.int64, dtypes.int32)


def _name(t) -> str:
    return _core._type_name(t.dtype)


def _recording(*tensors) -> bool:
    if _core.get_recorder() is None or not _core.is_grad_enabled():
        return False
    return any(isinstance(t, _Tensor) and t._requires_grad for t in tensors)


def _same_device(a, b) -> None:
    if a._device is not b._device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two "
                           f"devices, {a._device} and {b._device}!")


def _inplace(name: str, self, others: tuple, params: tuple):
    """Run op ``name`` on ``self`` and ``others``, writing the result into ``self``."""
    for o in others:
        _same_device(self, o)
    if _recording(self, *others):
        return _core.assign(self, _core.call(name, (self, *others), params))
    _core.check_inplace(self)
    kernels = self._device._kernels
    datas = [o._data for o in others]
    fn = kernels.get(name + "_")
    if fn is not None:
        fn(self._data, *datas, *params)
    else:
        kernels["copy_"](self._data, kernels[name](self._data, *datas, *params))
    self._bump_version()
    return self


def _broadcast_shape(a: tuple, b: tuple) -> tuple:
    """The broadcast of two shapes, with PyTorch's message when they do not broadcast."""
    if a == b:
        return tuple(a)
    n = max(len(a), len(b))
    a1, b1 = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a1, b1)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


# ----------------------------------------------------------------------------------------
# t[key] and t[key] = value

def _sequence_as_tuple(seq) -> bool:
    """PyTorch (like old NumPy) reads a short list holding slices, None, ..., tensors or
    sequences as a tuple of indices: ``t[[0, slice(None)]]`` is ``t[0, :]``."""
    if isinstance(seq, (_Tensor, np.ndarray)) or not isinstance(seq, (list, range)) or len(seq) >= 32:
        return False
    for item in seq:
        if isinstance(item, (_Tensor, list, tuple, slice)) or item is None or item is Ellipsis:
            warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated; use "
                          "x[tuple(seq)] instead of x[seq]", UserWarning, stacklevel=4)
            return True
    return False


def _index_tensor(t, k):
    """An index tensor (or a Python int/bool for 0-d ones) on ``t``'s device."""
    if k.dtype is dtypes.uint8:
        warnings.warn("indexing with dtype ember.uint8 is deprecated, please use a dtype ember.bool "
                      "instead.", UserWarning, stacklevel=4)
        k = k.bool()
    if k.dtype is not dtypes.bool and k.dtype not in _INDEX_DTYPES:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if k._data.ndim == 0:
        return bool(k.item()) if k.dtype is dtypes.bool else int(k.item())
    if k._device is not t._device:
        if k._device.type != "cpu":
            raise RuntimeError(f"indices should be either on cpu or on the same device as the indexed "
                               f"tensor ({t._device})")
        k = k.to(t._device)
    return k


def _sequence_index(t, seq):
    """A list or array used as one index: a bool mask or an int64 index tensor."""
    from ember.ops.creation import place
    arr = np.asarray(seq)
    if arr.dtype == object:
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         "Variables are valid indices (got list)")
    if arr.dtype.kind not in "biuf":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if arr.dtype != np.bool_:
        arr = arr.astype(np.int64)   # PyTorch makes a long tensor of any list of numbers
    elif arr.ndim == 0:
        return bool(arr)
    return place(np.array(arr), t._device)


def _slice(k: slice) -> slice:
    start, stop, step = k.start, k.stop, k.step
    if step is not None:
        step = step.__index__()
        if step <= 0:
            raise ValueError("slice step cannot be zero" if step == 0 else "step must be greater than zero")
    if start is not None and type(start) is not int:
        start = start.__index__()
    if stop is not None and type(stop) is not int:
        stop = stop.__index__()
    return slice(start, stop, step)


def _parse(t, key) -> tuple[list, int, bool]:
    """The items of ``t[key]`` as ints, slices, None, Ellipsis, bools and index tensors; the
    number of dimensions of ``t`` they use; whether any is an index tensor or a bool."""
    if type(key) is not tuple:
        key = tuple(key) if _sequence_as_tuple(key) else (key,)
    items = []
    used = 0
    advanced = ellipsis = False
    for k in key:
        tk = type(k)
        if tk is int:
            used += 1
        elif tk is slice:
            k = _slice(k)
            used += 1
        elif k is None:
            pass
        elif k is Ellipsis:
            if ellipsis:
                raise IndexError("an index can only have a single ellipsis ('...')")
            ellipsis = True
        elif tk is bool or tk is np.bool_:
            k = bool(k)
            advanced = True
        elif isinstance(k, np.integer):
            k = int(k)
            used += 1
        else:
            if isinstance(k, _Tensor):
                k = _index_tensor(t, k)
            elif isinstance(k, (list, tuple, range, np.ndarray)):
                k = _sequence_index(t, k)
            else:
                raise IndexError(f"only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                                 f"Variables are valid indices (got {tk.__name__})")
            if type(k) is int:
                used += 1
            elif type(k) is bool:
                advanced = True
            else:
                advanced = True
                used += k._data.ndim if k._dtype is dtypes.bool else 1
        items.append(k)
    if not ellipsis:
        items.append(Ellipsis)   # makes even an all-int key give a 0-d view, not a scalar
    return items, used, advanced


def _check(t, items: list, used: int) -> None:
    """PyTorch's IndexErrors: too many indices, integers out of range, masks of the wrong shape."""
    shape = t._data.shape
    ndim = len(shape)
    if used > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    dim = 0
    sliced = []   # the shape after ints, slices, None and bools: PyTorch checks masks against it
    masks = []
    for position, k in enumerate(items):
        tk = type(k)
        if tk is int:
            n = shape[dim]
            if not -n <= k < n:   # PyTorch names the integer's position in the key
                raise IndexError(f"index {k} is out of bounds for dimension {position} with size {n}")
            dim += 1
        elif tk is slice:
            sliced.append(len(range(*k.indices(shape[dim]))))
            dim += 1
        elif k is Ellipsis:
            sliced.extend(shape[dim:dim + ndim - used])
            dim += ndim - used
        elif k is None or tk is bool:
            sliced.append(1)
        elif k._dtype is dtypes.bool:
            masks.append((k, len(sliced)))
            sliced.extend(shape[dim:dim + k._data.ndim])
            dim += k._data.ndim
        else:
            sliced.append(shape[dim])
            dim += 1
    for k, at in masks:
        for j, m in enumerate(k._data.shape):
            if m != sliced[at + j]:
                raise IndexError(f"The shape of the mask {list(k._data.shape)} at index {j} does not match the "
                                 f"shape of the indexed tensor {sliced} at index {at + j}")


_NoneType = type(None)


def _basic_key(shape: tuple, key: tuple):
    """``key`` as a ``getitem`` key when it holds only in-range ints, slices with int bounds
    and positive steps, None and one Ellipsis (the common case, checked cheaply), else None."""
    n = len(shape)
    used = 0
    ellipsis = False
    for k in key:
        tk = type(k)
        if tk is int or tk is slice:
            used += 1
        elif k is Ellipsis:
            if ellipsis:
                return None
            ellipsis = True
        elif k is not None:
            return None
    if used > n:
        return None
    dim = 0
    for k in key:
        tk = type(k)
        if tk is int:
            size = shape[dim]
            if k >= size or k < -size:
                return None
            dim += 1
        elif tk is slice:
            step = k.step
            if (step is not None and (type(step) is not int or step <= 0)) or \
                    type(k.start) not in (int, _NoneType) or type(k.stop) not in (int, _NoneType):
                return None
            dim += 1
        elif k is Ellipsis:
            dim += n - used
    return key if ellipsis else key + (Ellipsis,)


def _key(t, key) -> tuple[tuple, bool]:
    """``key`` as a kernel key (see the module docstring) and whether it needs ``index``."""
    if t._data.ndim == 0 and not isinstance(key, (tuple, list, _Tensor, np.ndarray, bool, np.bool_)):
        if isinstance(key, (int, np.integer)):
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        if type(key) is slice:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    if isinstance(key, _Tensor) and key._data.ndim and key._device is t._device:   # t[index] and t[mask]
        dt = key._dtype
        if (dt is dtypes.int64 or dt is dtypes.int32) and t._data.ndim:
            return (key._data,), True
        if dt is dtypes.bool and key._data.shape == t._data.shape[:key._data.ndim]:
            return (key._data,), True
    items, used, advanced = _parse(t, key)
    _check(t, items, used)
    if advanced:   # NumPy reads even an empty Ellipsis as a gap between index arrays: spell it out
        full = (slice(None),) * (t._data.ndim - used)
        key = ()
        for k in items:
            key += full if k is Ellipsis else (k._data if isinstance(k, _Tensor) else k,)
        return key, True
    return tuple(items), False


def _indexed_shape(t, key) -> tuple:
    """The shape of ``t[key]`` (for error messages), computed on a zero-strided host array."""
    from ember.backends.cpu.indexing import index
    to_host = t._device._backend.to_numpy
    host_key = tuple(k if k is None or isinstance(k, (int, slice, type(Ellipsis))) else to_host(k) for k in key)
    return index(np.broadcast_to(np.zeros((), np.bool_), t._data.shape), host_key).shape


def _mismatch(t, key, value_shape: tuple, advanced: bool) -> RuntimeError:
    target = _indexed_shape(t, key)
    if advanced:
        return RuntimeError(f"shape mismatch: value tensor of shape {list(value_shape)} cannot be broadcast "
                            f"to indexing result of shape {list(target)}")
    while len(value_shape) > len(target) and value_shape[0] == 1:
        value_shape = value_shape[1:]
    if len(value_shape) > len(target):
        return RuntimeError(f"expand(ember.{t.type().split('.')[-1]}{{{list(value_shape)}}}, size={list(target)}): "
                            f"the number of sizes provided ({len(target)}) must be greater or equal to the "
                            f"number of dimensions in the tensor ({len(value_shape)})")
    offset = len(target) - len(value_shape)
    for i in range(len(value_shape) - 1, -1, -1):
        if value_shape[i] not in (1, target[offset + i]):
            return RuntimeError(f"The expanded size of the tensor ({target[offset + i]}) must match the existing "
                                f"size ({value_shape[i]}) at non-singleton dimension {offset + i}.  Target sizes: "
                                f"{list(target)}.  Tensor sizes: {list(value_shape)}")
    return RuntimeError(f"cannot assign a tensor of shape {list(value_shape)} to t[key] of shape {list(target)}")


def _put(self, key: tuple, advanced: bool, value, accumulate: bool) -> None:
    """``self[key] = value`` (or ``+=`` with ``accumulate``), in place."""
    if isinstance(value, _Tensor):
        if value._device is not self._device:
            if value._data.ndim == 0 and value._device.type == "cpu":
                value = value.to(self._device)
            else:
                _same_device(self, value)
        if value._dtype is not self._dtype:
            if advanced:
                raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                                   f"{_name(self)} for the destination and {_name(value)} for the source.")
            value = value.to(self._dtype)
        recording = _recording(self, value)
    elif isinstance(value, (int, float, bool, np.number, np.bool_)):
        value = _scalar(value, self._dtype)
        recording = _recording(self)
        if recording:
            from ember.ops.creation import full
            value = full((), value, dtype=self._dtype, device=self._device)
    else:
        raise TypeError(f"can't assign a {type(value).__name__} to a {self.type()}")
    if self._requires_grad and self.grad_fn is None and _core.is_grad_enabled():
        raise RuntimeError(("a leaf Variable" if advanced else "a view of a leaf Variable") +
                           " that requires grad is being used in an in-place operation.")
    _core.check_writable(self)
    try:
        if recording:
            _core.assign(self, _core.call("index_put", (self, value), (key, accumulate)))
            return
        data = value._data if isinstance(value, _Tensor) else value
        kernels = self._device._kernels
        fn = kernels.get("index_put_")
        if fn is not None:
            fn(self._data, data, key, accumulate)
        else:
            kernels["copy_"](self._data, kernels["index_put"](self._data, data, key, accumulate))
    except ValueError:
        raise _mismatch(self, key, tuple(value.shape) if isinstance(value, _Tensor) else (), advanced) from None
    self._bump_version()


def index_put(input, indices, values, accumulate: bool = False):
    """A copy of ``input`` with ``input[indices] = values`` (``+=`` where ``accumulate``, so that
    repeated indices add up).

    Args:
        input: the tensor to write into (a copy of it).
        indices: a tuple of index tensors (int64/int32 or bool masks), one per leading dimension.
        values: a tensor of ``input``'s dtype that broadcasts to ``input[indices]``.
        accumulate: add ``values`` instead of assigning them.

    Example::

        >>> ember.zeros(3).index_put((ember.tensor([0, 0, 2]),), ember.tensor(1.), accumulate=True)
        tensor([2., 0., 1.])
    """
    _index_put_key(input, indices, values, "index_put")
    return input.clone().index_put_(indices, values, accumulate)


def _index_put_key(self, indices, values, op: str) -> tuple[tuple, bool]:
    if not isinstance(values, _Tensor):
        raise TypeError(f"{op}(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"index_put(): argument 'indices' (position 1) must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    for i, k in enumerate(indices):
        if not isinstance(k, _Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(k).__name__}")
    if len(indices) > self.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self.ndim} (got {len(indices)})")
    key, advanced = _key(self, tuple(indices))
    return key, advanced


class IndexingMethods:
    __slots__ = ()

    def __getitem__(self, key):
        tk = type(key)
        if tk is int:
            shape = self._data.shape
            if shape and -shape[0] <= key < shape[0]:
                return _core.call_view("getitem", self, ((key, Ellipsis),))
        elif tk is slice and self._data.ndim and key.step is None \
                and type(key.start) in (int, _NoneType) and type(key.stop) in (int, _NoneType):
            return _core.call_view("getitem", self, ((key, Ellipsis),))
        elif tk is tuple:
            basic = _basic_key(self._data.shape, key)
            if basic is not None:
                return _core.call_view("getitem", self, (basic,))
        key, advanced = _key(self, key)
        if advanced:
            return _core.call("index", (self,), (key,))
        return _core.call_view("getitem", self, (key,))

    def __setitem__(self, key, value) -> None:
        basic = _basic_key(self._data.shape, key if type(key) is tuple else (key,)) \
            if type(key) in (int, slice, tuple) else None
        if basic is not None:
            _put(self, basic, False, value, False)
        else:
            key, advanced = _key(self, key)
            _put(self, key, advanced, value, False)

    def index_put_(self, indices, values, accumulate: bool = False):
        """``self[indices] = values`` in place (``+=`` with ``accumulate``); see ``ember.index_put``."""
        key, _ = _index_put_key(self, indices, values, "index_put_")
        _put(self, key, True, values, bool(accumulate))
        return self

    def index_put(self, indices, values, accumulate: bool = False):
        return index_put(self, indices, values, accumulate)

    def gather(self, dim: int, index, *, sparse_grad: bool = False):
        return gather(self, dim, index, sparse_grad=sparse_grad)

    def scatter(self, dim: int, index, src=None, value=None, *, reduce: str | None = None):
        return scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim: int, index, src=None, value=None, *, reduce: str | None = None):
        """``scatter`` in place."""
        return _scatter(self, dim, index, src, value, reduce, inplace=True)

    def scatter_add(self, dim: int, index, src):
        return scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: int, index, src):
        """``scatter_add`` in place."""
        _check_scatter(self, dim, index, src, "scatter")
        return _inplace("scatter_add", self, (index, src), (wrap_dim(dim, self.ndim),))

    def scatter_reduce(self, dim: int, index, src, reduce: str, *, include_self: bool = True):
        return scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim: int, index, src, reduce: str, *, include_self: bool = True):
        """``scatter_reduce`` in place."""
        params = _check_scatter_reduce(self, dim, index, src, reduce, include_self)
        return _inplace("scatter_reduce", self, (index, src), params)

    def index_select(self, dim: int, index):
        return index_select(self, dim, index)

    def index_add(self, dim: int, index, source, *, alpha=1):
        return index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim: int, index, source, *, alpha=1):
        """``index_add`` in place."""
        d = _check_index_add(self, dim, index, source)
        return _inplace("index_add", self, (index, source), (d, alpha))

    def index_copy(self, dim: int, index, source):
        return index_copy(self, dim, index, source)

    def index_copy_(self, dim: int, index, source):
        """``index_copy`` in place."""
        d = _check_index_copy(self, dim, index, source)
        return _inplace("index_copy", self, (index, source), (d,))

    def index_fill(self, dim: int, index, value):
        return index_fill(self, dim, index, value)

    def index_fill_(self, dim: int, index, value):
        """``index_fill`` in place."""
        d, value = _check_index_fill(self, dim, index, value)
        return _inplace("index_fill", self, (index,), (d, value))

    def masked_fill(self, mask, value):
        return masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        """Fill the elements of ``self`` where ``mask`` (broadcast to ``self``) is True, in place."""
        value = _check_masked_fill(self, mask, value)
        shape = _broadcast_shape(mask._data.shape, self._data.shape)
        if shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(shape)}")
        if isinstance(value, _Tensor):
            return _core.assign(self, _where(mask, value, self))
        return _inplace("masked_fill", self, (mask,), (value,))

    def masked_select(self, mask):
        return masked_select(self, mask)

    def take(self, index):
        return take(self, index)

    def take_along_dim(self, indices, dim: int | None = None):
        return take_along_dim(self, indices, dim)

    def nonzero(self, *, as_tuple: bool = False):
        return nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return argwhere(self)


# ----------------------------------------------------------------------------------------
# gather and scatter

def _check_index_dtype(index, op: str) -> None:
    if not isinstance(index, _Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._dtype is not dtypes.int64 and index._dtype is not dtypes.int32:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")


def gather(input, dim: int, index, *, sparse_grad: bool = False, out=None):
    """Values of ``input`` along ``dim`` at the positions in ``index``.

    For a 3-d input, ``out[i][j][k] = input[index[i][j][k]][j][k]`` when ``dim == 0`` (and
    likewise for the other dims). ``index`` has ``input``'s number of dimensions and is no
    larger than ``input`` in the other dimensions; the result has ``index``'s shape.

    Example::

        >>> ember.gather(ember.tensor([[1, 2], [3, 4]]), 1, ember.tensor([[0, 0], [1, 0]]))
        tensor([[1, 1],
                [4, 3]])
    """
    if sparse_grad:
        raise NotImplementedError("gather(): sparse_grad=True is not supported: ember's gradients are dense tensors")
    _check_index_dtype(index, "gather")
    shape, ishape = input._data.shape, index._data.shape
    d = wrap_dim(dim, len(shape))
    if max(len(ishape), 1) != max(len(shape), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if ishape != shape:
        for i, n in enumerate(ishape):
            if i != d and n > shape[i]:
                raise RuntimeError(f"Size does not match at dimension {i} expected index {list(ishape)} to be "
                                   f"no larger than self {list(shape)} apart from dimension {d}")
    return _out(_core.call("gather", (input, index), (d,)), out)


def _check_scatter(self, dim, index, src, op: str) -> int:
    _check_index_dtype(index, op)
    shape, ishape = self._data.shape, index._data.shape
    d = wrap_dim(dim, len(shape))
    is_tensor = isinstance(src, _Tensor)
    sshape = src._data.shape if is_tensor else None
    if is_tensor and src._dtype is not self._dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    if max(len(ishape), 1) != max(len(shape), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if is_tensor and 0 < len(sshape) < len(ishape):
        wrap_dim(len(sshape), len(sshape))   # PyTorch reads src's sizes first: IndexError
    if is_tensor and max(len(ishape), 1) != max(len(sshape), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if ishape == shape and (not is_tensor or ishape == sshape):
        return d
    too_big = any(n > shape[i] for i, n in enumerate(ishape) if i != d)
    if is_tensor:
        if too_big or any(n > sshape[i] for i, n in enumerate(ishape)):
            raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self {list(shape)} "
                               f"apart from dimension {d} and to be no larger size than src {list(sshape)}")
    elif too_big:
        raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self {list(shape)} "
                           f"apart from dimension {d}")
    return d


_SCATTER_REDUCE = {"add": "sum", "multiply": "prod"}


def _scatter(self, dim, index, src, value, reduce, inplace: bool):
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required argument: 'src' or 'value'")
    if reduce is not None and reduce not in _SCATTER_REDUCE:
        raise RuntimeError("reduce argument must be either add or multiply.")
    d = _check_scatter(self, dim, index, src, "scatter")
    if reduce is not None and isinstance(src, _Tensor):
        warnings.warn("The reduce argument of ember.scatter with Tensor src is deprecated; use "
                      "ember.scatter_reduce instead for more reduction options.", UserWarning, stacklevel=3)
    if not isinstance(src, _Tensor):
        value = _scalar(src, self.dtype)
        if reduce is None:
            name, inputs, params = "scatter_value", (index,), (d, value)
        else:
            from ember.ops.creation import full
            src = full(tuple(index.shape), value, dtype=self.dtype, device=self.device)
    if isinstance(src, _Tensor):
        if reduce is None:
            name, inputs, params = "scatter", (index, src), (d,)
        else:
            name, inputs, params = "scatter_reduce", (index, src), (d, _SCATTER_REDUCE[reduce], True)
    if inplace:
        return _inplace(name, self, inputs, params)
    return _core.call(name, (self, *inputs), params)


def scatter(input, dim: int, index, src=None, *, value=None, reduce: str | None = None):
    """A copy of ``input`` with the values of ``src`` (a tensor or a number) written along
    ``dim`` at the positions in ``index``: for a 3-d input and ``dim == 0``,
    ``out[index[i][j][k]][j][k] = src[i][j][k]``. With ``reduce="add"`` or ``"multiply"``
    the values are combined with what is there instead.

    Example::

        >>> ember.zeros(2, 3).scatter(1, ember.tensor([[2], [0]]), ember.tensor([[1.], [2.]]))
        tensor([[0., 0., 1.],
                [2., 0., 0.]])
    """
    return _scatter(input, dim, index, src, value, reduce, inplace=False)


def scatter_add(input, dim: int, index, src):
    """A copy of ``input`` with ``src`` added along ``dim`` at the positions in ``index``;
    repeated positions add up: ``out[index[i][j]][j] += src[i][j]`` for ``dim == 0``.

    Example::

        >>> ember.zeros(3).scatter_add(0, ember.tensor([0, 0, 2]), ember.tensor([1., 2., 3.]))
        tensor([3., 0., 3.])
    """
    d = _check_scatter(input, dim, index, src, "scatter")
    return _core.call("scatter_add", (input, index, src), (d,))


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_REDUCTION_ALIASES = {"max": "amax", "min": "amin"}   # PyTorch accepts these too


def _check_scatter_reduce(self, dim, index, src, reduce, include_self) -> tuple:
    reduce = _REDUCTION_ALIASES.get(reduce, reduce)
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, _Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}")
    d = _check_scatter(self, dim, index, src, "scatter")
    return (d, reduce, bool(include_self))


def scatter_reduce(input, dim: int, index, src, reduce: str, *, include_self: bool = True):
    """A copy of ``input`` where the values of ``src`` scattered along ``dim`` to the positions
    in ``index`` are reduced with ``reduce`` (``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``,
    ``"amin"``), together with the value already there if ``include_self``.

    Integer ``"mean"`` rounds down, as in PyTorch.

    Example::

        >>> ember.tensor([1., 2.]).scatter_reduce(0, ember.tensor([0, 0, 1]), ember.tensor([5., 3., 7.]), "amax")
        tensor([5., 7.])
    """
    params = _check_scatter_reduce(input, dim, index, src, reduce, include_self)
    return _core.call("scatter_reduce", (input, index, src), params)


# ----------------------------------------------------------------------------------------
# index_select / index_add / index_copy / index_fill

def index_select(input, dim: int, index, *, out=None):
    """The entries of ``input`` along ``dim`` at the positions in the 1-d ``index``.

    Example::

        >>> ember.index_select(ember.tensor([[1, 2, 3], [4, 5, 6]]), 1, ember.tensor([2, 0]))
        tensor([[3, 1],
                [6, 4]])
    """
    if not isinstance(index, _Tensor):
        raise TypeError(f"index_select(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0 and index.numel() != 1:
        raise IndexError(f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)")
    return _out(_core.call("index_select", (input, index), (d,)), out)


def _check_index_vector(index, op: str, dtype_ok: bool, dtype_msg: str, error=RuntimeError) -> None:
    if not isinstance(index, _Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if not dtype_ok:
        raise error(dtype_msg)


def _check_index_add(self, dim, index, source) -> int:
    _check_index_vector(index, "index_add", index.dtype in _INDEX_DTYPES,
                        f"index_add_(): Expected dtype int32/int64 for index but got: {_name(index)}")
    d = wrap_dim(dim, self.ndim)
    if index.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
                         f"{_name(index)} and size: {list(index.shape)}")
    if source.dtype is not self.dtype:
        raise RuntimeError(f"index_add_(): self ({_name(self)}) and source ({_name(source)}) must have the same "
                           f"scalar type")
    if source.ndim and d >= source.ndim:
        raise RuntimeError(f"index_add_(): Indexing dim {d} is out of bounds of the source tensor with dim "
                           f"{source.ndim}")
    n_src = source.shape[d] if source.ndim else 1
    if index.numel() != n_src:
        raise RuntimeError(f"index_add_(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({n_src}), for dim: {d}")
    if self.ndim and source.ndim and (self.ndim != source.ndim or any(
            a != b for i, (a, b) in enumerate(zip(self.shape, source.shape)) if i != d)):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(self.shape)} source.shape = {list(source.shape)}")
    return d


def index_add(input, dim: int, index, source, *, alpha=1, out=None):
    """A copy of ``input`` with ``alpha * source`` added at the positions ``index`` along
    ``dim``; repeated indices add up.

    Example::

        >>> ember.zeros(3, 2).index_add(0, ember.tensor([0, 0]), ember.ones(2, 2))
        tensor([[2., 2.],
                [0., 0.],
                [0., 0.]])
    """
    d = _check_index_add(input, dim, index, source)
    return _out(_core.call("index_add", (input, index, source), (d, alpha)), out)


def _check_index_copy(self, dim, index, source) -> int:
    _check_index_vector(index, "index_copy", index.dtype is dtypes.int64,
                        f"index_copy_(): Expected a long tensor for index, but got {_name(index)}")
    if source.dtype is not self.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_name(self)} and (source) {_name(source)}")
    d = wrap_dim(dim, self.ndim)
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    n_src = source.shape[d] if source.ndim > d else 1
    if index.numel() != n_src:
        raise IndexError(f"index_copy_(): Number of indices ({index.numel()}) should be equal to "
                         f"source.size(dim) ({n_src})")
    self_slice = [n for i, n in enumerate(self.shape) if i != d]
    src_slice = [n for i, n in enumerate(source.shape) if i != d]
    if self_slice != src_slice and self.ndim and source.ndim:
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                           f"slice shape: {' '.join(map(str, self_slice))} at dimension {d} and source slice "
                           f"shape: {' '.join(map(str, src_slice))} at dimension 0.")
    return d


def index_copy(input, dim: int, index, source):
    """A copy of ``input`` with the slices of ``source`` along ``dim`` written at the positions
    ``index``.

    Example::

        >>> ember.zeros(3, 2).index_copy(0, ember.tensor([2, 0]), ember.tensor([[1., 2.], [3., 4.]]))
        tensor([[3., 4.],
                [0., 0.],
                [1., 2.]])
    """
    d = _check_index_copy(input, dim, index, source)
    return _core.call("index_copy", (input, index, source), (d,))


def _check_index_fill(self, dim, index, value) -> tuple[int, object]:
    _check_index_vector(index, "index_fill", index.dtype is dtypes.int64,
                        "index_fill_(): Expected dtype int64 for index.", IndexError)
    d = wrap_dim(dim, self.ndim)
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    return d, _scalar(value, self.dtype, "index_fill_")


def index_fill(input, dim: int, index, value):
    """A copy of ``input`` with the entries at positions ``index`` along ``dim`` set to ``value``.

    Example::

        >>> ember.zeros(2, 3).index_fill(1, ember.tensor([0, 2]), 5.)
        tensor([[5., 0., 5.],
                [5., 0., 5.]])
    """
    d, value = _check_index_fill(input, dim, index, value)
    return _core.call("index_fill", (input, index), (d, value))


# ----------------------------------------------------------------------------------------
# masks

def _check_masked_fill(self, mask, value):
    if not isinstance(mask, _Tensor):
        raise TypeError(f"masked_fill(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.dtype is not dtypes.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_name(mask)}")
    if isinstance(value, _Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        if _recording(value):   # keep the value in the graph: a where() with the value's gradient
            return value.to(self.dtype)
    return _scalar(value, self.dtype, "masked_fill_")


def _where(mask, value, x):
    return _core.call("where", (mask, value, x))


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where the boolean ``mask`` (broadcast with ``input``)
    is True.

    Example::

        >>> x = ember.tensor([1., -2., 3.])
        >>> x.masked_fill(x < 0, 0.)
        tensor([1., 0., 3.])
    """
    value = _check_masked_fill(input, mask, value)
    _broadcast_shape(mask._data.shape, input._data.shape)
    if isinstance(value, _Tensor):
        return _where(mask, value, input)
    return _core.call("masked_fill", (input, mask), (value,))


def masked_select(input, mask, *, out=None):
    """The elements of ``input`` where the boolean ``mask`` is True, as a 1-d tensor
    (``input`` and ``mask`` broadcast together first).

    Example::

        >>> x = ember.tensor([[1, 2], [3, 4]])
        >>> ember.masked_select(x, x > 1)
        tensor([2, 3, 4])
    """
    if not isinstance(mask, _Tensor) or mask.dtype is not dtypes.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    _broadcast_shape(mask._data.shape, input._data.shape)
    return _out(_core.call("masked_select", (input, mask)), out)


def take(input, index):
    """The elements of ``input`` (read as 1-d, in row-major order) at the positions ``index``;
    the result has ``index``'s shape.

    Example::

        >>> ember.take(ember.tensor([[4, 3], [5, 7]]), ember.tensor([0, 3]))
        tensor([4, 7])
    """
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_name(index)}")
    return _core.call("take", (input, index))


def take_along_dim(input, indices, dim: int | None = None, *, out=None):
    """The values of ``input`` at ``indices`` along ``dim`` (like ``gather``, but ``input`` and
    ``indices`` broadcast in the other dims); with ``dim=None``, over the flattened ``input``.
    Pairs with ``argsort``/``argmax(keepdim=True)``.

    Example::

        >>> x = ember.tensor([[10, 30, 20], [60, 40, 50]])
        >>> ember.take_along_dim(x, x.argsort(dim=1), dim=1)
        tensor([[10, 20, 30],
                [40, 50, 60]])
    """
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {_name(indices)}"
                           .replace("torch.", "ember."))
    if dim is None:
        return _out(_core.call("take_along_dim", (input, indices), (None,)), out)
    d = wrap_dim(dim, input.ndim)
    if input.ndim != indices.ndim:
        raise RuntimeError(f"ember.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
                           f"dimensions for indices")
    if input.ndim:
        _broadcast_shape(tuple(n for i, n in enumerate(input.shape) if i != d),
                         tuple(n for i, n in enumerate(indices.shape) if i != d))
    return _out(_core.call("take_along_dim", (input, indices), (d,)), out)


def nonzero(input, *, out=None, as_tuple: bool = False):
    """The indices of the non-zero elements of ``input``: an int64 tensor of shape
    ``(count, input.ndim)``, or with ``as_tuple=True`` a tuple of ``input.ndim`` 1-d tensors
    (one for a 0-d input), usable as ``input[input.nonzero(as_tuple=True)]``.

    Example::

        >>> ember.nonzero(ember.tensor([[0, 1], [2, 0]]))
        tensor([[0, 1],
                [1, 0]])
    """
    if as_tuple:
        return _core.call("nonzero_tuple", (input,))
    return _out(_core.call("nonzero", (input,)), out)


def argwhere(input):
    """The indices of the non-zero elements of ``input``, shape ``(count, input.ndim)``."""
    return _core.call("nonzero", (input,))
