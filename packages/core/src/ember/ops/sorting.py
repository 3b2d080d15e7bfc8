"""sorting ops."""

from __future__ import annotations

__all__ = ["SortingMethods"]


class SortingMethods:
    __slots__ = ()
