"""activation ops."""

from __future__ import annotations

__all__ = ["ActivationMethods"]


class ActivationMethods:
    __slots__ = ()
