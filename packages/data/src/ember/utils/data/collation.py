"""``default_collate`` and ``default_convert``: samples in, batches out.

Tensors and arrays are stacked with NumPy into an array from ``batch_memory.empty``, which is
shared memory inside a DataLoader worker: the batch is written once, where the main process
will read it.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable

import numpy as np

import ember
from ember.utils.data import batch_memory

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"
)


def default_convert(data):
    """Convert each NumPy array (or NumPy scalar) in ``data`` into an ember tensor.

    Used as the ``collate_fn`` when automatic batching is off (``batch_size=None``).
    Mappings, named tuples and sequences are converted element by element; tuples become
    lists, as in PyTorch; anything else is returned unchanged.

    Example::

        >>> default_convert(np.array([0, 1]))
        tensor([0, 1])
        >>> default_convert({"x": np.zeros(2), "name": "a"})
        {'x': tensor([0., 0.], dtype=ember.float64), 'name': 'a'}
    """
    elem_type = type(data)
    if isinstance(data, ember.Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_", "bytes_"):
        if isinstance(data, np.ndarray) and np_str_obj_array_pattern.search(data.dtype.str) is not None:
            return data
        return ember.from_numpy(np.ascontiguousarray(data) if isinstance(data, np.ndarray) else np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map: dict[type | tuple[type, ...], Callable] | None = None):
    """Collate a batch by the type of its first element, recursing into containers.

    ``collate_fn_map`` maps element types to functions ``fn(batch, *, collate_fn_map)``;
    an exact type match wins, else the first key the element is an instance of.

    Example::

        >>> def collate_str_upper(batch, *, collate_fn_map):
        ...     return [s.upper() for s in batch]
        >>> collate(["a", "b"], collate_fn_map={str: collate_str_upper})
        ['A', 'B']
    """
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for collate_type in collate_fn_map:
            if isinstance(elem, collate_type):
                return collate_fn_map[collate_type](batch, collate_fn_map=collate_fn_map)

    if isinstance(elem, collections.abc.Mapping):
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
                return clone
            return elem_type({key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem})
        except TypeError:
            return {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        it = iter(batch)
        elem_size = len(next(it))
        if not all(len(e) == elem_size for e in it):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map) for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def _stack_arrays(arrays: list[np.ndarray]) -> np.ndarray:
    """``np.stack(arrays)`` into ``batch_memory``, with ``ember.stack``'s error for ragged shapes."""
    shape = arrays[0].shape
    for i, a in enumerate(arrays):
        if a.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                               f"and {list(a.shape)} at entry {i}")
    dtype = arrays[0].dtype
    if any(a.dtype != dtype for a in arrays):
        dtype = np.result_type(*arrays)
    out = batch_memory.empty((len(arrays), *shape), dtype)
    np.stack(arrays, out=out)
    return out


def collate_tensor_fn(batch, *, collate_fn_map=None):
    if all(t.device.type == "cpu" and not t.requires_grad for t in batch):
        return ember.from_numpy(_stack_arrays([t.numpy() for t in batch]))
    return ember.stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    return ember.from_numpy(_stack_arrays(batch))


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    return ember.from_numpy(np.asarray(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    return ember.from_numpy(np.array(batch, dtype=np.float64))


def collate_int_fn(batch, *, collate_fn_map=None):
    arr = np.array(batch)
    if arr.dtype.kind not in "iub":
        return ember.tensor(batch)     # ints beyond int64: ember.tensor reports them
    return ember.from_numpy(arr if arr.dtype.kind == "b" else arr.astype(np.int64, copy=False))


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map: dict[type | tuple[type, ...], Callable] = {
    ember.Tensor: collate_tensor_fn,
    np.ndarray: collate_numpy_array_fn,
    (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
    float: collate_float_fn,
    int: collate_int_fn,
    str: collate_str_fn,
    bytes: collate_str_fn,
}


def default_collate(batch):
    """Put each data field of a list of samples into a tensor with a leading batch dimension.

    The default ``collate_fn`` when the DataLoader batches (``batch_size`` or
    ``batch_sampler`` given). Element type -> output:

    * ``Tensor`` -> ``Tensor`` with an added outer dimension of size ``len(batch)``
    * NumPy array -> ``Tensor`` (stacked); NumPy scalar -> 1-D ``Tensor``
    * ``float`` -> float64 ``Tensor``; ``int`` -> int64 ``Tensor`` (``bool`` -> bool)
    * ``str``, ``bytes`` -> unchanged (a list)
    * ``Mapping[K, V_i]`` -> ``Mapping[K, default_collate([V_1, V_2, ...])]``
    * ``NamedTuple[V1_i, V2_i, ...]`` -> ``NamedTuple[default_collate([V1_1, V1_2, ...]), ...]``
    * ``Sequence[V1_i, V2_i, ...]`` -> ``Sequence[default_collate([V1_1, V1_2, ...]), ...]``
      (tuples become lists)

    Arguments:
        batch: a list of samples.

    Example::

        >>> default_collate([0, 1, 2, 3])
        tensor([0, 1, 2, 3])
        >>> default_collate([(0, "a"), (1, "b")])
        [tensor([0, 1]), ('a', 'b')]
        >>> default_collate([{"x": 0.5}, {"x": 1.5}])
        {'x': tensor([0.5000, 1.5000], dtype=ember.float64)}
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)
