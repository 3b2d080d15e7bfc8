"""``matmul.cu``: ``mm``, ``bmm`` and batched ``matmul`` as one batched GEMM with (batch, row,
column) strides, so transposed and broadcast operands need no copy.

Operands whose batch dimensions cannot be read as one stride (a batch of transposed slices of a
larger tensor, say) are first made contiguous on the device. 1-d operands (``dot``, ``mv``,
``matmul`` with a vector) and bool run on the CPU. cuBLAS is not wired in yet.
"""

from __future__ import annotations

import numpy as np

from ember_cuda.device_array import DeviceArray
from ember_cuda.launchers.common import Launcher, size_of

TILE = 64


def _acc(value: float, dtype: np.dtype):
    if dtype.kind == "f":
        return (np.float64 if dtype == np.float64 else np.float32)(value)
    return dtype.type(value)


def _batched(backend, x: DeviceArray, batch: tuple) -> tuple[DeviceArray, int]:
    """``x`` (..., r, c) broadcast to ``batch`` and read as (n, r, c): the view and its batch stride."""
    x = backend.kernels["expand"](x, (*batch, *x.shape[-2:]))
    dims = [(n, s) for n, s in zip(x.shape[:-2], x.strides[:-2]) if n != 1]
    for (_, s0), (n1, s1) in zip(dims, dims[1:]):
        if s0 != s1 * n1:  # the batch dimensions are not one stride: copy them into one
            x = backend.kernels["contiguous"](x, None)
            return x, x.shape[-2] * x.shape[-1]
    return x, dims[-1][1] if dims else 0


def matmul_kernels(backend, launcher: Launcher, fallback) -> dict:

    def gemm(a: DeviceArray, b: DeviceArray, batch: tuple):
        kernel = launcher.function("matmul", "gemm", a.dtype, a.device)
        if kernel is None:
            return None
        a, a_bs = _batched(backend, a, batch)
        b, b_bs = _batched(backend, b, batch)
        m, k, n = a.shape[-2], a.shape[-1], b.shape[-1]
        out = backend.empty((*batch, m, n), a.dtype, a.device)
        count = size_of(batch)
        if out.size == 0:
            return out
        if k == 0:
            backend.runtime.memset(out.device, out.ptr, 0, out.nbytes, backend.current_stream(out.device))
            return out
        args = (np.int64(count), np.int64(m), np.int64(n), np.int64(k),
                a.pointer, np.int64(a_bs), np.int64(a.strides[-2]), np.int64(a.strides[-1]),
                b.pointer, np.int64(b_bs), np.int64(b.strides[-2]), np.int64(b.strides[-1]),
                out.pointer, np.int64(m * n), np.int64(n), np.int64(1), _acc(1, a.dtype), _acc(0, a.dtype))
        grid = (-(-n // TILE), -(-m // TILE), max(1, min(count, 65535)))
        backend.runtime.launch(kernel, args, (16, 16, 1), grid, 0, backend.current_stream(a.device))
        return out

    def usable(a, b) -> bool:
        return (isinstance(a, DeviceArray) and isinstance(b, DeviceArray) and a.dtype == b.dtype
                and a.device == b.device and a.ndim >= 2 and b.ndim >= 2 and a.dtype != np.bool_)

    def op(name: str, batch_of):
        cpu = fallback(name)

        def run(a, b):
            if not usable(a, b):
                return cpu(a, b)
            out = gemm(a, b, batch_of(a, b))
            return cpu(a, b) if out is None else out

        run.__name__ = run.__qualname__ = f"cuda_{name}"
        return run

    return {
        "mm": op("mm", lambda a, b: ()),
        "bmm": op("bmm", lambda a, b: (a.shape[0],)),
        "matmul": op("matmul", lambda a, b: tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))),
    }
