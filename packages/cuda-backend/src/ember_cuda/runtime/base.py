"""The runtime interface: everything ember-cuda asks of a GPU, in one small class.

The backend, its allocator and its kernel table talk to a device only through a ``Runtime``.
Two implement it: ``PycudaRuntime`` (a real GPU through pycuda) and ``SimRuntime`` (the same
``.cu`` kernels run by the CPU executor, device memory emulated in host buffers). Device
memory is addressed by integer pointers, as in CUDA, so pointer arithmetic (views, offsets)
is the same in both.
"""

from __future__ import annotations

import numpy as np


class RuntimeOutOfMemory(Exception):
    """The runtime could not allocate device memory (the allocator turns it into
    ``ember.cuda.OutOfMemoryError`` with the pool's state)."""


class DevicePointer:
    """A device address passed to a kernel (``launch`` converts it for the runtime)."""

    __slots__ = ("ptr",)

    def __init__(self, ptr: int) -> None:
        self.ptr = ptr


class Runtime:
    """What ember-cuda needs from a GPU: memory, copies, kernel launches, streams and events.

    Every method that takes ``index`` acts on device ``index``; ``stream`` is a handle from
    ``create_stream`` or None for the device's default stream.
    """

    name = ""
    launch_limits = (256, 4096)  # (threads per block, most blocks) of the 1-d grid-stride launches

    # -- devices -------------------------------------------------------------------------------
    def device_count(self) -> int:
        raise NotImplementedError

    def device_name(self, index: int) -> str:
        raise NotImplementedError

    def mem_get_info(self, index: int) -> tuple[int, int]:
        """(free bytes, total bytes) of device ``index``."""
        raise NotImplementedError

    def synchronize(self, index: int) -> None:
        """Wait until all work queued on device ``index`` has finished."""
        raise NotImplementedError

    # -- memory --------------------------------------------------------------------------------
    def allocate(self, index: int, nbytes: int) -> int:
        """A pointer to ``nbytes`` of fresh device memory; raises ``RuntimeOutOfMemory``."""
        raise NotImplementedError

    def free(self, index: int, ptr: int) -> None:
        raise NotImplementedError

    def copy_to_device(self, index: int, ptr: int, host: np.ndarray, stream=None) -> None:
        """Copy the bytes of C-contiguous ``host`` to device memory at ``ptr``."""
        raise NotImplementedError

    def copy_to_host(self, index: int, host: np.ndarray, ptr: int, stream=None) -> None:
        """Fill C-contiguous ``host`` with ``host.nbytes`` bytes from device memory at ``ptr``."""
        raise NotImplementedError

    def copy_device(self, index: int, dst: int, src: int, nbytes: int, stream=None) -> None:
        raise NotImplementedError

    def memset(self, index: int, ptr: int, byte: int, nbytes: int, stream=None) -> None:
        raise NotImplementedError

    def pinned_empty(self, shape: tuple, dtype) -> np.ndarray:
        """A host array in page-locked memory (fast, asynchronous copies), uninitialised."""
        raise NotImplementedError

    # -- kernels -------------------------------------------------------------------------------
    def load_module(self, index: int, source: str, defines: dict[str, str]):
        """The compiled ``.cu`` file at path ``source`` with ``-D`` ``defines``: an object whose
        ``get_function(name)`` returns a kernel for ``launch``."""
        raise NotImplementedError

    def launch(self, function, args: tuple, block: tuple, grid: tuple, shared: int = 0, stream=None) -> None:
        """Run ``function`` with ``args`` (pointers as ints, scalars as NumPy scalars)."""
        raise NotImplementedError

    # -- streams and events ----------------------------------------------------------------------
    def create_stream(self, index: int):
        raise NotImplementedError

    def stream_synchronize(self, stream) -> None:
        raise NotImplementedError

    def stream_query(self, stream) -> bool:
        """True when all work queued on ``stream`` has finished."""
        raise NotImplementedError

    def create_event(self, index: int, enable_timing: bool):
        raise NotImplementedError

    def event_record(self, event, stream) -> None:
        raise NotImplementedError

    def event_synchronize(self, event) -> None:
        raise NotImplementedError

    def event_query(self, event) -> bool:
        raise NotImplementedError

    def event_elapsed_ms(self, start, end) -> float:
        raise NotImplementedError

    def stream_wait_event(self, stream, event) -> None:
        """Make later work on ``stream`` wait for ``event``."""
        raise NotImplementedError
