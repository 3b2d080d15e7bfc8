"""Point-to-point: ``send``/``recv`` and their non-blocking ``isend``/``irecv``."""

from __future__ import annotations

from ember.distributed.collectives import _tensor
from ember.distributed.groups import group_rank, resolve
from ember.distributed.tensors import buffer
from ember.distributed.work import Work

__all__ = ["send", "recv", "isend", "irecv"]


def _tag(tag) -> int:
    if isinstance(tag, bool) or not isinstance(tag, int) or tag < 0:
        raise ValueError(f"tag must be a non-negative int, got {tag!r}")
    return tag


def isend(tensor, dst: int | None = None, group=None, tag: int = 0, group_dst: int | None = None):
    """Start sending ``tensor`` to rank ``dst``; returns a ``Work`` (None outside ``group``)."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, tensor, "isend")
    peer = group_rank(pg, dst, group_dst, "isend")
    if peer == pg.rank():
        raise ValueError(f"isend: a rank cannot send to itself (dst {pg.ranks[peer]})")
    buf = buffer(tensor, writes=False)
    return Work([pg.send(buf.array, peer, _tag(tag))], None, [tensor], "send", pg.timeout)


class _RecvWork(Work):
    """The ``Work`` of a receive; ``_source_rank()`` tells who sent (global rank)."""

    def __init__(self, pg, req, finish, tensor) -> None:
        self._pg, self._req = pg, req
        super().__init__([req], finish, [tensor], "recv", pg.timeout)

    def _source_rank(self) -> int:
        self.wait()
        return self._pg.ranks[self._req.source()]


def irecv(tensor, src: int | None = None, group=None, tag: int = 0, group_src: int | None = None):
    """Start receiving into ``tensor`` from rank ``src`` (None: any rank); returns a ``Work``."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, tensor, "irecv")
    peer = group_rank(pg, src, group_src, "irecv", optional=True)
    if peer is not None and peer == pg.rank():
        raise ValueError(f"irecv: a rank cannot receive from itself (src {pg.ranks[peer]})")
    buf = buffer(tensor)
    return _RecvWork(pg, pg.recv(buf.array, peer, _tag(tag)), buf.done, tensor)


def send(tensor, dst: int | None = None, group=None, tag: int = 0, group_dst: int | None = None) -> None:
    """Send ``tensor`` to rank ``dst`` and wait until it is sent."""
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src: int | None = None, group=None, tag: int = 0, group_src: int | None = None) -> int:
    """Receive into ``tensor`` from rank ``src`` (None: any); returns the sender's global rank (-1
    outside ``group``)."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    return work._source_rank()
