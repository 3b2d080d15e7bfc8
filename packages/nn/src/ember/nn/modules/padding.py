"""Padding layers: constant (and zero), reflection, replication and circular, in 1-D and 2-D."""

from __future__ import annotations

from ember.nn import functional as F
from ember.nn.modules.module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ZeroPad1d", "ZeroPad2d", "ReflectionPad1d", "ReflectionPad2d",
           "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d", "CircularPad2d"]


def _padding(padding, n: int) -> tuple:
    return tuple(padding) if isinstance(padding, (tuple, list)) else (padding,) * n


class _Pad(Module):
    _mode = "constant"
    _n = 2

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _padding(padding, self._n)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPad(_Pad):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last dim with ``value``: ``padding`` is an int or (left, right)."""

    _n = 2


class ConstantPad2d(_ConstantPad):
    """Pad the last two dims with ``value``: an int or (left, right, top, bottom)."""

    _n = 4


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros: an int or (left, right, top, bottom)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_Pad):
    """Pad the last dim with its mirror image (edge excluded)."""

    _mode = "reflect"
    _n = 2


class ReflectionPad2d(_Pad):
    """Pad the last two dims with their mirror image (edge excluded)."""

    _mode = "reflect"
    _n = 4


class ReplicationPad1d(_Pad):
    """Pad the last dim by repeating its edge values."""

    _mode = "replicate"
    _n = 2


class ReplicationPad2d(_Pad):
    """Pad the last two dims by repeating their edge values."""

    _mode = "replicate"
    _n = 4


class CircularPad1d(_Pad):
    """Pad the last dim by wrapping around."""

    _mode = "circular"
    _n = 2


class CircularPad2d(_Pad):
    """Pad the last two dims by wrapping around."""

    _mode = "circular"
    _n = 4
