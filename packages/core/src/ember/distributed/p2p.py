"""Point-to-point: ``send``/``recv`` and their non-blocking ``isend``/``irecv``."""

from __future__ import annotations

from ember.distributed.collectives import _tensor
from ember.distributed.groups import group_rank, resolve
from ember.distributed.tensors import buffer
from ember.distributed.work import Work

__all__ = ["send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv"]


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


class P2POp:
    """One point-to-point operation for ``batch_isend_irecv``: ``op`` is ``isend`` or ``irecv``,
    ``peer`` the other side's global rank (or ``group_peer`` its rank in ``group``)."""

    __slots__ = ("op", "tensor", "peer", "group", "tag", "group_peer")

    def __init__(self, op, tensor, peer: int | None = None, group=None, tag: int = 0,
                 group_peer: int | None = None) -> None:
        if op is not isend and op is not irecv:
            raise ValueError("Invalid ``op``: expected ember.distributed.isend or ember.distributed.irecv, got "
                             f"{op!r}")
        _tensor(resolve(group) or resolve(None), tensor, "P2POp")
        if peer is None and group_peer is None:
            raise ValueError("P2POp: give the peer's rank (peer, or group_peer within group)")
        self.op, self.tensor, self.peer, self.group = op, tensor, peer, group
        self.tag, self.group_peer = tag, group_peer

    def __repr__(self) -> str:
        peer = f"peer={self.peer}" if self.peer is not None else f"group_peer={self.group_peer}"
        return f"P2POp({self.op.__name__}, {self.tensor._dtype.name}{list(self.tensor.shape)}, {peer})"


def batch_isend_irecv(p2p_op_list: list) -> list:
    """Start every send and receive of ``p2p_op_list`` (``P2POp``s of one group) and return their
    ``Work``s, in the same order. They are all posted before any is waited for, so ring exchanges
    (send to the next rank, receive from the previous one) cannot deadlock.

    Example::

        >>> ops = [dist.P2POp(dist.isend, send_buf, (rank + 1) % world),
        ...        dist.P2POp(dist.irecv, recv_buf, (rank - 1) % world)]
        >>> for work in dist.batch_isend_irecv(ops):
        ...     work.wait()
    """
    if not isinstance(p2p_op_list, (list, tuple)) or not p2p_op_list:
        raise ValueError("batch_isend_irecv expects a non-empty list of P2POp")
    for p in p2p_op_list:
        if not isinstance(p, P2POp):
            raise TypeError(f"batch_isend_irecv expects P2POp entries, got {type(p).__name__}")
    groups = {id(p.group) for p in p2p_op_list}
    if len(groups) > 1:
        raise ValueError("batch_isend_irecv: every P2POp must use the same group")
    works = []
    for p in p2p_op_list:
        if p.op is isend:
            works.append(isend(p.tensor, p.peer, p.group, p.tag, p.group_peer))
        else:
            works.append(irecv(p.tensor, p.peer, p.group, p.tag, p.group_peer))
    return [w for w in works if w is not None]
