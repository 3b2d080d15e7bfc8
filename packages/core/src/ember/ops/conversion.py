"""Conversions: between dtypes and devices, to Python and NumPy, copies and detaching."""

from __future__ import annotations

import math

import numpy as np

from ember import _core, dtypes
from ember.backends.registry import registry
from ember.layout import check_storage
from ember.ops.dims import wrap_dim

__all__ = ["ConversionMethods"]

_TYPE_STRINGS = {
    "float16": "HalfTensor", "float32": "FloatTensor", "float64": "DoubleTensor",
    "int8": "CharTensor", "int16": "ShortTensor", "int32": "IntTensor", "int64": "LongTensor",
    "uint8": "ByteTensor", "bool": "BoolTensor",
}


def _parse_type_string(name: str):
    """``'ember.FloatTensor'`` -> (float32, "cpu"); ``'torch.cuda.LongTensor'`` -> (int64, "cuda")."""
    parts = name.split(".")
    kind = parts[-1]
    matches = [k for k, v in _TYPE_STRINGS.items() if v == kind]
    if len(parts) not in (2, 3) or parts[0] not in ("ember", "torch") or not matches:
        raise ValueError(f"invalid type: '{name}'")
    return getattr(dtypes, matches[0]), (parts[1] if len(parts) == 3 else "cpu")


_LIMITS = {d.name: ((float(np.finfo(d.numpy).min), float(np.finfo(d.numpy).max)) if d.is_floating_point else
                    (int(np.iinfo(d.numpy).min), int(np.iinfo(d.numpy).max)))
           for d in dtypes.ALL if d is not dtypes.bool}


_LIMITS_OF = {d: _LIMITS[d.name] for d in dtypes.ALL if d is not dtypes.bool}


def _overflow(dtype) -> RuntimeError:
    return RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")


def fill_value(value, dtype, op: str = ""):
    """``value`` (a number or a one-element tensor) as a Python scalar for a fill of a ``dtype``
    tensor (``fill_``, ``full``, ``masked_fill``, ...); PyTorch refuses values that overflow."""
    tv = type(value)
    if tv is float or tv is int:   # the common case: a number well inside the dtype's range
        limits = _LIMITS_OF.get(dtype)
        if limits is not None and limits[0] <= value <= limits[1]:
            return value
    if isinstance(value, _core.TensorBase):
        if value.ndim != 0:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if not isinstance(value, (int, float, bool)):
        raise TypeError(f"value must be a number or a 0-dimensional tensor, got {type(value).__name__}")
    if dtype is dtypes.bool or isinstance(value, bool):
        return value
    lo, hi = _LIMITS[dtype.name]
    if dtype.is_floating_point:
        fits = not math.isfinite(value) or -hi <= value <= hi
    elif isinstance(value, int):   # negative ints wrap around in unsigned types, as in C
        fits = (-hi if lo == 0 else lo) <= value <= hi
        value = value % (hi + 1) if value < 0 and lo == 0 else value
    else:
        fits = math.isfinite(value) and lo <= value <= hi
    if not fits:
        raise _overflow(dtype)
    return value


def check_values_fit(array: np.ndarray, dtype) -> None:
    """Raise PyTorch's error when Python numbers in ``array`` (``ember.tensor(data, dtype=...)``)
    do not fit the integer ``dtype``: NumPy's cast would wrap them silently. Floating and bool
    targets take any number (out-of-range floats become inf, as in PyTorch)."""
    if dtype is dtypes.bool or dtype.is_floating_point or array.size == 0:
        return
    kind = array.dtype.kind
    if kind not in "iuf":
        return
    lo, hi = _LIMITS[dtype.name]
    low, high = array.min(), array.max()
    if kind == "f":
        if not (np.isfinite(low) and np.isfinite(high) and lo <= low and high <= hi):
            raise _overflow(dtype)   # NaN fails the comparisons too
    elif int(low) < (-hi if lo == 0 else lo) or int(high) > hi:   # negative ints wrap in unsigned types, as in C
        raise _overflow(dtype)


