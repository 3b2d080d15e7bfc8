"""``Variable``: PyTorch's pre-0.4 wrapper, today an alias that returns a tensor (a new leaf sharing the
memory, with ``requires_grad`` set if asked) and that every tensor is an instance of; and ``variable``, which PyTorch
removed (it raises, pointing to ``ember.tensor``)."""

from __future__ import annotations

from ember._core import TensorBase
from ember.ops.creation import empty

__all__ = ["Variable", "variable"]


class _VariableMeta(type):
    def __instancecheck__(cls, other) -> bool:
        return isinstance(other, TensorBase)


class Variable(metaclass=_VariableMeta):
    """``Variable(tensor, requires_grad=False)`` is a tensor sharing ``tensor``'s memory, a new leaf
    (requiring grad if asked); ``isinstance(t, Variable)`` holds for every tensor. Kept so that old programs
    run."""

    def __new__(cls, data=None, requires_grad: bool = False, volatile: bool = False):
        if data is None:
            data = empty(0)
        if not isinstance(data, TensorBase):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            import warnings
            warnings.warn("volatile was removed and now has no effect. Use `with ember.no_grad():` instead.",
                          stacklevel=2)
        out = data.detach()
        return out.requires_grad_(True) if requires_grad else out


def variable(*args, **kwargs):
    """Removed in PyTorch: raises, pointing to ``ember.tensor``."""
    raise RuntimeError("ember.autograd.variable(...) is deprecated, use ember.tensor(...) instead")
