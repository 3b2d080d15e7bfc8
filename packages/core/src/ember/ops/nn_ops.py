"""nn_ops ops."""

from __future__ import annotations

__all__ = ["NnOpsMethods"]


class NnOpsMethods:
    __slots__ = ()
