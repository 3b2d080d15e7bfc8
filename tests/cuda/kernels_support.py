"""Shared helpers of the kernel tests: build a family for a dtype, lay out strides, launch 1-D."""

from __future__ import annotations

import numpy as np

from ember_cuda.executor import load_module
from ember_cuda.kernels import defines_for, kernel_path

TOL = {
    "float16": dict(rtol=2e-3, atol=2e-3),
    "float32": dict(rtol=2e-5, atol=1e-5),
    "float64": dict(rtol=1e-12, atol=1e-12),
}


def module(family: str, dtype, src_dtype=None):
    return load_module(kernel_path(family), defines_for(dtype, src_dtype))


def elem_strides(a: np.ndarray, shape=None) -> list[int]:
    """Strides of ``a`` in elements, broadcast to ``shape`` (stride 0 where ``a`` is broadcast)."""
    shape = a.shape if shape is None else tuple(shape)
    strides = [s // a.itemsize for s in a.strides]
    pad = len(shape) - a.ndim
    strides = [0] * pad + strides
    dims = [1] * pad + list(a.shape)
    return [0 if d == 1 and n != 1 else s for d, n, s in zip(dims, shape, strides)]


def meta(shape, *arrays) -> np.ndarray:
    """[shape, strides of each array over shape...] as one int64 array."""
    parts = [list(shape)] + [elem_strides(a, shape) for a in arrays]
    flat = [v for p in parts for v in p]
    return np.array(flat or [0], dtype=np.int64)


def launch(fn, n: int, *args, threads: int = 128, max_blocks: int = 8) -> None:
    """A grid-stride kernel over n items: a small grid is correct and cheap on the CPU executor."""
    blocks = max(1, min(max_blocks, -(-n // threads)))
    fn(*args, block=(threads, 1, 1), grid=(blocks, 1, 1))


def assert_close(actual, expected, dtype) -> None:
    name = np.dtype(dtype).name
    if name in TOL:
        np.testing.assert_allclose(np.asarray(actual, np.float64), np.asarray(expected, np.float64), **TOL[name])
    else:
        np.testing.assert_array_equal(actual, expected)


def random_array(shape, dtype, rng, low=-3.0, high=3.0) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -50), min(info.max, 50), size=shape, endpoint=True).astype(dtype)
    return rng.uniform(low, high, size=shape).astype(dtype)
