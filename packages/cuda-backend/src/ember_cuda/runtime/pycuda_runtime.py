"""``PycudaRuntime``: the runtime interface on a real NVIDIA GPU, through pycuda's driver API.

Each device's primary context is retained once and made current around the calls that need
it. Kernels are compiled from the ``.cu`` files by pycuda's ``SourceModule`` (nvcc, cached by
pycuda on disk) with the family's ``-D`` defines.
"""

from __future__ import annotations

import shutil
import sysconfig
import threading
from pathlib import Path

import numpy as np

from ember_cuda.runtime.base import DevicePointer, Runtime, RuntimeOutOfMemory


def find_nvcc() -> str:
    """nvcc from the PATH, else the one of the ``nvidia-cuda-nvcc`` wheel (``python -m ember_cuda.build_pycuda``)."""
    found = shutil.which("nvcc")
    if found is not None:
        return found
    site = Path(sysconfig.get_paths()["purelib"])
    wheels = sorted(site.glob("nvidia/cu*/bin/nvcc"))
    return str(wheels[-1]) if wheels else "nvcc"


class PycudaRuntime(Runtime):
    """The runtime interface on pycuda. ``driver`` is ``pycuda.driver`` after ``init()`` succeeded."""

    name = "pycuda"
    launch_limits = (256, 4096)  # 1-d launches: a grid-stride loop needs no more blocks than the GPU keeps busy

    def __init__(self, driver) -> None:
        self.cuda = driver
        self._devices = [driver.Device(i) for i in range(driver.Device.count())]
        self._contexts: dict[int, object] = {}
        self._allocations: dict[int, object] = {}
        self._lock = threading.Lock()
        self._modules: dict[tuple, object] = {}

    def _context(self, index: int):
        """Make device ``index``'s primary context current (retained on first use)."""
        ctx = self._contexts.get(index)
        if ctx is None:
            ctx = self._contexts[index] = self._devices[index].retain_primary_context()
        current = self.cuda.Context.get_current()
        if current is None or current != ctx:
            if current is not None:
                self.cuda.Context.pop()
            ctx.push()
        return ctx

    # -- devices -------------------------------------------------------------------------------
    def device_count(self) -> int:
        return len(self._devices)

    def device_name(self, index: int) -> str:
        return self._devices[index].name()

    def mem_get_info(self, index: int) -> tuple[int, int]:
        self._context(index)
        free, total = self.cuda.mem_get_info()
        return int(free), int(total)

    def synchronize(self, index: int) -> None:
        self._context(index).synchronize()

    # -- memory --------------------------------------------------------------------------------
    def allocate(self, index: int, nbytes: int) -> int:
        self._context(index)
        try:
            allocation = self.cuda.mem_alloc(max(nbytes, 1))
        except self.cuda.MemoryError as exc:
            raise RuntimeOutOfMemory(str(exc)) from None
        ptr = int(allocation)
        with self._lock:
            self._allocations[ptr] = allocation
        return ptr

    def free(self, index: int, ptr: int) -> None:
        with self._lock:
            allocation = self._allocations.pop(ptr)
        self._context(index)
        allocation.free()

    def copy_to_device(self, index: int, ptr: int, host: np.ndarray, stream=None) -> None:
        self._context(index)
        if stream is None:
            self.cuda.memcpy_htod(ptr, host)
        else:
            self.cuda.memcpy_htod_async(ptr, host, stream)

    def copy_to_host(self, index: int, host: np.ndarray, ptr: int, stream=None) -> None:
        self._context(index)
        if stream is None:
            self.cuda.memcpy_dtoh(host, ptr)
        else:
            self.cuda.memcpy_dtoh_async(host, ptr, stream)

    def copy_device(self, index: int, dst: int, src: int, nbytes: int, stream=None) -> None:
        self._context(index)
        if stream is None:
            self.cuda.memcpy_dtod(dst, src, nbytes)
        else:
            self.cuda.memcpy_dtod_async(dst, src, nbytes, stream)

    def memset(self, index: int, ptr: int, byte: int, nbytes: int, stream=None) -> None:
        self._context(index)
        if stream is None:
            self.cuda.memset_d8(ptr, byte, nbytes)
        else:
            self.cuda.memset_d8_async(ptr, byte, nbytes, stream)

    def pinned_empty(self, shape: tuple, dtype) -> np.ndarray:
        return self.cuda.pagelocked_empty(shape, dtype)

    # -- kernels -------------------------------------------------------------------------------
    def load_module(self, index: int, source: str, defines: dict[str, str]):
        key = (index, source, tuple(sorted(defines.items())))
        module = self._modules.get(key)
        if module is None:
            from pycuda.compiler import SourceModule

            self._context(index)
            path = Path(source)
            options = [f"-D{k}={v}" for k, v in sorted(defines.items())]
            module = self._modules[key] = SourceModule(path.read_text(), nvcc=find_nvcc(), options=options,
                                                       no_extern_c=True, include_dirs=[str(path.parent)])
        return module

    def launch(self, function, args: tuple, block: tuple, grid: tuple, shared: int = 0, stream=None) -> None:
        converted = [np.uintp(a.ptr) if isinstance(a, DevicePointer) else a for a in args]
        function(*converted, block=block, grid=grid, shared=shared, stream=stream)

    # -- streams and events ----------------------------------------------------------------------
    def create_stream(self, index: int):
        self._context(index)
        return self.cuda.Stream()

    def stream_synchronize(self, stream) -> None:
        if stream is None:
            self.cuda.Context.synchronize()
        else:
            stream.synchronize()

    def stream_query(self, stream) -> bool:
        if stream is None:  # the default stream has no handle to ask: ask an event recorded on it
            marker = self.cuda.Event(self.cuda.event_flags.DISABLE_TIMING)
            marker.record()
            return bool(marker.query())
        return bool(stream.is_done())

    def create_event(self, index: int, enable_timing: bool):
        self._context(index)
        flags = 0 if enable_timing else self.cuda.event_flags.DISABLE_TIMING
        return self.cuda.Event(flags)

    def event_record(self, event, stream) -> None:
        event.record(stream)

    def event_synchronize(self, event) -> None:
        event.synchronize()

    def event_query(self, event) -> bool:
        return bool(event.query())

    def event_elapsed_ms(self, start, end) -> float:
        return float(start.time_till(end))

    def stream_wait_event(self, stream, event) -> None:
        if stream is None:
            event.synchronize()  # pycuda cannot make the default stream wait: wait on the host instead
        else:
            stream.wait_for_event(event)