def _parse_to(args, kwargs):
    """``to(dtype)``, ``to(device, dtype)``, ``to(tensor)`` -> (device or None, dtype or None)."""
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    for a in args:
        if isinstance(a, dtypes.dtype):
            dtype = a
        elif isinstance(a, _core.TensorBase):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (str, _core.device, int)):
            device = a
        else:
            raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
    unknown = set(kwargs) - {"non_blocking", "copy", "memory_format"}
    if unknown:
        raise TypeError(f"to() got an unexpected keyword argument '{unknown.pop()}'")
    check_storage("to", memory_format=kwargs.get("memory_format"))   # non_blocking: ember copies synchronously
    return device, dtype


def _to_device(t, dev):
    src = t._device._backend
    host = src.to_numpy(t._data)
    host = np.ascontiguousarray(host).reshape(host.shape)  # ascontiguousarray makes 0-d arrays 1-d
    out = _core.create(dev._backend.from_numpy(host, dev.index), dev)
    rec = _core.get_recorder()
    if rec is not None and t.requires_grad and _core.is_grad_enabled():
        rec.record("to_device", (t,), out, (t._device,))
    return out


def _cast(t, dtype):
    if t.dtype is dtype:
        return t
    return _core.call("cast", (t,), (dtype.numpy,))


