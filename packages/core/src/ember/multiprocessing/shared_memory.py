"""Tensor memory that several processes map: anonymous shared files (``memfd``).

``Tensor.share_memory_()`` moves a CPU tensor's data into a *block*: a nameless shared file
mapped into this process. A forked child inherits the mapping; a spawned child, or any
process that receives the tensor through an ``ember.multiprocessing`` queue or pipe, gets
the file descriptor (``multiprocessing.reduction.DupFd``) and maps the same pages. Writes in
one process are seen by all of them, which is what Hogwild training relies on.

Anonymous files have no name, so nothing leaks: their memory goes back to the system when the
last process unmaps it and closes its descriptor, even after a crash. Small arrays are packed
into 4 MiB regions (one descriptor for a model's many parameters); larger ones get a file of
their own. ember-data's DataLoader passes its batches the same way
(``ember/utils/data/batch_memory.py``) with a recycling arena per worker; both use the
anonymous-file and mapping helpers of ``ember.backends.cpu.shared_files``.
"""

from __future__ import annotations

import mmap
import os
import threading
import weakref

import numpy as np

from ember.backends.cpu.shared_files import anonymous_file, map_shared, unmap


class Block:
    """One shared file of ``size`` bytes mapped read-write at ``start`` in this process.

    ``root()`` is the uint8 array over all its bytes while any array views it; the block
    keeps its descriptor open so it can be passed to more processes, and the file is
    unmapped and closed when the last view is gone.
    """

    __slots__ = ("fd", "size", "start", "inode", "root", "handle")

    def __init__(self, fd: int, size: int, start: int, inode: int, root: weakref.ref) -> None:
        self.fd, self.size, self.start, self.inode, self.root = fd, size, start, inode, root
        self.handle = None   # how reductions send the file (one object, so a pickle sends it once)


_lock = threading.RLock()
_blocks: dict[int, Block] = {}   # start address -> the blocks mapped in this process
_by_inode: dict[int, Block] = {}  # a file received twice is mapped once, so views keep aliasing


def _map(fd: int, size: int) -> np.ndarray:
    """Map shared file ``fd`` (which the mapping now owns) and register it; returns its bytes."""
    try:
        addr, root = map_shared(fd, size, "shared tensor memory")
    except OSError:
        os.close(fd)
        raise
    block = Block(fd, size, addr, os.fstat(fd).st_ino, weakref.ref(root))
    with _lock:
        _blocks[addr] = block
        _by_inode[block.inode] = block
    weakref.finalize(root, _release, block).atexit = False
    return root


def _release(block: Block) -> None:
    with _lock:
        _blocks.pop(block.start, None)
        if _by_inode.get(block.inode) is block:
            del _by_inode[block.inode]
    unmap(block.start, block.size)
    os.close(block.fd)


_moved: dict[int, tuple[weakref.ref, np.ndarray]] = {}  # id(old root array) -> (it, its bytes in a block)


