"""Questions about a tensor (``is_complex``, ``is_signed``, ``is_nonzero``, ``is_same_size``, ``nbytes``,
``storage_offset``, ``data_ptr``, ...) and the methods that are identities for ember's real, dense, host
tensors (``resolve_neg``, ``pin_memory``), plus ``resize_``, ``new``, ``as_subclass`` and ``apply_``/``map_``."""

from __future__ import annotations

import numpy as np

from ember import _core, dtypes
from ember.grad_mode import no_grad
from ember.ops.creation import empty, ones, zeros_like
from ember.ops.creation import tensor as tensor_op
from ember.ops.pointwise import where

__all__ = ["is_complex", "is_floating_point", "is_signed", "is_nonzero", "is_same_size", "is_neg", "resolve_neg",
           "isreal", "is_distributed", "is_inference", "typename"]


def _tensor(fn: str, x):
    if not isinstance(x, _core.TensorBase):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return x


def is_complex(input) -> bool:
    """False: ember has no complex dtypes."""
    _tensor("is_complex", input)
    return False


def is_floating_point(input) -> bool:
    """Whether ``input``'s dtype is a floating-point one."""
    return _tensor("is_floating_point", input).dtype.is_floating_point


def is_signed(input) -> bool:
    """Whether ``input``'s dtype holds negative values (every dtype but bool and uint8)."""
    return _tensor("is_signed", input).dtype not in (dtypes.bool, dtypes.uint8)


def is_nonzero(input) -> bool:
    """Whether the single element of ``input`` is not zero."""
    n = _tensor("is_nonzero", input).numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input.item() != 0)


def is_same_size(input, other) -> bool:
    """Whether the two tensors have the same shape."""
    return tuple(_tensor("is_same_size", input).shape) == tuple(other.shape)


def is_neg(input) -> bool:
    """False: ember computes negations eagerly (no lazy negative bit)."""
    _tensor("is_neg", input)
    return False


def resolve_neg(input):
    """``input`` itself: ember has no lazy negative bit to resolve."""
    return _tensor("resolve_neg", input)


def isreal(input):
    """True everywhere: ember tensors are real."""
    return ones(_tensor("isreal", input).shape, dtype=dtypes.bool, device=input.device)


def is_distributed(input) -> bool:
    """False: ember tensors are not split across processes."""
    _tensor("is_distributed", input)
    return False


def is_inference(input) -> bool:
    """Whether ``input`` was made inside ``inference_mode`` (ember records no such tensors: False)."""
    _tensor("is_inference", input)
    return False


def typename(obj) -> str:
    """The type name of ``obj`` (``"ember.FloatTensor"`` for a float32 tensor, as PyTorch names them)."""
    if isinstance(obj, _core.TensorBase):
        names = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                 "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
        return f"ember.{names.get(obj.dtype.name, obj.dtype.name)}Tensor"
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module in ("builtins", "__builtin__", None) else f"{module}.{name}"


def _host_array(x) -> np.ndarray:
    data = x._data
    if not isinstance(data, np.ndarray):
        raise RuntimeError(f"{x.device.type} tensors keep their memory on the device; this query needs a CPU tensor")
    return data


