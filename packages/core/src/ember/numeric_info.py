"""``finfo`` and ``iinfo``: the numeric limits of ember's floating-point and integer dtypes."""

from __future__ import annotations

import numpy as np

from ember import dtypes

__all__ = ["finfo", "iinfo"]


class finfo:
    """The limits of a floating-point dtype (the default dtype if none): ``bits``, ``eps``, ``max``, ``min``,
    ``tiny`` (= ``smallest_normal``), ``resolution``."""

    def __init__(self, type=None) -> None:  # noqa: A002 - PyTorch's name
        dt = dtypes.get_default_dtype() if type is None else type
        if not isinstance(dt, dtypes.dtype) or not dt.is_floating_point:
            raise TypeError(f"finfo() requires a floating point input type. Use iinfo to handle '{dt}'")
        info = np.finfo(np.dtype(dt.name))
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = float(info.resolution)
        self.dtype = dt.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer (or bool) dtype: ``bits``, ``max``, ``min``."""

    def __init__(self, type) -> None:  # noqa: A002
        if not isinstance(type, dtypes.dtype) or type.is_floating_point:
            raise TypeError(f"iinfo() requires an integer input type. Use finfo to handle '{type}'")
        if type is dtypes.bool:
            self.bits, self.min, self.max = 8, 0, 1
        else:
            info = np.iinfo(np.dtype(type.name))
            self.bits, self.min, self.max = int(info.bits), int(info.min), int(info.max)
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
