"""How collectives reach a tensor's memory: validation and contiguous NumPy views."""

from __future__ import annotations

import numpy as np

from ember import _core
from ember.distributed.reduce_op import ReduceOp

__all__ = ["check_tensor", "buffer", "check_op"]


def check_tensor(t, what: str, devices=("cpu",)):
    """``t`` if it is a tensor on a device the backend carries."""
    if not isinstance(t, _core.TensorBase):
        raise TypeError(f"{what} expects an ember Tensor, got {type(t).__name__}")
    if t._device.type not in devices:
        raise RuntimeError(f"{what}: the tensor is on device '{t._device}' but this backend carries tensors on "
                           f"{', '.join(devices)}; move it with .cpu() first")
    return t


class Buffer:
    """A tensor's memory as one contiguous NumPy array: the tensor's own when it is contiguous
    (no copy), otherwise a contiguous copy made once that ``done()`` writes back."""

    __slots__ = ("tensor", "array", "copied")

    def __init__(self, t, writes: bool) -> None:
        a = t._data
        self.tensor = t
        self.copied = not (a.flags.c_contiguous and (a.flags.writeable or not writes))
        self.array = np.ascontiguousarray(a) if self.copied else a

    def flat(self):
        return self.array.reshape(-1)

    def done(self) -> None:
        """The collective wrote into the array: make the tensor hold it."""
        if self.copied:
            self.tensor._data[...] = self.array
        self.tensor._bump_version()


def buffer(t, writes: bool = True) -> Buffer:
    return Buffer(t, writes)


def check_op(op, dtype, what: str) -> ReduceOp:
    """``op`` as a ``ReduceOp`` that the tensor's dtype supports."""
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{what}: op must be an ember.distributed.ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and not dtype.is_floating_point:
        raise ValueError(f"{what}: ReduceOp.AVG needs a floating-point tensor, got {dtype}; use ReduceOp.SUM "
                         f"and divide by the world size")
    return op
