"""``CudaBackend``: ember's backend contract on a ``Runtime`` (pycuda on a GPU, or the CPU simulator).

One class serves both device types: ``cuda`` on ``PycudaRuntime`` and ``cudasim`` on
``SimRuntime``. Tensors hold ``DeviceArray``s; each device has a caching allocator and a
current stream; the kernel table (``kernel_table.py``) launches the ``.cu`` kernels through the
runtime, and ``fallback = "cpu"`` runs the ops that have no device kernel yet on host copies.
"""

from __future__ import annotations

import numpy as np

from ember.backends import Backend
from ember_cuda.device_array import DeviceArray
from ember_cuda.memory import CachingAllocator
from ember_cuda.runtime import Runtime
from ember_cuda.transfer import to_host, write_host


def on_host(backend: CudaBackend, name: str, index: int | None):
    """The CPU backend's kernel ``name`` (looked up when called) run on host copies of its device
    arrays; results go back to the device of the first device array (else ``index``)."""

    def to_host(value, copies: dict):
        if isinstance(value, DeviceArray):  # one host copy per view, so memory passed twice stays shared
            key = (id(value.block), value.offset, value.shape, value.strides, value.dtype)
            if key not in copies:
                copies[key] = (value, backend.to_numpy(value))
            return copies[key][1]
        if isinstance(value, (tuple, list)):
            return type(value)(to_host(v, copies) for v in value)
        return value

    def to_device(value, device):
        if isinstance(value, (np.ndarray, np.generic)):
            return backend.from_numpy(np.asarray(value), device)
        if isinstance(value, (tuple, list)):  # several results (sort, split, unbind, ...)
            return type(value)(to_device(v, device) for v in value)
        return value

    def run(*args):
        device = next((a.device for a in args if isinstance(a, DeviceArray)), 0 if index is None else index)
        copies: dict = {}
        host = [to_host(a, copies) for a in args]
        out = backend._cpu_kernels[name](*host)
        if out is None or name.endswith("_"):  # in place (`add_`, optimizer updates): write back what changed
            for array, copy in copies.values():
                if not np.array_equal(backend.to_numpy(array), copy, equal_nan=copy.dtype.kind in "fc"):
                    write_host(backend, array, copy)
            return None
        return to_device(out, device)

    run.__name__ = run.__qualname__ = f"cpu_fallback_{name}"
    return run


class CudaBackend(Backend):
    """The ``cuda`` (or ``cudasim``) device type.

    Args:
        device_type: ``"cuda"`` or ``"cudasim"``.
        runtime: the runtime, or None when none could be found (the backend then registers as
            unavailable with ``reason``).
        reason: why there is no runtime, in words that say what to do.
    """

    fallback = "cpu"

    def __init__(self, device_type: str, runtime: Runtime | None, reason: str = "") -> None:
        super().__init__()
        self.type = device_type
        self.runtime = runtime
        self.reason = reason
        count = runtime.device_count() if runtime is not None else 0
        self.allocators = [CachingAllocator(runtime, i, f"{device_type}:{i}") for i in range(count)]
        self._streams: dict[int, object] = {}  # device -> current stream (None: the default stream)
        self.seeds = [0] * count
        self.offsets = [0] * count  # Philox counter offsets: each random kernel advances its device's
        if runtime is not None:
            from ember_cuda.kernel_table import build_kernel_table

            self.kernels = build_kernel_table(self)

    # -- devices -------------------------------------------------------------------------------
    def is_available(self) -> bool:
        return self.runtime is not None and len(self.allocators) > 0

    def unavailable_reason(self) -> str:
        return self.reason

    def device_count(self) -> int:
        return len(self.allocators)

    def device_name(self, index: int) -> str:
        return self.runtime.device_name(index)

    # -- moving data ---------------------------------------------------------------------------
    def empty(self, shape: tuple, dtype, index: int) -> DeviceArray:
        """An uninitialised contiguous array on device ``index``."""
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        return DeviceArray(self.allocators[index].malloc(nbytes), index, shape, dtype)

    def from_numpy(self, array: np.ndarray, index: int | None) -> DeviceArray:
        index = 0 if index is None else index
        host = np.ascontiguousarray(array)
        if host.shape != array.shape:  # ascontiguousarray makes 0-d arrays 1-d
            host = host.reshape(array.shape)
        out = self.empty(host.shape, host.dtype, index)
        write_host(self, out, host)
        return out

    def to_numpy(self, data: DeviceArray) -> np.ndarray:
        return to_host(self, data)

    def pin_memory(self, array: np.ndarray) -> np.ndarray:
        """A copy of ``array`` in page-locked host memory (``DataLoader(pin_memory=True)``)."""
        out = self.runtime.pinned_empty(array.shape, array.dtype)
        out[...] = array
        return out

    def fallback_kernel(self, name: str, index: int | None):
        """The CPU backend's kernel ``name`` run on host copies (``fallback = "cpu"``).

        As ember-core's fallback, plus two things it lacks for a device whose arrays are not NumPy
        arrays: 0-d results keep their shape, and NumPy-scalar results (full reductions, ``dot``)
        are put on the device too (ember-core would wrap them as host arrays).
        """
        return on_host(self, name, index) if name in self._cpu_kernels else None

    # -- runtime ---------------------------------------------------------------------------------
    def synchronize(self, index: int | None = None) -> None:
        for i in range(self.device_count()) if index is None else [index]:
            self.runtime.synchronize(i)

    def current_stream(self, index: int):
        return self._streams.get(index)

    def set_current_stream(self, index: int, stream) -> None:
        self._streams[index] = stream

    def sync_stream(self, index: int) -> None:
        """Wait for the current stream of device ``index`` (host copies read or write through it)."""
        stream = self._streams.get(index)
        if stream is not None:
            self.runtime.stream_synchronize(stream)

    def manual_seed(self, seed: int, index: int | None = None) -> None:
        for i in range(self.device_count()) if index is None else [index]:
            self.seeds[i] = int(seed)
            self.offsets[i] = 0

    # -- memory ----------------------------------------------------------------------------------
    def memory_allocated(self, index: int | None = None) -> int:
        return self.allocators[0 if index is None else index].allocated

    def memory_stats(self, index: int) -> dict[str, int]:
        return self.allocators[index].stats()

    def reset_peak_memory_stats(self, index: int) -> None:
        self.allocators[index].reset_peak_stats()

    def empty_cache(self) -> None:
        for allocator in self.allocators:
            allocator.empty_cache()
