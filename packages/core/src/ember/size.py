"""``ember.Size``: the shape of a tensor, a tuple of ints."""

from __future__ import annotations


class Size(tuple):
    """A tensor's shape. A ``tuple`` subclass, so it compares equal to plain tuples.

    Example::

        >>> ember.zeros(2, 3).shape
        ember.Size([2, 3])
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ember.Size({list(self)})"

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        result = tuple.__getitem__(self, key)
        return Size(result) if isinstance(key, slice) else result

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))
