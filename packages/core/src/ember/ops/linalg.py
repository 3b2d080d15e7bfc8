"""linalg ops."""

from __future__ import annotations

__all__ = ["LinalgMethods"]


class LinalgMethods:
    __slots__ = ()
