"""Tensor memory that several processes map: anonymous shared files (``memfd``).

``Tensor.share_memory_()`` moves a CPU tensor's data into a *block*: a nameless shared file
mapped into this process. A forked child inherits the mapping; a spawned child, or any
process that receives the tensor through an ``ember.multiprocessing`` queue or pipe, gets
the file descriptor (``multiprocessing.reduction.DupFd``) and maps the same pages. Writes in
one process are seen by all of them, which is what Hogwild training relies on.

Anonymous files have no name in any file system, so nothing leaks: the memory goes back to
the system when the last process unmaps it and closes its descriptor, even after a crash.
ember-data's DataLoader passes its batches the same way (``ember/utils/data/batch_memory.py``)
with its own recycling arena; the block here is the simpler, one-per-tensor case.
"""

from __future__ import annotations

import ctypes
import mmap
import os
import threading
import weakref

import numpy as np

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int64]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_MAP_FAILED = ctypes.c_void_p(-1).value


class Block:
    """One shared file of ``size`` bytes mapped read-write at ``start`` in this process.

    ``root()`` is the uint8 array over all its bytes while any array views it; the block
    keeps its descriptor open so it can be passed to more processes, and the file is
    unmapped and closed when the last view is gone.
    """

    __slots__ = ("fd", "size", "start", "inode", "root")

    def __init__(self, fd: int, size: int, start: int, inode: int, root: weakref.ref) -> None:
        self.fd, self.size, self.start, self.inode, self.root = fd, size, start, inode, root


_lock = threading.RLock()
_blocks: dict[int, Block] = {}   # start address -> the blocks mapped in this process
_by_inode: dict[int, Block] = {}  # a file received twice is mapped once, so views keep aliasing


def _map(fd: int, size: int) -> np.ndarray:
    """Map shared file ``fd`` (which the mapping now owns) and register it; returns its bytes."""
    addr = _libc.mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED, fd, 0)
    if addr is None or addr == _MAP_FAILED:
        err = ctypes.get_errno()
        os.close(fd)
        raise OSError(err, f"cannot map {size} bytes of shared tensor memory: {os.strerror(err)}")
    root = np.frombuffer((ctypes.c_uint8 * size).from_address(addr), np.uint8)
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
    _libc.munmap(block.start, block.size)
    os.close(block.fd)


def _anonymous_file(size: int) -> int:
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("ember-shared-tensor", os.MFD_CLOEXEC)
    else:  # macOS: a POSIX shm object whose name exists for a few microseconds only
        import _posixshmem
        import secrets
        name = "/ember-" + secrets.token_hex(8)
        fd = _posixshmem.shm_open(name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        _posixshmem.shm_unlink(name)
    try:
        os.ftruncate(fd, size)
    except BaseException:
        os.close(fd)
        raise
    return fd


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
            size = max(1, -(-array.nbytes // mmap.PAGESIZE)) * mmap.PAGESIZE
            out = np.ndarray(array.shape, array.dtype, buffer=_map(_anonymous_file(size), size), offset=0)
            np.copyto(out, array)
            return out
        size = max(1, -(-root.nbytes // mmap.PAGESIZE)) * mmap.PAGESIZE
        moved = _map(_anonymous_file(size), size)
        moved[:root.nbytes] = root.reshape(-1).view(np.uint8)
        with _lock:
            _moved[id(root)] = (weakref.ref(root), moved)
        weakref.finalize(root, _forget, id(root))
    offset = _address(array) - _address(root)
    return np.ndarray(array.shape, array.dtype, buffer=moved, offset=offset, strides=array.strides)


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


def open_view(fd: int, size: int, offset: int, shape: tuple, strides: tuple, dtype) -> np.ndarray:
    """An array over a shared file received from another process (``fd`` now belongs to ember).

    The layout comes from the sender; it is checked to stay inside the file before any
    array is made over it.
    """
    try:
        stat = os.fstat(fd)
        dtype = np.dtype(dtype)
        _check_layout(size, stat.st_size, offset, shape, strides, dtype)
        with _lock:
            known = _by_inode.get(stat.st_ino)
            root = known.root() if known is not None and known.size == size else None
    except BaseException:
        os.close(fd)
        raise
    if root is not None:
        os.close(fd)  # already mapped here: reuse the mapping
    else:
        root = _map(fd, size)
    return np.ndarray(shape, dtype, buffer=root, offset=offset, strides=strides)


def _check_layout(size: int, file_size: int, offset: int, shape: tuple, strides: tuple, dtype) -> None:
    if size > file_size:
        raise ValueError(f"a shared tensor announced {size} bytes but its file has {file_size}")
    if len(shape) != len(strides) or offset < 0 or any(n < 0 for n in shape):
        raise ValueError(f"invalid shared tensor layout: offset {offset}, shape {shape}, strides {strides}")
    if all(n > 0 for n in shape):
        low = offset + sum(st * (n - 1) for st, n in zip(strides, shape) if st < 0)
        high = offset + sum(st * (n - 1) for st, n in zip(strides, shape) if st > 0) + dtype.itemsize
        if low < 0 or high > size:
            raise ValueError(f"shared tensor layout (offset {offset}, shape {shape}, strides {strides}) "
                             f"reaches outside its {size}-byte file")
