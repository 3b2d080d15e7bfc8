"""Moving values between host NumPy arrays and ``DeviceArray`` views of any strides.

A contiguous view moves in one copy. A strided view moves the span of memory it reaches (one
copy) and is gathered or scattered on the host; writing a strided view writes its span back,
which keeps the values in its gaps since the span was read first.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ember_cuda.device_array import DeviceArray


def _span_on_host(backend, x: DeviceArray) -> tuple[np.ndarray, np.ndarray, int]:
    """The device memory ``x`` reaches, copied to the host, and ``x`` as a view of that copy."""
    low, high = x.span()
    span = np.empty(max(high - low, 1), x.dtype)
    if high > low:
        backend.runtime.copy_to_host(x.device, span[: high - low], x.block.ptr + low * x.dtype.itemsize,
                                     backend.current_stream(x.device))
    itemsize = x.dtype.itemsize
    view = as_strided(span[x.offset - low:], x.shape, tuple(s * itemsize for s in x.strides))
    return span, view, low


def to_host(backend, x: DeviceArray) -> np.ndarray:
    """A new host array with ``x``'s values and ``x``'s strides: a view of a host copy of the memory
    ``x`` spans, so ``Tensor.stride()`` and ``is_contiguous()`` (which ember-core reads from it)
    answer as for the device array, a slice's gaps included."""
    if x.size == 0:
        return np.empty(x.shape, x.dtype)
    if x.is_contiguous():
        out = np.empty(x.shape, x.dtype)
        backend.runtime.copy_to_host(x.device, out, x.ptr, backend.current_stream(x.device))
        backend.sync_stream(x.device)
        return out
    _, view, _ = _span_on_host(backend, x)
    backend.sync_stream(x.device)
    return view


def write_host(backend, dst: DeviceArray, values: np.ndarray) -> None:
    """Write ``values`` (``dst``'s shape, any dtype) into the device memory ``dst`` views."""
    if dst.size == 0:
        return
    if dst.is_contiguous():
        host = np.ascontiguousarray(values, dtype=dst.dtype).reshape(dst.shape)
        backend.runtime.copy_to_device(dst.device, dst.ptr, host, backend.current_stream(dst.device))
        backend.sync_stream(dst.device)
        return
    span, view, low = _span_on_host(backend, dst)
    backend.sync_stream(dst.device)
    view[...] = values
    backend.runtime.copy_to_device(dst.device, dst.block.ptr + low * dst.dtype.itemsize, span[: span.size],
                                   backend.current_stream(dst.device))
    backend.sync_stream(dst.device)
