"""Where collated batches live: ordinary memory in your process, shared memory in a worker.

In a DataLoader worker, ``empty(shape, dtype)`` carves arrays out of an *arena* of regions:
anonymous shared-memory files (``memfd``) that the worker passes to the main process by file
descriptor along with the batch. The main process maps the same pages; no array byte is
pickled or copied through a pipe. Anonymous files have no name, so nothing can leak: their
memory goes back to the system when the last mapping and descriptor are gone, even if a
process is killed.

A worker's regions are recycled. When the main process drops the last array of a batch, it
tells the worker (with its next task) that the batch's regions are free, and the worker
writes a later batch into the same, already-faulted pages. Fresh shared memory costs a page
fault and a zeroed page per 4 KiB, which for large batches (images) takes longer than
collating itself; recycled pages cost nothing.
"""

from __future__ import annotations

import math
import mmap
import os
import weakref

import numpy as np

from ember.backends.cpu.shared_files import anonymous_file, map_shared, unmap

ALIGN = 64                 # byte alignment of every array in a region (cache line, SIMD loads)
MIN_RESERVE = 64 << 20     # address space reserved per region; pages cost nothing until written
KEEP_FREE = 4              # released regions a worker keeps for reuse; more are returned to the system


def map_file(fd: int, size: int) -> mmap.mmap:
    """Map ``size`` bytes of the shared file ``fd`` read-write; arrays on it keep it mapped."""
    return mmap.mmap(fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)


def map_batch(fd: int, size: int) -> np.ndarray:
    """A uint8 array over ``size`` bytes of a batch's shared file ``fd`` (received from a worker).

    The mapping keeps no duplicate of ``fd`` open (a program holding thousands of batches does
    not run out of descriptors); the pages are unmapped when the array and its views are gone.
    """
    addr, base = map_shared(fd, size, "a DataLoader batch")
    weakref.finalize(base, unmap, addr, size).atexit = False
    return base


class Region:
    """One anonymous shared file mapped in this process, filled front to back."""

    def __init__(self, slot: int, capacity: int) -> None:
        self.slot = slot          # the name both processes use for it; -1 for a one-shot region
        self.fd = anonymous_file(capacity, "ember-batch")
        self.mm = map_file(self.fd, capacity)
        self.capacity = capacity
        self.used = 0
        self.start = np.frombuffer(self.mm, dtype=np.uint8, count=0).__array_interface__["data"][0]

    def take(self, nbytes: int) -> int | None:
        offset = -(-self.used // ALIGN) * ALIGN
        if offset + nbytes > self.capacity:
            return None
        self.used = offset + nbytes
        return offset

    def close(self) -> None:
        os.close(self.fd)
        self.fd = -1
        try:
            self.mm.close()
        except BufferError:
            pass  # arrays still view it: the mapping goes when they do


def _byte_bounds(array: np.ndarray):
    utils = getattr(np.lib, "array_utils", None)
    return utils.byte_bounds(array) if utils is not None else np.byte_bounds(array)


class Arena:
    """Hands out arrays in shared memory for one message; ``seal()`` passes them on.

    Arguments:
        recycle: keep regions after sending them and reuse them once ``release``d (a worker);
            otherwise each region is handed over for good (the main process's task messages).
    """

    def __init__(self, recycle: bool = False) -> None:
        self.recycle = recycle
        self.current: list[Region] = []      # regions of the message being built
        self.free: list[Region] = []         # released regions, most recently released last
        self.in_use: dict[int, Region] = {}  # sent, not yet released by the receiver
        self.reserve = MIN_RESERVE
        self._next_slot = 0

    def _new_region(self, nbytes: int) -> Region:
        capacity = max(self.reserve, -(-nbytes // mmap.PAGESIZE) * mmap.PAGESIZE)
        for i in range(len(self.free) - 1, -1, -1):
            if self.free[i].capacity >= nbytes:
                region = self.free.pop(i)
                region.used = 0
                return region
        slot = -1
        if self.recycle:
            slot, self._next_slot = self._next_slot, self._next_slot + 1
        return Region(slot, capacity)

    def empty(self, shape, dtype) -> np.ndarray:
        dtype = np.dtype(dtype)
        shape = tuple(int(s) for s in shape)
        nbytes = math.prod(shape) * dtype.itemsize
        offset = self.current[-1].take(nbytes) if self.current else None
        if offset is None:
            self.current.append(self._new_region(nbytes))
            offset = self.current[-1].take(nbytes)
        return np.ndarray(shape, dtype, buffer=self.current[-1].mm, offset=offset)

    def locate(self, array: np.ndarray) -> tuple[int, int] | None:
        """``(region number in this message, byte offset)`` if ``array`` lives in the message's regions."""
        if not self.current:
            return None
        lo, hi = _byte_bounds(array)
        for number, region in enumerate(self.current):
            if region.start <= lo and hi <= region.start + region.used:
                return number, array.__array_interface__["data"][0] - region.start
        return None

    def seal(self) -> list[Region]:
        """The regions of the message, ready to send; the arena starts the next message.

        Without ``recycle`` the caller owns the regions and closes them after sending.
        """
        sealed, self.current = self.current, []
        if sealed:
            self.reserve = max(MIN_RESERVE, 2 * sum(r.used for r in sealed))
        if self.recycle:
            for region in sealed:
                self.in_use[region.slot] = region
        return sealed

    def discard(self) -> None:
        """Give back the regions of a message that will not be sent."""
        sealed, self.current = self.current, []
        for region in sealed:
            self._give_back(region)

    def release(self, slots) -> None:
        """The receiver dropped every array in these regions: they may be reused."""
        for slot in slots:
            region = self.in_use.pop(slot, None)
            if region is not None:
                self._give_back(region)

    def _give_back(self, region: Region) -> None:
        if self.recycle and region.fd >= 0:
            self.free.append(region)
            while len(self.free) > KEEP_FREE:
                self.free.pop(0).close()
        else:
            region.close()


_arena: Arena | None = None   # set in DataLoader workers


def empty(shape, dtype) -> np.ndarray:
    """An uninitialised array for a batch: in shared memory inside a DataLoader worker.

    Collate functions that allocate their output with this function let workers send
    batches without copying them. Outside a worker it is ``np.empty``.

    Example::

        >>> def collate_images(samples):
        ...     out = batch_memory.empty((len(samples), 3, 224, 224), np.float32)
        ...     np.stack([s["image"] for s in samples], out=out)
        ...     return ember.from_numpy(out)
    """
    if _arena is None:
        return np.empty(shape, dtype)
    return _arena.empty(shape, dtype)


def use_shared_memory(arena: Arena | None) -> None:
    """Make ``empty`` allocate from ``arena`` (a worker does this once at start)."""
    global _arena
    _arena = arena
