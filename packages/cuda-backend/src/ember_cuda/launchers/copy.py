"""``copy.cu``: copies between any strided layouts, with a dtype cast, on the device."""

from __future__ import annotations

import numpy as np

from ember_cuda.device_array import DeviceArray
from ember_cuda.launchers.common import Launcher, size_of


def strided_copy(launcher: Launcher, dst: DeviceArray, src: DeviceArray) -> bool:
    """``dst[...] = src`` (``src`` broadcastable to ``dst``, any dtypes) on the device; False when
    ``copy.cu`` has no build for the pair of dtypes (the caller then copies through the host)."""
    fn = launcher.function("copy", "copy_strided", dst.dtype, dst.device, src_dtype=src.dtype)
    if fn is None:
        return False
    n = size_of(dst.shape)
    meta = launcher.meta(dst.device, dst.shape, dst, src)
    launcher.launch(fn, n, np.int64(n), src.pointer, dst.pointer, np.int32(len(dst.shape)), meta.pointer,
                    index=dst.device)
    return True
