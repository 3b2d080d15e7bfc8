"""Object collectives: picklable Python objects between ranks, loaded as weights only.

An object travels as ``ember.save`` writes it and is read back by ``ember.load(...,
weights_only=True)``: the checkpoint loader's restricted unpickler, which builds tensors,
containers and plain values (and classes allowed with ``ember.serialization.add_safe_globals``)
and refuses any other class by name, so a rank never runs code another rank sent.
"""

from __future__ import annotations

import io

import numpy as np

from ember.distributed.collectives import blocking
from ember.distributed.consistency import check_same_across_ranks
from ember.distributed.groups import group_rank, resolve

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list"]


def _dump(obj) -> np.ndarray:
    from ember.serialization import save
    out = io.BytesIO()
    save(obj, out)
    return np.frombuffer(out.getvalue(), dtype=np.uint8)


def _load(data: np.ndarray, sender: int):
    from ember.serialization import load
    try:
        return load(io.BytesIO(data.tobytes()), weights_only=True)
    except Exception as exc:
        raise type(exc)(f"an object rank {sender} sent could not be loaded safely: {exc}") from exc


def _gather_bytes(pg, payload: np.ndarray, root: int | None) -> list[np.ndarray] | None:
    """Every rank's bytes on every rank (``root`` None) or on ``root`` only."""
    n = pg.size()
    sizes = np.empty(n, dtype=np.int64)
    pg.allgather(np.array([payload.size], dtype=np.int64), sizes, **blocking(pg, False)).wait()
    width = int(sizes.max())
    send = np.zeros(width, dtype=np.uint8)
    send[:payload.size] = payload
    if root is None:
        recv = np.empty((n, width), dtype=np.uint8)
        pg.allgather(send, recv.reshape(-1), **blocking(pg, False)).wait()
    else:
        recv = np.empty((n, width), dtype=np.uint8) if pg.rank() == root else None
        pg.gather(send, None if recv is None else recv.reshape(-1), root, **blocking(pg, False)).wait()
        if recv is None:
            return None
    return [recv[r, :sizes[r]] for r in range(n)]


def broadcast_object_list(object_list: list, src: int | None = None, group=None, device=None,
                          group_src: int | None = None) -> None:
    """Replace the entries of ``object_list`` on every rank with those of rank ``src``'s
    (the lists have the same length everywhere)."""
    pg = resolve(group)
    if pg is None:
        return
    if not isinstance(object_list, list):
        raise TypeError(f"broadcast_object_list expects a list, got {type(object_list).__name__}")
    root = group_rank(pg, src, group_src, "broadcast_object_list", optional=True)
    root = 0 if root is None else root
    n = len(object_list)
    check_same_across_ranks(pg, f"broadcast_object_list({n} object(s), src={pg.ranks[root]})")
    mine = pg.rank() == root
    payloads = [_dump(o) for o in object_list] if mine else []
    sizes = np.array([p.size for p in payloads] if mine else [0] * n, dtype=np.int64)
    pg.broadcast(sizes, root, **blocking(pg, False)).wait()
    data = np.concatenate(payloads) if mine and payloads else np.empty(int(sizes.sum()), dtype=np.uint8)
    pg.broadcast(data, root, **blocking(pg, False)).wait()
    if not mine:
        start = 0
        for i, s in enumerate(sizes.tolist()):
            object_list[i] = _load(data[start:start + s], pg.ranks[root])
            start += s


def all_gather_object(object_list: list, obj, group=None) -> None:
    """Every rank's ``obj`` into ``object_list`` (one entry per rank, in rank order)."""
    pg = resolve(group)
    if pg is None:
        return
    if not isinstance(object_list, list) or len(object_list) != pg.size():
        raise ValueError(f"all_gather_object: object_list must be a list of world_size ({pg.size()}) entries, "
                         f"got {object_list!r:.80}")
    check_same_across_ranks(pg, "all_gather_object()")
    for r, data in enumerate(_gather_bytes(pg, _dump(obj), None)):
        object_list[r] = obj if r == pg.rank() else _load(data, pg.ranks[r])


def gather_object(obj, object_gather_list: list | None = None, dst: int | None = None, group=None,
                  group_dst: int | None = None) -> None:
    """Every rank's ``obj`` into ``object_gather_list`` on rank ``dst`` (None elsewhere)."""
    pg = resolve(group)
    if pg is None:
        return
    root = group_rank(pg, dst, group_dst, "gather_object", optional=True)
    root = 0 if root is None else root
    if pg.rank() == root and (not isinstance(object_gather_list, list) or len(object_gather_list) != pg.size()):
        raise ValueError(f"gather_object: the destination rank needs object_gather_list, a list of world_size "
                         f"({pg.size()}) entries")
    check_same_across_ranks(pg, f"gather_object(dst={pg.ranks[root]})")
    got = _gather_bytes(pg, _dump(obj), root)
    if got is not None:
        for r, data in enumerate(got):
            object_gather_list[r] = obj if r == pg.rank() else _load(data, pg.ranks[r])


def scatter_object_list(scatter_object_output_list: list, scatter_object_input_list: list | None = None,
                        src: int | None = None, group=None, group_src: int | None = None) -> None:
    """Give rank ``i`` the object ``scatter_object_input_list[i]`` of rank ``src`` as
    ``scatter_object_output_list[0]`` (the input list is only read on ``src``)."""
    pg = resolve(group)
    if pg is None:
        return
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("scatter_object_list: scatter_object_output_list must be a list with at least one entry, "
                         f"got {scatter_object_output_list!r:.80}")
    root = group_rank(pg, src, group_src, "scatter_object_list", optional=True)
    root = 0 if root is None else root
    n = pg.size()
    mine = pg.rank() == root
    if mine and (not isinstance(scatter_object_input_list, list) or len(scatter_object_input_list) != n):
        raise ValueError(f"scatter_object_list: the source rank needs scatter_object_input_list, a list of "
                         f"world_size ({n}) objects, got {scatter_object_input_list!r:.80}")
    check_same_across_ranks(pg, f"scatter_object_list(src={pg.ranks[root]})")
    send = sizes = None
    if mine:
        payloads = [_dump(o) for o in scatter_object_input_list]
        width = max(p.size for p in payloads)
        sizes = np.array([[p.size, width] for p in payloads], dtype=np.int64)
        send = np.zeros((n, width), dtype=np.uint8)
        for r, p in enumerate(payloads):
            send[r, :p.size] = p
    size_width = np.empty(2, dtype=np.int64)
    pg.scatter(None if sizes is None else sizes.reshape(-1), size_width, root, **blocking(pg, False)).wait()
    size, width = (int(v) for v in size_width)
    recv = np.empty(width, dtype=np.uint8)
    pg.scatter(None if send is None else send.reshape(-1), recv, root, **blocking(pg, False)).wait()
    scatter_object_output_list[0] = (scatter_object_input_list[root] if mine
                                     else _load(recv[:size], pg.ranks[root]))