class TensorInfoMethods:
    __slots__ = ()

    is_complex, is_signed, is_nonzero, is_same_size = is_complex, is_signed, is_nonzero, is_same_size
    is_neg, resolve_neg, isreal = is_neg, resolve_neg, isreal
    is_distributed, is_inference = is_distributed, is_inference

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self.element_size()

    @property
    def nbytes(self) -> int:
        """Bytes of the elements (``numel() * itemsize``)."""
        return self.numel() * self.element_size()

    @property
    def name(self):
        """None: ember has no named tensors."""
        return None

    def dense_dim(self) -> int:
        """The number of dense dims: all of them for a dense tensor."""
        return self.ndim

    def sparse_dim(self) -> int:
        """The number of sparse dims: none for a dense tensor."""
        return 0

    def dim_order(self, *, ambiguity_check=False):
        """The dims from outermost to innermost in memory (by decreasing stride)."""
        strides = self.stride()
        return tuple(sorted(range(self.ndim), key=lambda d: (-strides[d], d)))

    def data_ptr(self) -> int:
        """The address of the first element (CPU tensors)."""
        return _host_array(self).__array_interface__["data"][0]

    const_data_ptr = data_ptr

    def storage_offset(self) -> int:
        """How many elements the first one lies past the start of the memory it shares."""
        data = _host_array(self)
        base = data
        while isinstance(base.base, np.ndarray):
            base = base.base
        start = base.__array_interface__["data"][0]
        return (data.__array_interface__["data"][0] - start) // max(data.itemsize, 1)

    def is_set_to(self, tensor) -> bool:
        """Whether both tensors view the same memory with the same offset, shape and strides."""
        a, b = _host_array(self), _host_array(tensor)
        return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0] and a.shape == b.shape
                and a.strides == b.strides and np.shares_memory(a, b) if a.size else a.shape == b.shape)

    def is_pinned(self, device=None) -> bool:
        """False: ember does not page-lock host memory."""
        return False

    def pin_memory(self, device=None):
        """``self``: ember's host memory needs no pinning for its device copies."""
        return self

    def new(self, *args, device=None):
        """A tensor with ``self``'s dtype and device: empty of the given sizes, or from the given data."""
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]
            if isinstance(data, _core.TensorBase):
                return data.to(self.dtype)
            return tensor_op(data, dtype=self.dtype, device=device or self.device)
        return empty(*args, dtype=self.dtype, device=device or self.device)

    def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad: bool = False,
                          layout=None, pin_memory: bool = False):
        """An uninitialised tensor of ``size`` (ember lays it out contiguously whatever ``stride`` says)."""
        out = empty(tuple(size), dtype=dtype or self.dtype, device=device or self.device)
        return out.requires_grad_(True) if requires_grad else out

    def as_subclass(self, cls):
        """``self``'s data as an instance of the Tensor subclass ``cls`` (sharing memory, no history)."""
        if not (isinstance(cls, type) and issubclass(cls, _core.TensorBase)):
            raise TypeError(f"as_subclass: expected a subclass of ember.Tensor, got {cls!r}")
        out = _core.TensorBase.__new__(cls)
        out._data, out._device, out._dtype = self._data, self._device, self._dtype
        if self._version_counter is None:
            self._version_counter = _core.VersionCounter()
        out._version_counter = self._version_counter
        return out

    def resize_(self, *sizes, memory_format=None):
        """Give ``self`` the shape ``sizes`` in place, keeping its first elements (new ones uninitialised)."""
        shape = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (list, tuple)) else tuple(sizes)
        if any(s < 0 for s in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
        if self.requires_grad:
            raise RuntimeError("cannot resize variables that require grad")
        flat = self.detach().reshape(-1)
        n = int(np.prod(shape)) if shape else 1
        if n == flat.numel():
            self.data = flat.reshape(shape)
        else:
            grown = empty(max(n, 0), dtype=self.dtype, device=self.device)
            keep = min(n, flat.numel())
            grown[:keep] = flat[:keep]
            self.data = grown.reshape(shape)
        return self

    def resize_as_(self, the_template, memory_format=None):
        """``resize_`` to ``the_template``'s shape."""
        return self.resize_(tuple(the_template.shape))

    def resize(self, *sizes):
        """A resized copy (deprecated in PyTorch; prefer ``reshape`` or ``resize_``)."""
        return self.clone().resize_(*sizes)

    def resize_as(self, tensor):
        """A copy resized to ``tensor``'s shape."""
        return self.clone().resize_(tuple(tensor.shape))

    def apply_(self, callable):
        """Replace each element x by ``callable(x)`` in place (CPU tensors; slow: a Python call per element)."""
        data = _host_array(self)
        if self.requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        flat = data.reshape(-1) if data.flags.c_contiguous else None
        values = [callable(v.item()) for v in (flat if flat is not None else data.ravel())]
        with no_grad():
            self.copy_(tensor_op(np.asarray(values, dtype=data.dtype).reshape(data.shape)))
        return self

    def map_(self, tensor, callable):
        """Replace each element x by ``callable(x, y)`` with y the matching element of ``tensor`` (broadcast),
        in place (CPU tensors)."""
        a = _host_array(self)
        b = np.broadcast_to(_host_array(tensor), a.shape)
        values = [callable(x.item(), y.item()) for x, y in zip(a.ravel(), b.ravel())]
        with no_grad():
            self.copy_(tensor_op(np.asarray(values, dtype=a.dtype).reshape(a.shape)))
        return self

    def map2_(self, x, y, callable):
        """Replace each element s by ``callable(s, a, b)`` with a, b the matching elements of ``x``, ``y``."""
        a = _host_array(self)
        bx, by = np.broadcast_to(_host_array(x), a.shape), np.broadcast_to(_host_array(y), a.shape)
        values = [callable(s.item(), u.item(), v.item()) for s, u, v in zip(a.ravel(), bx.ravel(), by.ravel())]
        with no_grad():
            self.copy_(tensor_op(np.asarray(values, dtype=a.dtype).reshape(a.shape)))
        return self

    def hardshrink(self, lambd: float = 0.5):
        """``x`` where ``|x| > lambd``, else 0."""
        return where(self.abs() > lambd, self, zeros_like(self))

    def prelu(self, weight):
        """``max(0, x) + weight * min(0, x)``, ``weight`` one value or one per channel (dim 1)."""
        w = weight
        if weight.numel() > 1:
            if self.ndim < 2 or self.shape[1] != weight.numel():
                raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers "
                                   f"= {weight.numel()} and channel size = {self.shape[1] if self.ndim > 1 else 1}.")
            w = weight.reshape((1, -1) + (1,) * (self.ndim - 2))
        return where(self > 0, self, w * self)
