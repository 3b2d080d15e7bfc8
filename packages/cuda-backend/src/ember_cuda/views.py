"""View kernels (``view``, ``transpose``, ``narrow``, basic ``getitem``, ...): new geometry, same memory.

A view changes only shape, strides and offset, and ember-core's CPU kernels already compute
exactly that for NumPy arrays. So each view kernel runs the CPU kernel on a *probe*: a NumPy
array with the device array's geometry over a host buffer as long as its span, which is never
read or written. The probe's result is read back as geometry (its strides and where its first
element lies in the buffer) and becomes a ``DeviceArray`` on the same block. A result that does
not lie in the probe's buffer means the CPU kernel copied (``reshape`` of a view that cannot be
reshaped in place): then the op runs as a copy on the device instead.
"""

from __future__ import annotations

import numpy as np

from ember_cuda.device_array import DeviceArray

# view kernels of the CPU table whose results are always views of their first argument
VIEW_KERNELS = ("view", "expand", "permute", "t", "transpose", "narrow", "squeeze", "unsqueeze", "split",
                "unbind", "diagonal", "movedim", "swapaxes", "as_strided", "unfold", "view_as_real")


class NotAView(Exception):
    """The CPU kernel copied instead of making a view."""


def probe(x: DeviceArray) -> tuple[np.ndarray, np.ndarray, int]:
    """(a NumPy array with ``x``'s geometry, the buffer under it, the element offset of the buffer's start)."""
    low, high = x.span()
    buffer = np.empty(max(high - low, 1), x.dtype)
    itemsize = x.dtype.itemsize
    array = np.ndarray(x.shape, x.dtype, buffer=buffer, offset=(x.offset - low) * itemsize,
                       strides=tuple(s * itemsize for s in x.strides))
    return array, buffer, low


def from_probe(x: DeviceArray, result: np.ndarray, buffer: np.ndarray, low: int) -> DeviceArray:
    """The ``DeviceArray`` that ``result`` (computed from ``x``'s probe) describes."""
    if not isinstance(result, np.ndarray) or result.dtype != x.dtype:
        raise NotAView
    itemsize = x.dtype.itemsize
    start = result.__array_interface__["data"][0] - buffer.ctypes.data
    if result.size and not (0 <= start < buffer.nbytes and np.shares_memory(result, buffer)):
        raise NotAView
    if start % itemsize or any(s % itemsize for s in result.strides):
        raise NotAView
    return DeviceArray(x.block, x.device, result.shape, x.dtype, tuple(s // itemsize for s in result.strides),
                       low + start // itemsize)


def view_kernel(name: str, cpu_kernel, on_copy=None):
    """A device kernel that runs ``cpu_kernel`` on a probe of its first argument (a view op)."""

    def run(x, *params):
        array, buffer, low = probe(x)
        out = cpu_kernel(array, *params)
        try:
            if isinstance(out, (tuple, list)):
                return type(out)(from_probe(x, o, buffer, low) for o in out)
            return from_probe(x, out, buffer, low)
        except NotAView:
            if on_copy is None:
                raise RuntimeError(f"ember-cuda: the view kernel '{name}' copied on the CPU; it cannot run as a "
                                   f"view on the device") from None
            return on_copy(x, *params)

    run.__name__ = run.__qualname__ = f"cuda_view_{name}"
    return run


def unbind_kernel(cpu_getitem):
    """``unbind`` as views: the CPU's ``unbind`` gives NumPy scalars (not views) for a 1-d array."""

    def unbind(x: DeviceArray, dim: int) -> tuple:
        lead = (slice(None),) * dim
        return tuple(cpu_getitem(x, lead + (i, Ellipsis)) for i in range(x.shape[dim]))

    return unbind


def is_basic_key(key) -> bool:
    """Whether an indexing key selects a view: ints, slices, None and Ellipsis only."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice, type(None), type(Ellipsis))) and not isinstance(k, bool)
               for k in parts)
