"""How collectives reach a tensor's memory: validation and contiguous NumPy views."""

from __future__ import annotations

import os

import numpy as np

from ember import _core
from ember.distributed.errors import DistBackendError
from ember.distributed.reduce_op import ReduceOp

__all__ = ["check_tensor", "buffer", "check_op", "check_same_across_ranks"]


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


def check_same_across_ranks(pg, what: str, signature: tuple) -> None:
    """With ``EMBER_DISTRIBUTED_DEBUG=DETAIL``, check that every rank of ``pg`` calls the same
    collective with the same shapes and dtypes, and raise naming both sides when not.
    (Off by default: it costs one small collective per collective.)"""
    if os.environ.get("EMBER_DISTRIBUTED_DEBUG", "").upper() != "DETAIL" or pg.size() == 1:
        return
    mine = f"{what}{signature}".encode()
    size = np.array([len(mine)], dtype=np.int64)
    sizes = np.empty(pg.size(), dtype=np.int64)
    pg.allgather(size, sizes).wait()
    width = int(sizes.max())
    send = np.zeros(width, dtype=np.uint8)
    send[:len(mine)] = np.frombuffer(mine, dtype=np.uint8)
    recv = np.empty((pg.size(), width), dtype=np.uint8)
    pg.allgather(send, recv.reshape(-1)).wait()
    for r in range(pg.size()):
        theirs = recv[r, :sizes[r]].tobytes()
        if theirs != mine:
            raise DistBackendError(f"collective mismatch: rank {pg.ranks[pg.rank()]} called {mine.decode()} but "
                                   f"rank {pg.ranks[r]} called {theirs.decode()}")
