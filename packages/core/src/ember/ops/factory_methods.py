"""``Tensor.new_*``: new tensors with this tensor's dtype and device unless told otherwise."""

from __future__ import annotations

import warnings

from ember import _core
from ember.layout import check_storage

__all__ = ["FactoryMethods"]


class FactoryMethods:
    __slots__ = ()

    def _options(self, dtype, device):
        return (self.dtype if dtype is None else dtype), (self.device if device is None else device)

    def new_zeros(self, *args, size=None, dtype=None, device=None, requires_grad: bool = False, layout=None,
                  pin_memory: bool = False):
        """Zeros of shape ``size``, with this tensor's dtype and device by default.

        Example::

            >>> ember.ones(2, dtype=ember.float64).new_zeros(2, 3).dtype
            ember.float64
        """
        check_storage("new_zeros", layout, pin_memory)
        from ember.ops.creation import size_argument, zeros
        dtype, device = self._options(dtype, device)
        return zeros(size_argument(args, size, "new_zeros"), dtype=dtype, device=device, requires_grad=requires_grad)

    def new_ones(self, *args, size=None, dtype=None, device=None, requires_grad: bool = False, layout=None,
                 pin_memory: bool = False):
        """Ones of shape ``size``, with this tensor's dtype and device by default."""
        check_storage("new_ones", layout, pin_memory)
        from ember.ops.creation import ones, size_argument
        dtype, device = self._options(dtype, device)
        return ones(size_argument(args, size, "new_ones"), dtype=dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *args, size=None, dtype=None, device=None, requires_grad: bool = False, layout=None,
                  pin_memory: bool = False):
        """An uninitialised tensor of shape ``size``, with this tensor's dtype and device by default."""
        check_storage("new_empty", layout, pin_memory)
        from ember.ops.creation import empty, size_argument
        dtype, device = self._options(dtype, device)
        return empty(size_argument(args, size, "new_empty"), dtype=dtype, device=device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
                 pin_memory: bool = False):
        """``fill_value`` everywhere in shape ``size`` (a sequence), with this tensor's dtype and device."""
        check_storage("new_full", layout, pin_memory)
        from ember.ops.creation import full
        if isinstance(size, int) or not hasattr(size, "__iter__"):
            raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(size).__name__}")
        dtype, device = self._options(dtype, device)
        return full(tuple(size), fill_value, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
                   pin_memory: bool = False):
        """A copy of ``data`` with this tensor's dtype and device by default (never shares memory)."""
        check_storage("new_tensor", layout, pin_memory)
        from ember.ops.creation import tensor
        if isinstance(data, _core.TensorBase):
            warnings.warn("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() "
                          "or sourceTensor.detach().clone().requires_grad_(True), rather than "
                          "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
        dtype, device = self._options(dtype, device)
        return tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
