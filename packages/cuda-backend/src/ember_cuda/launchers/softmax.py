"""``norm.cu``'s softmax: ``softmax`` and ``log_softmax`` along one dimension, one block per row of
the tensor seen as [outer, len, inner] (a strided input is made contiguous on the device first)."""

from __future__ import annotations

import numpy as np

from ember_cuda.device_array import DeviceArray
from ember_cuda.launchers.common import Launcher, size_of


def softmax_kernels(backend, launcher: Launcher, fallback) -> dict:

    def op(name: str, log: bool):
        cpu = fallback(name)

        def run(x, dim):
            if not (isinstance(x, DeviceArray) and x.ndim and x.size and x.dtype.kind == "f"):
                return cpu(x, dim)
            kernel = launcher.function("norm", "softmax_forward", x.dtype, x.device)
            if kernel is None:
                return cpu(x, dim)
            x = backend.kernels["contiguous"](x, None)
            outer, length, inner = size_of(x.shape[:dim]), x.shape[dim], size_of(x.shape[dim + 1:])
            out = backend.empty(x.shape, x.dtype, x.device)
            threads, max_blocks = backend.runtime.launch_limits
            backend.runtime.launch(kernel, (np.int64(outer), np.int64(length), np.int64(inner), x.pointer,
                                            out.pointer, np.int32(log)),
                                   (threads, 1, 1), (max(1, min(outer * inner, max_blocks)), 1, 1), 0,
                                   backend.current_stream(x.device))
            return out

        run.__name__ = run.__qualname__ = f"cuda_{name}"
        return run

    return {"softmax": op("softmax", False), "log_softmax": op("log_softmax", True)}
