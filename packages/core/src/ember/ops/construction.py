"""Making tensors from other objects and values: ``asarray``, ``frombuffer``, ``empty_strided``,
``empty_permuted``, ``range``, ``fill``, ``clone``, ``detach``, ``rsub``, and the deprecated
``frobenius_norm``/``nuclear_norm``."""

from __future__ import annotations

import builtins
import math

import numpy as np

from ember import _core, dtypes, linalg
from ember._core import device as device_op
from ember.ops.creation import empty, from_numpy, full_like, tensor
from ember.ops.pointwise import sub

__all__ = ["asarray", "frombuffer", "empty_strided", "empty_permuted", "range", "fill", "clone", "detach", "rsub",
           "frobenius_norm", "nuclear_norm"]


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False):
    """``obj`` as a tensor, sharing its memory when it can (a tensor or NumPy array of the right dtype and
    device) unless ``copy`` is True; ``copy=False`` refuses to copy."""
    if isinstance(obj, _core.TensorBase):
        out = obj
        if (dtype is not None and obj.dtype is not dtype) or (device is not None and
                                                             device_op(device) != obj.device):
            if copy is False:
                raise ValueError("asarray(copy=False): the tensor would need a copy to change its dtype or device")
            out = obj.to(dtype=dtype or obj.dtype, device=device or obj.device)
        elif copy:
            out = obj.clone()
    elif isinstance(obj, np.ndarray) and not copy and (device is None or device_op(device).type == "cpu"):
        out = from_numpy(obj)
        if dtype is not None and out.dtype is not dtype:
            if copy is False:
                raise ValueError("asarray(copy=False): the array would need a copy to change its dtype")
            out = out.to(dtype)
    else:
        if copy is False and not isinstance(obj, (np.ndarray, memoryview, bytes, bytearray)):
            raise ValueError(f"asarray(copy=False): a {type(obj).__name__} cannot be shared, only copied")
        out = tensor(obj, dtype=dtype, device=device)
    return out.requires_grad_(True) if requires_grad else out


def frombuffer(buffer, *, dtype, count: int = -1, offset: int = 0, requires_grad: bool = False):
    """A 1-D tensor sharing the memory of ``buffer`` (an object with the buffer protocol), ``count``
    elements of ``dtype`` from byte ``offset`` (all the rest if ``count`` is -1)."""
    view = memoryview(buffer)
    nbytes = view.nbytes
    itemsize = np.dtype(dtype.name).itemsize
    if offset < 0 or offset > nbytes - (itemsize if count != 0 else 0):
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({nbytes} bytes) minus 1")
    if count == -1:
        if (nbytes - offset) % itemsize:
            raise ValueError(f"buffer length ({nbytes - offset} bytes) after offset ({offset} bytes) must be a "
                             f"multiple of element size ({itemsize})")
        count = (nbytes - offset) // itemsize
    elif count <= 0 or offset + count * itemsize > nbytes:
        raise ValueError(f"requested buffer length ({count} * {itemsize} bytes) after offset ({offset} bytes) "
                         f"must not be greater than actual buffer length ({nbytes} bytes)")
    array = np.frombuffer(buffer, dtype=np.dtype(dtype.name), count=count, offset=offset)
    out = from_numpy(array)
    return out.requires_grad_(True) if requires_grad else out


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False):
    """An uninitialised tensor of ``size`` (ember lays it out contiguously whatever ``stride`` says)."""
    if len(tuple(size)) != len(tuple(stride)):
        raise RuntimeError("mismatch in length of strides and shape")
    out = empty(tuple(size), dtype=dtype, device=device)
    return out.requires_grad_(True) if requires_grad else out


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                   pin_memory: bool = False):
    """An uninitialised tensor of ``size`` whose memory is laid out in the dim order ``physical_layout``."""
    order = tuple(physical_layout)
    if sorted(order) != list(builtins.range(len(tuple(size)))):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the physical_layout; "
                           f"or physical_layout is not a permutation: {list(order)}")
    physical = empty(tuple(size[d] for d in order), dtype=dtype, device=device)
    out = physical.permute(tuple(int(i) for i in np.argsort(order)))
    return out.requires_grad_(True) if requires_grad else out


def range(start=0, end=None, step=1, *, dtype=None, layout=None, device=None, requires_grad: bool = False):  # noqa: A001
    """Deprecated: values from ``start`` to ``end`` inclusive, ``step`` apart (use ``arange``, which
    excludes ``end``)."""
    import warnings
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).".replace("torch", "ember"), UserWarning, stacklevel=2)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    count = int(math.floor((end - start) / step)) + 1
    values = np.arange(max(count, 0)) * step + start
    out = tensor(values, dtype=dtype or dtypes.get_default_dtype(), device=device)
    return out.requires_grad_(True) if requires_grad else out


def fill(input, value):
    """A tensor like ``input`` with every element ``value``."""
    return full_like(input, value if not isinstance(value, _core.TensorBase) else value.item())


def clone(input, *, memory_format=None):
    """A copy of ``input`` (differentiable)."""
    return input.clone()


def detach(input):
    """``input`` without autograd history (sharing its memory)."""
    return input.detach()


def rsub(input, other, *, alpha=1):
    """``other - alpha * input``."""
    return sub(other if isinstance(other, _core.TensorBase) else tensor(other, dtype=input.dtype,
                                                                                     device=input.device),
                     input, alpha=alpha)


def frobenius_norm(input, dim=(-2, -1), keepdim: bool = False):
    """Deprecated: ``linalg.vector_norm`` of order 2 over ``dim``."""
    return linalg.vector_norm(input, 2, dim=dim, keepdim=keepdim)


def nuclear_norm(input, dim=None, keepdim: bool = False):
    """Deprecated: ``linalg.matrix_norm(input, "nuc")`` over the last two dims (or ``dim``)."""
    return linalg.matrix_norm(input, "nuc", dim=(-2, -1) if dim is None else dim, keepdim=keepdim)
