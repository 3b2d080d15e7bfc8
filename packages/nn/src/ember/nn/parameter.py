"""``Parameter`` and ``Buffer``: tensors that a ``Module`` registers as its state."""

from __future__ import annotations

from ember import _core
from ember._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


def _share(cls, data, requires_grad: bool):
    """A ``cls`` instance sharing ``data``'s memory and version counter, with no history."""
    if data is None:
        from ember.ops.creation import empty
        data = empty(0)
    if not isinstance(data, _core.TensorBase):
        raise TypeError(f"{cls.__name__}() expected a Tensor as data, but got {type(data).__name__}")
    out = _core.TensorBase.__new__(cls)
    out._data = data._data
    out._device = data._device
    out._dtype = data._dtype
    if data._version_counter is None:
        data._version_counter = _core.VersionCounter()
    out._version_counter = data._version_counter
    if requires_grad:
        out.requires_grad = True
    return out


class Parameter(Tensor):
    """A tensor that is a module's parameter.

    Assigning a ``Parameter`` as a ``Module`` attribute registers it: it appears in
    ``parameters()`` and ``state_dict()``. The parameter shares ``data``'s memory.

    Args:
        data: the parameter tensor (an empty tensor if None).
        requires_grad: whether the parameter requires gradient. Default: ``True``.

    Example::

        >>> w = nn.Parameter(ember.zeros(2, 3))
        >>> w.requires_grad
        True
    """

    def __new__(cls, data=None, requires_grad: bool = True):
        return _share(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad: bool = True) -> None:
        pass  # everything happened in __new__; Tensor has no __init__ to run

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.detach().cpu().numpy(), self.requires_grad, str(self.device)))


def _rebuild_parameter(array, requires_grad, device):
    from ember.ops.creation import tensor
    return Parameter(tensor(array, device=device), requires_grad)


class Buffer(Tensor):
    """A tensor that a module should register as a buffer when it is assigned as an attribute.

    ``self.running_mean = nn.Buffer(ember.zeros(3))`` is ``self.register_buffer("running_mean",
    ember.zeros(3))``. The module stores a plain tensor, not the ``Buffer``.

    Args:
        data: the buffer tensor.
        persistent: whether the buffer is part of the module's ``state_dict``. Default: ``True``.
    """

    def __new__(cls, data=None, *, persistent: bool = True):
        out = _share(cls, data, False)
        out.persistent = persistent
        return out

    def __init__(self, data=None, *, persistent: bool = True) -> None:
        pass
