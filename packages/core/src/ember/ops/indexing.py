"""indexing ops."""

from __future__ import annotations

__all__ = ["IndexingMethods"]


class IndexingMethods:
    __slots__ = ()
