"""``SimRuntime``: a CUDA device emulated on the CPU, for CI and for debugging kernels.

Device memory is host memory (one NumPy buffer per allocation, aligned like ``cudaMalloc``'s,
addressed by its real address so pointer arithmetic works); kernels are the same ``.cu`` files,
compiled with g++ and run by ``ember_cuda.executor`` (each block's threads as fibers). Work runs
when it is launched, so streams are always idle and events carry the host time of ``record``.
"""

from __future__ import annotations

import bisect
import os
import threading
import time

import numpy as np

from ember_cuda.runtime.base import DevicePointer, Runtime, RuntimeOutOfMemory

ALIGNMENT = 256  # cudaMalloc's alignment: kernels may rely on it for vector loads
DEFAULT_DEVICES = 2
DEFAULT_MEMORY = 4 << 30


class _Stream:
    def __init__(self, index: int) -> None:
        self.index = index


class _Event:
    def __init__(self, index: int, enable_timing: bool) -> None:
        self.index = index
        self.enable_timing = enable_timing
        self.time: float | None = None


class SimRuntime(Runtime):
    """The runtime interface on host memory and the CPU executor.

    Args:
        devices: how many emulated devices (``EMBER_CUDA_SIM_DEVICES``, default 2).
        memory: bytes each device holds (``EMBER_CUDA_SIM_MEMORY``, default 4 GiB); the
            allocator's out-of-memory path is tested with a small value.
    """

    name = "sim"
    launch_limits = (32, 4)  # 1-d launches: few fibers, since each simulated thread costs a context switch

    def __init__(self, devices: int | None = None, memory: int | None = None) -> None:
        self.devices = int(os.environ.get("EMBER_CUDA_SIM_DEVICES", DEFAULT_DEVICES)) if devices is None else devices
        self.memory = int(os.environ.get("EMBER_CUDA_SIM_MEMORY", DEFAULT_MEMORY)) if memory is None else memory
        self._buffers: dict[int, tuple[int, np.ndarray, int]] = {}  # ptr -> (device, buffer, nbytes)
        self._starts: list[int] = []  # sorted pointers, to find the allocation a pointer lies in
        self._used = [0] * self.devices
        self._lock = threading.Lock()
        self._modules: dict[tuple, object] = {}

    # -- devices -------------------------------------------------------------------------------
    def device_count(self) -> int:
        return self.devices

    def device_name(self, index: int) -> str:
        return f"ember CUDA simulator (CPU executor), device {index}"

    def mem_get_info(self, index: int) -> tuple[int, int]:
        return self.memory - self._used[index], self.memory

    def synchronize(self, index: int) -> None:
        pass  # work runs when launched

    # -- memory --------------------------------------------------------------------------------
    def allocate(self, index: int, nbytes: int) -> int:
        if nbytes < 0:
            raise ValueError(f"cannot allocate {nbytes} bytes")
        with self._lock:
            if self._used[index] + nbytes > self.memory:
                raise RuntimeOutOfMemory(f"device {index} has {self.memory - self._used[index]} of "
                                         f"{self.memory} bytes free")
            try:
                buffer = np.empty(nbytes + ALIGNMENT, np.uint8)
            except MemoryError as exc:
                raise RuntimeOutOfMemory(f"host memory exhausted: {exc}") from None
            ptr = -(-buffer.ctypes.data // ALIGNMENT) * ALIGNMENT
            self._buffers[ptr] = (index, buffer, nbytes)
            bisect.insort(self._starts, ptr)
            self._used[index] += nbytes
        return ptr

    def free(self, index: int, ptr: int) -> None:
        with self._lock:
            device, _, nbytes = self._buffers.pop(ptr)
            del self._starts[bisect.bisect_left(self._starts, ptr)]
            self._used[device] -= nbytes

    def view(self, ptr: int, nbytes: int) -> np.ndarray:
        """The host bytes behind device memory ``[ptr, ptr + nbytes)``, checked to lie in one allocation."""
        i = bisect.bisect_right(self._starts, ptr) - 1
        if i < 0:
            raise RuntimeError(f"cudasim: pointer {ptr:#x} is not in device memory")
        start = self._starts[i]
        _, buffer, size = self._buffers[start]
        offset = ptr - start
        if offset + nbytes > size:
            raise RuntimeError(f"cudasim: {nbytes} bytes at {ptr:#x} run past the end of a {size}-byte allocation")
        base = start - buffer.ctypes.data
        return buffer[base + offset: base + offset + nbytes]

    def copy_to_device(self, index: int, ptr: int, host: np.ndarray, stream=None) -> None:
        self.view(ptr, host.nbytes)[:] = host.reshape(-1).view(np.uint8)

    def copy_to_host(self, index: int, host: np.ndarray, ptr: int, stream=None) -> None:
        host.reshape(-1).view(np.uint8)[:] = self.view(ptr, host.nbytes)

    def copy_device(self, index: int, dst: int, src: int, nbytes: int, stream=None) -> None:
        self.view(dst, nbytes)[:] = self.view(src, nbytes)

    def memset(self, index: int, ptr: int, byte: int, nbytes: int, stream=None) -> None:
        self.view(ptr, nbytes)[:] = byte

    def pinned_empty(self, shape: tuple, dtype) -> np.ndarray:
        return np.empty(shape, dtype)  # host memory is all the simulator has

    # -- kernels -------------------------------------------------------------------------------
    def load_module(self, index: int, source: str, defines: dict[str, str]):
        key = (source, tuple(sorted(defines.items())))
        module = self._modules.get(key)
        if module is None:
            from ember_cuda import executor  # the CPU executor: compiles with g++, cached by source hash

            module = self._modules[key] = executor.load_module(source, defines)
        return module

    def launch(self, function, args: tuple, block: tuple, grid: tuple, shared: int = 0, stream=None) -> None:
        function(*(self._argument(a) for a in args), block=block, grid=grid, shared=shared)

    def _argument(self, value):
        """A pointer is passed as its address (the executor, like pycuda, takes ``np.uintp``)."""
        return np.uintp(value.ptr) if isinstance(value, DevicePointer) else value

    # -- streams and events ----------------------------------------------------------------------
    def create_stream(self, index: int):
        return _Stream(index)

    def stream_synchronize(self, stream) -> None:
        pass

    def stream_query(self, stream) -> bool:
        return True

    def create_event(self, index: int, enable_timing: bool):
        return _Event(index, enable_timing)

    def event_record(self, event, stream) -> None:
        event.time = time.perf_counter()

    def event_synchronize(self, event) -> None:
        pass

    def event_query(self, event) -> bool:
        return True

    def event_elapsed_ms(self, start, end) -> float:
        return (end.time - start.time) * 1000.0

    def stream_wait_event(self, stream, event) -> None:
        pass

