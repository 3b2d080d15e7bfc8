"""``pool.cu``: ``max_pool2d`` forward, one thread per output element, with PyTorch's indices
(the position ``h * W + w`` of each window's maximum in its input plane; a NaN wins)."""

from __future__ import annotations

import numpy as np

from ember.backends.cpu.nn_ops import _pool_out  # the output size rule, shared with the CPU kernel
from ember_cuda.device_array import DeviceArray
from ember_cuda.launchers.common import Launcher


def pool_kernels(backend, launcher: Launcher, fallback) -> dict:
    cpu = fallback("max_pool2d")

    def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode):
        fn = launcher.function("pool", "max_pool2d_forward", x.dtype, x.device) \
            if isinstance(x, DeviceArray) and x.ndim == 4 and x.size else None
        if fn is None:
            return cpu(x, kernel, stride, padding, dilation, ceil_mode)
        n, c, h, w = x.shape
        oh = _pool_out(h, kernel[0], padding[0], stride[0], dilation[0], ceil_mode)
        ow = _pool_out(w, kernel[1], padding[1], stride[1], dilation[1], ceil_mode)
        if oh <= 0 or ow <= 0:
            return cpu(x, kernel, stride, padding, dilation, ceil_mode)
        x = backend.kernels["contiguous"](x, None)
        out = backend.empty((n, c, oh, ow), x.dtype, x.device)
        indices = backend.empty((n, c, oh, ow), np.int64, x.device)
        geometry = [np.int32(v) for v in (h, w, oh, ow, *kernel, *stride, *padding, *dilation)]
        launcher.launch(fn, out.size, np.int64(n * c), x.pointer, out.pointer, indices.pointer, *geometry,
                        index=x.device)
        return out, indices

    return {"max_pool2d": max_pool2d}
