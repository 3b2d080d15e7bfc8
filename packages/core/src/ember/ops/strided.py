"""``as_strided``: the elements at offset + sum(i_k * stride_k) of a tensor's elements in row-major order,
for every index (i_0, ...) of ``size``. ember's backends expose no raw storage, so the result is a copy
(gathered, so gradients accumulate over repeated positions as in PyTorch) rather than a view; for a
contiguous tensor the positions are those of its storage."""

from __future__ import annotations

import math
import operator

from ember import _core, dtypes
from ember.ops.creation import arange, full, tensor
from ember.ops.subscripting import index_put

__all__ = ["as_strided", "as_strided_scatter"]


def _positions(input, size, stride, storage_offset):
    size = tuple(operator.index(s) for s in size)
    stride = tuple(operator.index(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}" if any(s < 0 for s in stride) else
                           f"Trying to create tensor with negative dimension {min(size)}: {list(size)}")
    offset = 0 if storage_offset is None else operator.index(storage_offset)
    index = full(size, offset, dtype=dtypes.int64, device=input.device) if size else \
        tensor(offset, dtype=dtypes.int64, device=input.device)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        index = index + arange(n, device=input.device).reshape(shape) * s
    needed = (offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1) if math.prod(size) else 0
    if needed > input.numel():
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {input.element_size()} requiring a storage size of "
                           f"{needed * input.element_size()} are out of bounds for storage of size "
                           f"{input.numel() * input.element_size()}")
    return index


def as_strided(input, size, stride, storage_offset=None):
    """The tensor of ``size`` whose element at index i is element ``storage_offset + sum(i_k * stride_k)``
    of ``input``'s elements in row-major order (a copy in ember)."""
    if not isinstance(input, _core.TensorBase):
        raise TypeError(f"as_strided(): argument 'input' must be Tensor, not {type(input).__name__}")
    index = _positions(input, size, stride, storage_offset)
    return input.reshape(-1)[index]


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of ``input`` with the elements ``as_strided(input, size, stride, storage_offset)`` would read
    replaced by ``src``."""
    index = _positions(input, size, stride, storage_offset)
    if tuple(src.shape) != tuple(index.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(index.shape)}")
    flat = index_put(input.reshape(-1), (index.reshape(-1),), src.reshape(-1).to(input.dtype))
    return flat.reshape(input.shape)


class StridedMethods:
    __slots__ = ()

    as_strided, as_strided_scatter = as_strided, as_strided_scatter

    def as_strided_(self, size, stride, storage_offset=None):
        """``self`` becomes ``as_strided(self, ...)`` (tensors that do not require grad)."""
        if self.requires_grad:
            raise RuntimeError("as_strided_ is supported on tensors that do not require grad; use as_strided")
        self.data = as_strided(self, size, stride, storage_offset)
        return self
