"""Copy and conversion kernels (``copy_``, ``clone``, ``contiguous``, ``cast``, ``expand_copy``, ``reshape``).

A copy between two contiguous arrays of one dtype is one device-to-device copy; any other
(a strided or broadcast side, a dtype change) is ``copy.cu``'s strided copy kernel. A value that
is not on the device (a Python or NumPy scalar, a host array) is written from the host.
"""

from __future__ import annotations

import numpy as np

from ember_cuda.device_array import DeviceArray
from ember_cuda.launchers.common import Launcher
from ember_cuda.launchers.copy import strided_copy
from ember_cuda.transfer import to_host, write_host


def copy_kernels(backend) -> dict:
    runtime = backend.runtime
    launcher = Launcher(backend)

    def device_copy(dst: DeviceArray, src: DeviceArray) -> None:
        runtime.copy_device(dst.device, dst.ptr, src.ptr, src.nbytes, backend.current_stream(dst.device))

    def copy_(dst: DeviceArray, src) -> None:
        if (isinstance(src, DeviceArray) and src.dtype == dst.dtype and src.shape == dst.shape
                and src.device == dst.device and src.is_contiguous() and dst.is_contiguous()):
            if src.size:
                device_copy(dst, src)
            return
        if isinstance(src, DeviceArray) and src.device == dst.device and strided_copy(launcher, dst, src):
            return
        host = to_host(backend, src) if isinstance(src, DeviceArray) else np.asarray(src)
        with np.errstate(all="ignore"):  # casts as NumPy's copyto(casting="unsafe") does
            values = np.broadcast_to(host, dst.shape).astype(dst.dtype)
        write_host(backend, dst, values)

    def clone(x: DeviceArray) -> DeviceArray:
        out = backend.empty(x.shape, x.dtype, x.device)
        copy_(out, x)
        return out

    def contiguous(x: DeviceArray, dtype=None) -> DeviceArray:
        if x.is_contiguous() and (dtype is None or np.dtype(dtype) == x.dtype):
            return x
        out = backend.empty(x.shape, x.dtype if dtype is None else dtype, x.device)
        copy_(out, x)
        return out

    def cast(x: DeviceArray, dt) -> DeviceArray:
        out = backend.empty(x.shape, dt, x.device)
        copy_(out, x)
        return out

    def expand_copy(x: DeviceArray, shape: tuple, dt) -> DeviceArray:
        out = backend.empty(tuple(shape), dt, x.device)
        copy_(out, backend.kernels["expand"](x, tuple(shape)))
        return out

    def reshape(x: DeviceArray, shape: tuple) -> DeviceArray:
        """A contiguous copy of ``x`` with ``shape`` (ember calls it when no view exists)."""
        flat = clone(x)
        return DeviceArray(flat.block, flat.device, shape, flat.dtype)

    return {"copy_": copy_, "clone": clone, "contiguous": contiguous, "cast": cast, "expand_copy": expand_copy,
            "reshape": reshape}
