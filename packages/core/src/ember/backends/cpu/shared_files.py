"""Anonymous shared files: host memory that several processes map.

A shared file (``memfd`` on Linux) has no name, so nothing can leak: its memory goes back to the
system when the last process unmaps it and closes its descriptor, even after a crash. Processes
pass it by file descriptor. Two users build on these helpers: ``ember.multiprocessing`` (tensors
moved to shared memory, ``multiprocessing/shared_memory.py``) and ember-data's DataLoader
(batches written by workers, ``ember/utils/data/batch_memory.py``).
"""

from __future__ import annotations

import ctypes
import mmap
import os

import numpy as np

__all__ = ["anonymous_file", "map_shared", "unmap"]

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int64]
_libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
_MAP_FAILED = ctypes.c_void_p(-1).value


def anonymous_file(size: int, label: str = "ember") -> int:
    """A descriptor of a new, nameless shared file of ``size`` bytes (``label`` shows in /proc)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create(label, os.MFD_CLOEXEC)
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


def map_shared(fd: int, size: int, what: str) -> tuple[int, np.ndarray]:
    """Map ``size`` bytes of the shared file ``fd`` read-write: its address and a uint8 array over it.

    Unlike ``mmap.mmap``, the mapping keeps no duplicate of ``fd`` open, so a process holding
    thousands of mappings does not run out of descriptors. The caller unmaps it (``unmap``) when
    the array and its views are gone; ``what`` names the memory in the error if mapping fails.
    """
    addr = _libc.mmap(None, size, mmap.PROT_READ | mmap.PROT_WRITE, mmap.MAP_SHARED, fd, 0)
    if addr is None or addr == _MAP_FAILED:
        err = ctypes.get_errno()
        raise OSError(err, f"cannot map {size} bytes of {what}: {os.strerror(err)}")
    return addr, np.frombuffer((ctypes.c_uint8 * size).from_address(addr), np.uint8)


def unmap(addr: int, size: int) -> None:
    """Undo ``map_shared``."""
    _libc.munmap(addr, size)