def _root(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (the end of its chain of NumPy bases)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _address(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def share(array: np.ndarray) -> np.ndarray:
    """``array``'s values in shared memory: itself if already shared, else a copy in a block.

    The whole memory that ``array`` views (its root array) moves at once, and is remembered:
    a tensor and its views, shared one after the other (as a queue pickles them), land in the
    same block at the same offsets, so they still alias each other.
    """
    if find(array) is not None:
        return array
    root = _root(array)
    with _lock:
        entry = _moved.get(id(root))
    moved = entry[1] if entry is not None and entry[0]() is root else None
    if moved is None:
        if not root.flags.c_contiguous:   # cannot map offsets into a copy: move this array alone
            out = _over(allocate(array.nbytes), array.shape, array.dtype, 0, None)
            np.copyto(out, array)
            return out
        moved = allocate(root.nbytes)
        moved[...] = root.reshape(-1).view(np.uint8)
        with _lock:
            _moved[id(root)] = (weakref.ref(root), moved)
        weakref.finalize(root, _forget, id(root))
    offset = _address(array) - _address(root)
    return _over(moved, array.shape, array.dtype, offset, array.strides)


REGION = 4 << 20   # small arrays share regions of this size: one descriptor for many parameters
SMALL = 1 << 20    # arrays from this size up get a block of their own
ALIGN = 64         # byte alignment of arrays in a region (cache line, SIMD loads)
_region: list = []  # [bytes of the region being filled, bytes used]; pages cost nothing until written


def allocate(nbytes: int) -> np.ndarray:
    """``nbytes`` fresh bytes of shared memory (a uint8 array).

    Small arrays are packed into shared regions, so that a model's hundreds of parameters use
    a few file descriptors, not one each (a process may hold only 1024 by default); a region
    is unmapped when no array in it is left.
    """
    if nbytes >= SMALL:
        size = -(-nbytes // mmap.PAGESIZE) * mmap.PAGESIZE
        return _map(anonymous_file(size, "ember-shared-tensor"), size)[:nbytes]
    with _lock:
        if not _region or -(-_region[1] // ALIGN) * ALIGN + nbytes > REGION:
            _region[:] = [_map(anonymous_file(REGION, "ember-shared-tensor"), REGION), 0]
        offset = -(-_region[1] // ALIGN) * ALIGN
        _region[1] = offset + nbytes
        return _region[0][offset:offset + nbytes]


def _after_fork_in_child() -> None:
    """A forked child fills regions of its own: the parent keeps filling the one it inherited
    (mapped shared), and two processes must never hand out the same bytes."""
    global _lock
    _lock = threading.RLock()
    _region.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _over(data: np.ndarray, shape: tuple, dtype, offset: int, strides) -> np.ndarray:
    """An array of ``shape`` over the bytes ``data`` from ``offset``, whose NumPy base chain ends
    at the bytes it spans (through a memoryview): code that looks for the memory a tensor owns
    (``ember.save``) then finds the tensor's bytes, not a whole 4 MiB region."""
    dtype = np.dtype(dtype)
    probe = np.ndarray(shape, dtype, buffer=data, offset=offset, strides=strides)   # checks the bounds
    if probe.size == 0:
        return np.ndarray(shape, dtype, buffer=np.frombuffer(memoryview(data[:0]), np.uint8))
    low = offset + sum(st * (n - 1) for st, n in zip(probe.strides, shape) if st < 0)
    high = offset + sum(st * (n - 1) for st, n in zip(probe.strides, shape) if st > 0) + dtype.itemsize
    span = np.frombuffer(memoryview(data[low:high]), np.uint8)
    return np.ndarray(shape, dtype, buffer=span, offset=offset - low, strides=probe.strides)


def _forget(key: int) -> None:
    with _lock:
        entry = _moved.pop(key, None)
    del entry  # outside the lock: dropping the block's bytes may run its _release


def find(array) -> tuple[Block, int] | None:
    """``(block, byte offset)`` if ``array``'s data lies in a shared block of this process."""
    if not isinstance(array, np.ndarray):
        return None
    addr = array.__array_interface__["data"][0]
    with _lock:
        for start, block in _blocks.items():
            if start <= addr < start + block.size:
                return block, addr - start
    return None


def open_file(fd: int, size: int) -> np.ndarray:
    """The bytes of a shared file received from another process (``fd`` now belongs to ember).

    A file received twice (two tensors of one region) is mapped once.
    """
    try:
        stat = os.fstat(fd)
        if size > stat.st_size or size < 1:
            raise ValueError(f"a shared tensor file announced {size} bytes but has {stat.st_size}")
        with _lock:
            known = _by_inode.get(stat.st_ino)
            root = known.root() if known is not None and known.size == size else None
    except BaseException:
        os.close(fd)
        raise
    if root is not None:
        os.close(fd)  # already mapped here: reuse the mapping
        return root
    return _map(fd, size)


def view(root: np.ndarray, offset: int, shape: tuple, strides: tuple, dtype) -> np.ndarray:
    """An array over the shared bytes ``root``; the layout, from the sender, is checked to stay inside."""
    dtype = np.dtype(dtype)
    _check_layout(root.size, offset, shape, strides, dtype)
    return _over(root, shape, dtype, offset, strides)


def _check_layout(size: int, offset: int, shape: tuple, strides: tuple, dtype) -> None:
    if len(shape) != len(strides) or offset < 0 or any(n < 0 for n in shape):
        raise ValueError(f"invalid shared tensor layout: offset {offset}, shape {shape}, strides {strides}")
    if all(n > 0 for n in shape):
        low = offset + sum(st * (n - 1) for st, n in zip(strides, shape) if st < 0)
        high = offset + sum(st * (n - 1) for st, n in zip(strides, shape) if st > 0) + dtype.itemsize
        if low < 0 or high > size:
            raise ValueError(f"shared tensor layout (offset {offset}, shape {shape}, strides {strides}) "
                             f"reaches outside its {size}-byte file")
