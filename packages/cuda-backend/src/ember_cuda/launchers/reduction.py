"""``reduction.cu``: ``sum``, ``mean``, ``amax``, ``amin``, ``argmax``, ``argmin``, ``var``, ``std`` and
``logsumexp`` over any set of dimensions, one block per output element combining its reduced
elements with a shuffle tree (``var``/``std`` in two passes: the mean, then squared deviations);
and the ``cumsum``/``cumprod`` scans along one dimension, one block per line.

Only calls whose result has the input's dtype run here (float sums and means, max/min of every
dtype); an integer or bool ``sum`` (int64 in PyTorch), a ``dtype=`` change, or an empty reduction
runs on the CPU for that call.
"""

from __future__ import annotations

import numpy as np

from ember_cuda.device_array import DeviceArray
from ember_cuda.launchers.common import Launcher, size_of


def reduce(backend, launcher: Launcher, kernel, x: DeviceArray, dim, keepdim: bool, out_dtype=None,
           extra: tuple = ()) -> DeviceArray | None:
    """``kernel`` (a ``reduce_*``) over dims ``dim`` of ``x``, with ``extra`` arguments after the output;
    None if the reduction is empty."""
    dims = tuple(range(x.ndim)) if dim is None else ((dim,) if isinstance(dim, int) else tuple(dim))
    keep = [d for d in range(x.ndim) if d not in dims]
    keep_shape = tuple(x.shape[d] for d in keep)
    red_shape = tuple(x.shape[d] for d in dims)
    n_out, n_red = size_of(keep_shape), size_of(red_shape)
    if n_red == 0:
        return None
    out = backend.empty(keep_shape, x.dtype if out_dtype is None else out_dtype, x.device)
    if n_out:
        meta = np.array([*keep_shape, *(x.strides[d] for d in keep), *out.strides, *red_shape,
                         *(x.strides[d] for d in dims)] or [0], dtype=np.int64)
        meta = backend.from_numpy(meta, x.device)
        threads, max_blocks = backend.runtime.launch_limits
        backend.runtime.launch(kernel, (np.int64(n_out), np.int64(n_red), x.pointer, np.int32(len(keep)),
                                        np.int32(len(dims)), meta.pointer, out.pointer, *extra),
                               (threads, 1, 1), (max(1, min(n_out, max_blocks)), 1, 1), 0,
                               backend.current_stream(x.device))
    if keepdim:
        shape = tuple(1 if d in dims else n for d, n in enumerate(x.shape))
        return DeviceArray(out.block, out.device, shape, out.dtype)
    return out


def reduction_kernels(backend, launcher: Launcher, fallback) -> dict:

    def with_dtype(name: str, kernel_name: str, floats_only: bool):
        cpu = fallback(name)

        def op(x, dim, keepdim, dt=None):
            same = dt is None or np.dtype(dt) == x.dtype
            if not (isinstance(x, DeviceArray) and same and (x.dtype.kind == "f" or not floats_only)):
                return cpu(x, dim, keepdim, dt)
            kernel = launcher.function("reduction", kernel_name, x.dtype, x.device)
            out = None if kernel is None else reduce(backend, launcher, kernel, x, dim, keepdim)
            return cpu(x, dim, keepdim, dt) if out is None else out

        op.__name__ = op.__qualname__ = f"cuda_{name}"
        return op

    def extremum(name: str, kernel_name: str):
        cpu = fallback(name)

        def op(x, dim, keepdim):
            if not isinstance(x, DeviceArray):
                return cpu(x, dim, keepdim)
            kernel = launcher.function("reduction", kernel_name, x.dtype, x.device)
            out = None if kernel is None else reduce(backend, launcher, kernel, x, dim, keepdim)
            return cpu(x, dim, keepdim) if out is None else out

        op.__name__ = op.__qualname__ = f"cuda_{name}"
        return op

    def arg(name: str, kernel_name: str):
        cpu = fallback(name)

        def op(x, dim, keepdim):
            kernel = launcher.function("reduction", kernel_name, x.dtype, x.device) \
                if isinstance(x, DeviceArray) and x.ndim else None
            out = None if kernel is None else reduce(backend, launcher, kernel, x, dim, keepdim, np.int64)
            return cpu(x, dim, keepdim) if out is None else out

        op.__name__ = op.__qualname__ = f"cuda_{name}"
        return op

    def spread(name: str, take_sqrt: bool):
        cpu = fallback(name)

        def op(x, dim, correction, keepdim):
            kernel = launcher.function("reduction", "reduce_var", x.dtype, x.device) \
                if isinstance(x, DeviceArray) and x.dtype.kind == "f" else None
            out = None if kernel is None else reduce(backend, launcher, kernel, x, dim, keepdim, None,
                                                     (np.float64(correction), np.int32(take_sqrt)))
            return cpu(x, dim, correction, keepdim) if out is None else out

        op.__name__ = op.__qualname__ = f"cuda_{name}"
        return op

    def logsumexp(x, dim, keepdim):
        kernel = launcher.function("reduction", "reduce_logsumexp", x.dtype, x.device) \
            if isinstance(x, DeviceArray) and x.dtype.kind == "f" else None
        out = None if kernel is None else reduce(backend, launcher, kernel, x, dim, keepdim)
        return fallback("logsumexp")(x, dim, keepdim) if out is None else out

    def scan(name: str, kernel_name: str):
        cpu = fallback(name)

        def op(x, dim, dt=None):
            same = dt is None or np.dtype(dt) == x.dtype if isinstance(x, DeviceArray) else False
            kernel = launcher.function("reduction", kernel_name, x.dtype, x.device) \
                if same and x.dtype.kind == "f" and x.ndim and x.size else None
            if kernel is None:
                return cpu(x, dim, dt)
            out = backend.empty(x.shape, x.dtype, x.device)
            lines = [d for d in range(x.ndim) if d != dim]
            line_shape = [x.shape[d] for d in lines]
            meta = np.array([*line_shape, *(x.strides[d] for d in lines), *(out.strides[d] for d in lines)] or [0],
                            dtype=np.int64)
            meta = backend.from_numpy(meta, x.device)
            n_lines = size_of(tuple(line_shape))
            threads, max_blocks = backend.runtime.launch_limits
            backend.runtime.launch(kernel, (np.int64(n_lines), np.int64(x.shape[dim]), x.pointer,
                                            np.int64(x.strides[dim]), out.pointer, np.int64(out.strides[dim]),
                                            np.int32(len(lines)), meta.pointer),
                                   (threads, 1, 1), (max(1, min(n_lines, max_blocks)), 1, 1), 0,
                                   backend.current_stream(x.device))
            return out

        op.__name__ = op.__qualname__ = f"cuda_{name}"
        return op

    return {"cumsum": scan("cumsum", "scan_cumsum"), "cumprod": scan("cumprod", "scan_cumprod"),
            "sum": with_dtype("sum", "reduce_sum", True), "mean": with_dtype("mean", "reduce_mean", True),
            "amax": extremum("amax", "reduce_max"), "amin": extremum("amin", "reduce_min"),
            "argmax": arg("argmax", "reduce_argmax"), "argmin": arg("argmin", "reduce_argmin"),
            "var": spread("var", False), "std": spread("std", True), "logsumexp": logsumexp}
