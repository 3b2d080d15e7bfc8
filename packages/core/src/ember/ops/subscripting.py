"""Subscripting: ``t[key]``, ``t[key] = value`` and ``index_put``.

Kernels (name: inputs; params). ember-autograd writes one derivative rule per name.

    getitem         (x,)                (key,)                  a view; key: ints, slices, None, Ellipsis
    index           (x,)                (key,)                  a copy; key also holds native index arrays
    index_put       (x, values)         (key, accumulate)       x with x[key] = values (+= if accumulate);
                                                                values broadcast to x[key]'s shape

A key is a tuple in PyTorch's reading: integers select before index arrays apply (NumPy would
mix them); a bool adds a dimension of size 1 (True) or 0 (False) that is indexed like an array;
index arrays are native int32/int64 or bool arrays of 1 or more dimensions. ``getitem`` keys
hold exactly one Ellipsis (an all-int key still gives a 0-d view); ``index`` keys hold none
(NumPy reads even an empty Ellipsis as a gap between index arrays). The backward of
``getitem``/``index`` is ``call("index_put", (zeros, grad), (key, True))``.
"""

from __future__ import annotations

import warnings

import numpy as np

from ember import _core, dtypes
from ember.ops.conversion import fill_value as _scalar
from ember.ops.inplace import recording as _recording
from ember.ops.inplace import same_device as _same_device

__all__ = ["SubscriptingMethods", "index_put"]

_Tensor = _core.TensorBase
_INDEX_DTYPES = (dtypes.int64, dtypes.int32)


def _name(t) -> str:
    return _core._type_name(t.dtype)


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


class SubscriptingMethods:
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