class ConversionMethods:
    __slots__ = ()

    def to(self, *args, **kwargs):
        """This tensor with another dtype and/or on another device (itself if nothing changes).

        ``t.to(dtype)``, ``t.to(device)``, ``t.to(device, dtype)``, ``t.to(other_tensor)``.
        """
        copy = kwargs.get("copy", False)
        device, dtype = _parse_to(args, kwargs)
        out = self
        if device is not None:
            dev = registry.canonical(device)
            if dev is not self._device:
                out = _to_device(out, dev)
        if dtype is not None:
            out = _cast(out, dtype)
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self):
        """This tensor on the CPU (itself if it is already there)."""
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False):
        """This tensor on a CUDA device (needs the ember-cuda backend); the copy is synchronous,
        whatever ``non_blocking`` says."""
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        """With no argument the type string (``'ember.FloatTensor'``), else this tensor as that type.

        ``dtype`` is an ``ember.dtype``, a legacy type (``ember.DoubleTensor``) or its name:
        ``'ember.DoubleTensor'``, ``'ember.cuda.FloatTensor'`` (moves the tensor too), and the
        same names with ``torch.`` for programs and configs written for PyTorch.
        """
        if dtype is None:
            prefix = "ember." if self.device.type == "cpu" else f"ember.{self.device.type}."
            return prefix + _TYPE_STRINGS[self.dtype.name]
        device = None
        if isinstance(dtype, str):
            dtype, device = _parse_type_string(dtype)
        elif isinstance(getattr(dtype, "dtype", None), dtypes.dtype) and not isinstance(dtype, _core.TensorBase):
            dtype, device = dtype.dtype, "cpu"    # ember.FloatTensor and the other legacy types
        elif not isinstance(dtype, dtypes.dtype):
            raise TypeError(f"type() expects an ember.dtype, a tensor type or its name, got {type(dtype).__name__}")
        out = self if device is None or self.device.type == device else self.to(device)
        return _cast(out, dtype)
    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return _cast(self, dtypes.float32)

    def double(self):
        return _cast(self, dtypes.float64)

    def half(self):
        return _cast(self, dtypes.float16)

    def long(self):
        return _cast(self, dtypes.int64)

    def int(self):
        return _cast(self, dtypes.int32)

    def short(self):
        return _cast(self, dtypes.int16)

    def char(self):
        return _cast(self, dtypes.int8)

    def byte(self):
        return _cast(self, dtypes.uint8)

    def bool(self):
        return _cast(self, dtypes.bool)

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a NumPy array; on the CPU it shares memory with the tensor."""
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self.device.type != "cpu":
            if not force:
                raise TypeError(f"can't convert {self.device} device type tensor to numpy. Use "
                                f"Tensor.cpu() to copy the tensor to host memory first.")
            return self._device._backend.to_numpy(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.detach().cpu()._data
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def tolist(self):
        """The data as nested Python lists of Python numbers."""
        return self._host().tolist()

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self._host().reshape(()).item()

    def _host(self) -> np.ndarray:
        return self._device._backend.to_numpy(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __complex__(self):
        return complex(self.item())

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self.dtype.itemsize

    def size(self, dim: int | None = None):
        """The shape (an ``ember.Size``), or the size of dimension ``dim``."""
        if dim is None:
            return self.shape
        return self._data.shape[wrap_dim(dim, self.ndim)] if self.ndim else 1

    def stride(self, dim: int | None = None):
        """Steps in elements between neighbours along each dimension."""
        strides = tuple(s // self.dtype.itemsize for s in self._host().strides)
        if dim is None:
            return strides
        return strides[wrap_dim(dim, self.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the elements lie in row-major order without gaps (ember's only memory format)."""
        check_storage("is_contiguous", memory_format=memory_format)
        return bool(self._host().flags.c_contiguous)

    def contiguous(self, memory_format=None):
        """This tensor if it is C-contiguous, else a contiguous copy."""
        check_storage("contiguous", memory_format=memory_format)
        if self.is_contiguous():
            return self
        return _core.call("contiguous", (self,))

    def clone(self, *, memory_format=None):
        """A copy with its own memory (recorded by autograd)."""
        check_storage("clone", memory_format=memory_format)
        return _core.call("clone", (self,))

    def copy_(self, src, non_blocking: bool = False):
        """Copy ``src`` (broadcast to this shape, cast to this dtype) into this tensor.

        ember's copies are synchronous: ``non_blocking=True`` is allowed (PyTorch treats it as a
        hint too) and the copy has finished when this returns."""
        if not isinstance(src, _core.TensorBase):
            raise TypeError(f"copy_(): argument 'src' (position 1) must be Tensor, not {type(src).__name__}")
        if src.device is not self.device:
            src = src.to(self.device)
        try:
            np.broadcast_shapes(src.shape, self.shape)
            if len(np.broadcast_shapes(src.shape, self.shape)) > self.ndim or \
                    np.broadcast_shapes(src.shape, self.shape) != tuple(self.shape):
                raise ValueError
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({list(self.shape)}) must match the size of "
                               f"tensor b ({list(src.shape)}) at non-singleton dimension") from None
        rec = _core.get_recorder()
        if rec is not None and (src.requires_grad or self.requires_grad) and _core.is_grad_enabled():
            result = _core.call("expand_copy", (src,), (tuple(self.shape), self.dtype.numpy))
            return _core.assign(self, result)
        _core.check_inplace(self)
        self._device._kernels["copy_"](self._data, src._data)
        self._bump_version()
        return self

    def fill_(self, value):
        """Fill this tensor with ``value`` (a number or a one-element tensor), in place."""
        if isinstance(value, _core.TensorBase):
            if value.numel() != 1:
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value.ndim} dimensions.")
            value = value.item()
        value = fill_value(value, self._dtype, "fill_")
        _core.check_inplace(self)
        self._device._kernels["copy_"](self._data, value)
        self._bump_version()
        return self

    def zero_(self):
        """Fill this tensor with zeros, in place."""
        return self.fill_(0)

    def detach(self):
        """A tensor sharing this one's data (and version counter), cut off from the graph."""
        out = _core.create(self._data, self._device)
        if self._version_counter is None:
            self._version_counter = _core.VersionCounter()
        out._version_counter = self._version_counter
        return out

    def detach_(self):
        """Cut this tensor off from the autograd graph, in place."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, value):
        self._data = value._data
        self._device = value._device
        self._dtype = value._dtype

    def __dlpack__(self, *args, **kwargs):
        return self.detach()._host().__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._host().__dlpack_device__()

