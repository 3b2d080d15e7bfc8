"""3-D padding layers over the last three dims of (N, C, D, H, W) or (C, D, H, W) input:
``padding`` is an int or (left, right, top, bottom, front, back)."""

from __future__ import annotations

from ember.nn.modules.padding import _ConstantPad, _Pad

__all__ = ["ConstantPad3d", "ZeroPad3d", "ReflectionPad3d", "ReplicationPad3d", "CircularPad3d"]


class ConstantPad3d(_ConstantPad):
    """Pad the last three dims with ``value``."""

    _n = 6


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad3d(_Pad):
    """Pad the last three dims with their mirror image (edge excluded)."""

    _mode = "reflect"
    _n = 6


class ReplicationPad3d(_Pad):
    """Pad the last three dims by repeating their edge values."""

    _mode = "replicate"
    _n = 6


class CircularPad3d(_Pad):
    """Pad the last three dims by wrapping around."""

    _mode = "circular"
    _n = 6
