"""``GroupUpdate``: the CPU parameters of a group, updated by one call of a group kernel."""

from __future__ import annotations

import numpy as np

from ember._core import TensorBase

_GROUP_DTYPES = ("f", "d")  # NumPy's type characters of float32 and float64


class GroupUpdate:
    """The parameters of a group that one call of a CPU group kernel updates.

    ``add`` takes a parameter when it and its state are C-contiguous float32/float64 CPU arrays
    (the gradient is made so if it is not); the others are left to the caller's per-parameter
    path. ``run`` calls ``<name>_group`` on them all and bumps the version of every tensor written.
    """

    __slots__ = ("rows", "extras", "written", "kernels")

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.extras: list = []     # a per-parameter argument (Adam's step number), if the kernel takes one
        self.written: list = []
        self.kernels = None

    def add(self, param, grad, buffers: tuple, extra=None) -> bool:
        if param._device.type != "cpu":
            return False
        pd = param._data
        dt = pd.dtype
        if dt.char not in _GROUP_DTYPES or not pd.flags.c_contiguous:
            return False
        dev, shape = param._device, pd.shape
        arrays = []
        for b in buffers:   # a buffer that does not fit goes to the per-parameter path, whose check names it
            a = b._data if isinstance(b, TensorBase) and b._device is dev else None
            if a is None or a.shape != shape or a.dtype != dt or not a.flags.c_contiguous:
                return False
            arrays.append(a)
        gd = grad._data
        if gd.dtype != dt or not gd.flags.c_contiguous:
            gd = np.ascontiguousarray(gd, dtype=dt)  # the gradient is only read
        self.rows.append((pd, gd, *arrays))
        self.extras.append(extra)
        self.written.append(param)
        for b in buffers:
            if b is not param:
                self.written.append(b)
        self.kernels = param._device._kernels
        return True

    def run(self, kernel: str, *args, extras: bool = False) -> None:
        if not self.rows:
            return
        if extras:
            self.kernels[kernel](self.rows, self.extras, *args)
        else:
            self.kernels[kernel](self.rows, *args)
        for t in self.written:
            t._bump_version()

