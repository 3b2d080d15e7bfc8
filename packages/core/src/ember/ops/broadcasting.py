"""Broadcasting as functions: ``broadcast_shapes``, ``broadcast_tensors``, ``broadcast_to`` and its
reverse ``sum_to_size``."""

from __future__ import annotations

import operator

from ember import _core

__all__ = ["broadcast_shapes", "broadcast_tensors", "broadcast_to"]


def broadcast_shapes(*shapes):
    """The shape that tensors of ``shapes`` broadcast to (ints count as 1-D shapes)."""
    from ember.size import Size

    result: list[int] = []
    for shape in shapes:
        shape = (shape,) if isinstance(shape, int) else tuple(operator.index(s) for s in shape)
        if any(s < 0 for s in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension {min(shape)}: {list(shape)}")
        if len(shape) > len(result):
            result = [1] * (len(shape) - len(result)) + result
        for i, s in enumerate(shape):
            j = len(result) - len(shape) + i
            if result[j] == 1:
                result[j] = s
            elif s != 1 and s != result[j]:
                raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is "
                                   f"between arg 0 and arg 1 at dimension {i}: {result[j]} vs {s}")
    return Size(result)


def broadcast_tensors(*tensors):
    """The tensors expanded (as views) to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if not isinstance(t, _core.TensorBase):
            raise TypeError(f"broadcast_tensors(): expected Tensors, got {type(t).__name__}")
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(shape) for t in tensors)


def broadcast_to(input, size):
    """``input`` expanded (a view) to ``size``."""
    return input.expand(tuple(size))


class BroadcastingMethods:
    __slots__ = ()

    broadcast_to = broadcast_to

    def sum_to_size(self, *size):
        """The sum of ``self`` over the dims that broadcasting ``size`` to ``self.shape`` would expand."""
        size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (list, tuple)) else size
        if broadcast_shapes(size, self.shape) != self.shape:
            raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                               f"{{{', '.join(map(str, self.shape))}}}.")
        lead = self.ndim - len(size)
        out = self.sum(dim=tuple(range(lead))) if lead else self
        dims = tuple(i for i, s in enumerate(size) if s == 1 and out.shape[i] != 1)
        return out.sum(dim=dims, keepdim=True) if dims else out
