"""A caching allocator over a runtime's ``allocate``/``free``, with PyTorch's statistics.

Asking the driver for memory (``cuMemAlloc``) synchronises the device and costs far more than
a kernel, and a training step asks for the same sizes every step. So memory a tensor frees goes
back to a cache, and the next request of a size it can serve takes it from there. Requests are
rounded up to 512 bytes; requests up to 1 MiB ("small") reuse a cached block of exactly their
rounded size, larger ones the smallest cached block that wastes at most a quarter. When the
device is full the cache is released and the request tried once more; then
``ember.cuda.OutOfMemoryError`` says what was asked for and how the memory is used.

Statistics follow ``torch.cuda``: ``allocated`` is what live blocks hold, ``reserved`` what
the allocator holds from the device (live plus cached), each with its peak.
"""

from __future__ import annotations

import bisect
import threading

from ember.cuda import OutOfMemoryError
from ember_cuda.runtime.base import Runtime, RuntimeOutOfMemory

ROUND = 512
SMALL = 1 << 20
LARGE_ROUND = 128 << 10


def format_bytes(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} bytes"


class Block:
    """``size`` bytes of device memory at ``ptr``; returns to its allocator's cache when collected."""

    __slots__ = ("ptr", "size", "allocator", "__weakref__")

    def __init__(self, ptr: int, size: int, allocator: CachingAllocator | None) -> None:
        self.ptr = ptr
        self.size = size
        self.allocator = allocator

    def __del__(self) -> None:
        allocator = self.allocator
        if allocator is not None:
            self.allocator = None
            try:
                allocator.release(self.ptr, self.size)
            except Exception:  # interpreter shutdown: the runtime may already be gone
                pass


class CachingAllocator:
    """The device memory of one device, handed out in blocks and cached when freed.

    Args:
        runtime: the runtime that allocates device memory.
        index: the device index.
        label: how messages name the device (``"cuda:0"``).
    """

    def __init__(self, runtime: Runtime, index: int, label: str) -> None:
        self.runtime = runtime
        self.index = index
        self.label = label
        self._small: dict[int, list[int]] = {}   # rounded size -> cached pointers
        self._large: list[tuple[int, int]] = []  # sorted (size, ptr) of cached large blocks
        self._lock = threading.Lock()
        self.allocated = self.reserved = 0
        self.peak_allocated = self.peak_reserved = 0
        self.num_alloc_retries = self.num_ooms = self.num_allocations = 0

    @staticmethod
    def round_size(nbytes: int) -> int:
        if nbytes <= SMALL:
            return max(ROUND, -(-nbytes // ROUND) * ROUND)
        return -(-nbytes // LARGE_ROUND) * LARGE_ROUND

    def malloc(self, nbytes: int) -> Block:
        """A block of at least ``nbytes`` (0 bytes: a null block that holds nothing)."""
        if nbytes == 0:
            return Block(0, 0, None)
        size = self.round_size(nbytes)
        with self._lock:
            ptr, size = self._from_cache(size)
            if ptr is None:
                ptr = self._from_device(size, nbytes)
            self.allocated += size
            self.peak_allocated = max(self.peak_allocated, self.allocated)
            self.num_allocations += 1
        return Block(ptr, size, self)

    def _from_cache(self, size: int) -> tuple[int | None, int]:
        if size <= SMALL:
            cached = self._small.get(size)
            return (cached.pop(), size) if cached else (None, size)
        i = bisect.bisect_left(self._large, (size, -1))
        if i < len(self._large) and self._large[i][0] <= size + size // 4:
            found, ptr = self._large.pop(i)
            return ptr, found
        return None, size

    def _from_device(self, size: int, nbytes: int) -> int:
        try:
            ptr = self.runtime.allocate(self.index, size)
        except RuntimeOutOfMemory:
            self.num_alloc_retries += 1
            self._release_cached()
            try:
                ptr = self.runtime.allocate(self.index, size)
            except RuntimeOutOfMemory as exc:
                self.num_ooms += 1
                raise OutOfMemoryError(self._oom_message(nbytes, exc)) from None
        self.reserved += size
        self.peak_reserved = max(self.peak_reserved, self.reserved)
        return ptr

    def _oom_message(self, nbytes: int, exc: Exception) -> str:
        try:
            free, total = self.runtime.mem_get_info(self.index)
            capacity = (f"{self.label}, which has a total capacity of {format_bytes(total)}, of which "
                        f"{format_bytes(free)} is free")
        except Exception:
            capacity = f"{self.label} reports no capacity"
        cached = format_bytes(self.reserved - self.allocated)
        return (f"CUDA out of memory. Tried to allocate {format_bytes(nbytes)} on {capacity}. "
                f"{format_bytes(self.allocated)} is allocated by tensors and {cached}"
                f" is reserved by ember's caching allocator but unallocated (the cache was released before this "
                f"error). Free tensors you no longer need, use smaller batches, or check the device's other users "
                f"({exc})")

    def release(self, ptr: int, size: int) -> None:
        """Return a block to the cache (``Block`` calls it when collected)."""
        with self._lock:
            self.allocated -= size
            if size <= SMALL:
                self._small.setdefault(size, []).append(ptr)
            else:
                bisect.insort(self._large, (size, ptr))

    def _release_cached(self) -> None:
        for size, ptrs in self._small.items():
            for ptr in ptrs:
                self.runtime.free(self.index, ptr)
                self.reserved -= size
        self._small.clear()
        for size, ptr in self._large:
            self.runtime.free(self.index, ptr)
            self.reserved -= size
        self._large.clear()

    def empty_cache(self) -> None:
        """Give cached blocks back to the device (memory live tensors hold stays)."""
        with self._lock:
            self._release_cached()

    def reset_peak_stats(self) -> None:
        with self._lock:
            self.peak_allocated = self.allocated
            self.peak_reserved = self.reserved

    def stats(self) -> dict[str, int]:
        """``torch.cuda.memory_stats``-style counters (the ``all`` pools' names)."""
        return {
            "allocated_bytes.all.current": self.allocated,
            "allocated_bytes.all.peak": self.peak_allocated,
            "reserved_bytes.all.current": self.reserved,
            "reserved_bytes.all.peak": self.peak_reserved,
            "num_alloc_retries": self.num_alloc_retries,
            "num_ooms": self.num_ooms,
            "allocation.all.allocated": self.num_allocations,
        }
