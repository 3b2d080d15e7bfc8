"""The line between a DataLoader worker and the main process.

A message is a small pickle sent over a Unix socket. Every NumPy array and CPU tensor in it
travels as a reference into shared memory (``batch_memory.Arena``) whose file descriptors ride
along with the message (``SCM_RIGHTS``): the receiver maps the pages the sender wrote. Arrays
that a collate function already allocated in the arena are not copied at all; others are
copied into it once. Pickles larger than ``INLINE_LIMIT`` also go through the arena, so the
socket only ever carries a few kilobytes per message and neither side can block the other.
"""

from __future__ import annotations

import array
import collections
import io
import os
import pickle
import socket
import struct
import threading
import weakref

import numpy as np

import ember
from ember.utils.data import batch_memory

INLINE_LIMIT = 8192
MAX_FDS = 64
# inline pickle bytes; spilled pickle (region, offset, bytes); regions; released slots
HEADER = struct.Struct("<QqQQII")
REGION = struct.Struct("<qQ")     # slot (-1: handed over for good), bytes used


class ChannelClosed(EOFError):
    """The other end of the channel is gone (its process exited or closed it)."""


_receiving = threading.local()   # the regions of the message being unpickled


def _rebuild_array(region: int, offset: int, shape, strides, dtype):
    if region < 0:
        return np.empty(shape, dtype)
    return np.ndarray(shape, dtype, buffer=_receiving.bases[region], offset=offset, strides=strides)


def _rebuild_tensor(arr: np.ndarray, requires_grad: bool):
    t = ember.from_numpy(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


class _SharedMemoryPickler(pickle.Pickler):
    def __init__(self, file, arena: batch_memory.Arena) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.arena = arena

    def reducer_override(self, obj):
        if isinstance(obj, np.ndarray) and not obj.dtype.hasobject:
            return _rebuild_array, self._place(obj)
        if isinstance(obj, ember.Tensor) and obj.device.type == "cpu":
            return _rebuild_tensor, (obj.detach().numpy(), obj.requires_grad)
        return NotImplemented

    def _place(self, arr: np.ndarray):
        if arr.size == 0:
            return -1, 0, arr.shape, None, arr.dtype
        where = self.arena.locate(arr)
        if where is None:
            copy = self.arena.empty(arr.shape, arr.dtype)
            copy[...] = arr
            arr, where = copy, self.arena.locate(copy)
        return where[0], where[1], arr.shape, arr.strides, arr.dtype


def send(sock: socket.socket, obj, arena: batch_memory.Arena, released=()) -> None:
    """Send ``obj`` with its arrays in shared memory from ``arena``.

    ``released`` are slots of the *receiver's* recycled regions that this side no longer uses.
    """
    try:
        buf = io.BytesIO()
        _SharedMemoryPickler(buf, arena).dump(obj)
        payload = buf.getbuffer()
        spill = (-1, 0, 0)
        if len(payload) > INLINE_LIMIT:
            dst = arena.empty((len(payload),), np.uint8)
            dst[:] = np.frombuffer(payload, np.uint8)
            spill = (*arena.locate(dst), len(payload))
            payload = b""
    except BaseException:
        arena.discard()
        raise
    regions = arena.seal()
    try:
        if len(regions) > MAX_FDS:
            raise RuntimeError(f"a DataLoader message needs {len(regions)} shared-memory regions; at most "
                               f"{MAX_FDS} fit in one message")
        released = list(released)
        head = b"".join([HEADER.pack(len(payload), *spill, len(regions), len(released)),
                         *(REGION.pack(r.slot, r.used) for r in regions),
                         struct.pack(f"<{len(released)}q", *released), payload])
        fds = [r.fd for r in regions]
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        sent = sock.sendmsg([head], anc)
        if sent < len(head):
            sock.sendall(head[sent:])
    except (BrokenPipeError, ConnectionResetError) as exc:
        raise ChannelClosed(str(exc)) from None
    finally:
        if not arena.recycle:
            for r in regions:
                r.close()


def _recv_exact(sock: socket.socket, n: int, fds: list[int] | None = None) -> bytearray:
    out = bytearray(n)
    view = memoryview(out)
    got = 0
    while got < n:
        if fds is not None:
            data, anc, _flags, _addr = sock.recvmsg(n - got, socket.CMSG_SPACE(MAX_FDS * 4))
            for level, kind, cdata in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    fds.extend(array.array("i", cdata[: len(cdata) - len(cdata) % 4]))
            view[got:got + len(data)] = data
            k = len(data)
        else:
            k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise ChannelClosed("the other end of the DataLoader channel closed")
        got += k
    return out


def recv(sock: socket.socket, on_release=None):
    """Receive one message sent by ``send``; its arrays map the sender's shared memory.

    Returns ``(obj, released slots)``. When every array on one of the sender's recycled
    regions is gone, ``on_release(slot)`` is called.
    """
    fds: list[int] = []
    try:
        n_inline, spill_region, spill_offset, spill_len, n_regions, n_released = HEADER.unpack(
            _recv_exact(sock, HEADER.size, fds))
        rest = _recv_exact(sock, REGION.size * n_regions + 8 * n_released + n_inline)
        if len(fds) != n_regions:
            raise RuntimeError(f"DataLoader channel expected {n_regions} shared-memory descriptors, received "
                               f"{len(fds)}")
        bases = []
        for i, fd in enumerate(fds):
            slot, used = REGION.unpack_from(rest, REGION.size * i)
            base = batch_memory.map_batch(fd, used) if used else np.empty(0, np.uint8)
            if slot >= 0 and on_release is not None:
                weakref.finalize(base, on_release, slot).atexit = False
            bases.append(base)
    finally:
        for fd in fds:
            os.close(fd)
    pos = REGION.size * n_regions
    released = struct.unpack_from(f"<{n_released}q", rest, pos)
    _receiving.bases = bases
    try:
        if spill_region >= 0:
            return pickle.loads(bases[spill_region][spill_offset:spill_offset + spill_len]), released
        return pickle.loads(memoryview(rest)[pos + 8 * n_released:]), released
    finally:
        _receiving.bases = None


class Channel:
    """One end of a worker's socket: whole messages in and out; ``fileno`` for waiting.

    The main process's end remembers which of the worker's regions it has let go of and
    tells the worker with its next message; the worker's end recycles them.
    """

    def __init__(self, sock: socket.socket, arena: batch_memory.Arena | None = None) -> None:
        self.sock = sock
        self.arena = arena if arena is not None else batch_memory.Arena()
        self.released: collections.deque[int] = collections.deque()   # the peer's regions we dropped

    def send(self, obj) -> None:
        released = []
        while self.released:
            released.append(self.released.popleft())
        send(self.sock, obj, self.arena, released)

    def recv(self):
        obj, released = recv(self.sock, self.released.append)
        if released:
            self.arena.release(released)
        return obj

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()


def channel_pair() -> tuple[socket.socket, socket.socket]:
    """Two connected sockets: the main process keeps the first, the worker gets the second."""
    return socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
