"""What every launcher needs: the compiled family for a dtype, strides over a broadcast shape, the
``meta`` array the kernels read (shape, then each operand's strides), and a 1-d grid-stride launch."""

from __future__ import annotations

import numpy as np

from ember_cuda.device_array import DeviceArray
from ember_cuda.kernels import FAMILIES, defines_for, kernel_path

_MISSING = object()


class Launcher:
    """Loads ``.cu`` families through the backend's runtime and launches their kernels."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.runtime = backend.runtime
        self._functions: dict[tuple, object] = {}

    def function(self, family: str, name: str, dtype, index: int, src_dtype=None):
        """The kernel ``name`` of ``family`` built for ``dtype``, or None if that build has no such kernel."""
        key = (family, name, np.dtype(dtype).str, None if src_dtype is None else np.dtype(src_dtype).str, index)
        fn = self._functions.get(key, _MISSING)
        if fn is _MISSING:
            fn = None
            if np.dtype(dtype).name in FAMILIES[family] and (src_dtype is None or np.dtype(src_dtype).name in
                                                               FAMILIES[family]):
                module = self.runtime.load_module(index, str(kernel_path(family)), defines_for(dtype, src_dtype))
                try:
                    fn = module.get_function(name)
                except Exception:  # this dtype's build has no such kernel (e.g. exp for int32)
                    fn = None
            self._functions[key] = fn
        return fn

    def meta(self, index: int, shape: tuple, *arrays: DeviceArray) -> DeviceArray:
        """[shape, strides of each array over ``shape``...] as an int64 device array."""
        parts = list(shape)
        for a in arrays:
            parts += broadcast_strides(a, shape)
        return self.backend.from_numpy(np.array(parts or [0], dtype=np.int64), index)

    def launch(self, fn, n: int, *args, index: int) -> None:
        """A grid-stride launch over ``n`` items (nothing for ``n == 0``)."""
        if n == 0:
            return
        threads, max_blocks = self.runtime.launch_limits
        blocks = max(1, min(max_blocks, -(-n // threads)))
        self.runtime.launch(fn, args, (threads, 1, 1), (blocks, 1, 1), 0, self.backend.current_stream(index))


def broadcast_strides(a: DeviceArray, shape: tuple) -> list[int]:
    """``a``'s strides (in elements) over the broadcast ``shape``: 0 where ``a`` is broadcast."""
    pad = len(shape) - a.ndim
    dims = [1] * pad + list(a.shape)
    strides = [0] * pad + list(a.strides)
    return [0 if d == 1 and n != 1 else s for d, n, s in zip(dims, shape, strides)]


def size_of(shape: tuple) -> int:
    n = 1
    for d in shape:
        n *= d
    return n
