"""How ops read dimension arguments: ``wrap_dim`` for a dim index, ``broadcast_shape`` for two
shapes. Below every op module (no ember imports), so that any of them can use these.
"""

from __future__ import annotations

__all__ = ["wrap_dim", "broadcast_shape"]


def broadcast_shape(a: tuple, b: tuple) -> tuple:
    """The broadcast of two shapes, with PyTorch's message when they do not broadcast."""
    if a == b:
        return tuple(a)
    n = max(len(a), len(b))
    a1, b1 = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    out = []
    for i, (x, y) in enumerate(zip(a1, b1)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                               f"non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def wrap_dim(dim: int, ndim: int) -> int:
    """A dim index in ``[-ndim, ndim)`` as a non-negative one; 0-d tensors accept -1 and 0."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim % ndim if ndim else 0
