"""``DeviceArray``: the native array of ember-cuda's tensors.

A view of device memory: a ``Block`` from the caching allocator (kept alive by every view of
it), a device index, and the shape, strides and offset (in elements) of the elements, as a
NumPy array over host memory would have them. Views share the block; the block goes back to
the allocator's cache when the last view is collected.
"""

from __future__ import annotations

import numpy as np

from ember_cuda.memory import Block
from ember_cuda.runtime import DevicePointer


def contiguous_strides(shape: tuple) -> tuple:
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(reversed(strides))


class DeviceArray:
    """Elements of one dtype in device memory: ``shape``, ``strides`` and ``offset`` in elements."""

    __slots__ = ("block", "device", "shape", "strides", "offset", "dtype")

    def __init__(self, block: Block, device: int, shape: tuple, dtype: np.dtype, strides: tuple | None = None,
                 offset: int = 0) -> None:
        self.block = block
        self.device = device
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.strides = contiguous_strides(self.shape) if strides is None else tuple(int(s) for s in strides)
        self.offset = int(offset)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def ptr(self) -> int:
        """The device address of the first element."""
        return self.block.ptr + self.offset * self.dtype.itemsize

    @property
    def pointer(self) -> DevicePointer:
        return DevicePointer(self.ptr)

    def is_contiguous(self) -> bool:
        """C-contiguous (sizes 0 and 1 make any stride acceptable, as in PyTorch)."""
        step = 1
        for n, s in zip(reversed(self.shape), reversed(self.strides)):
            if n == 0:
                return True
            if n != 1 and s != step:
                return False
            step *= n
        return True

    def span(self) -> tuple[int, int]:
        """``(low, high)``: the element offsets, from the block's start, that the view reaches ([low, high))."""
        if self.size == 0:
            return self.offset, self.offset
        low = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.strides) if s < 0)
        high = self.offset + sum((n - 1) * s for n, s in zip(self.shape, self.strides) if s > 0) + 1
        return low, high

    def __repr__(self) -> str:
        return (f"DeviceArray(shape={self.shape}, dtype={self.dtype}, device={self.device}, strides={self.strides}, "
                f"offset={self.offset})")
