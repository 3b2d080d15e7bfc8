"""Tensor collectives: every rank of a group calls the same one with matching tensors.

Each takes ``async_op``: False waits and returns None; True returns a ``Work`` at once, and
the output tensors hold the result after its ``wait()``. On a rank that is not a member of
``group`` they do nothing and return None. Ranks (``src``, ``dst``) are global ranks;
``group_src``/``group_dst`` give them within the group instead.
"""

from __future__ import annotations

import numpy as np

from ember.distributed.consistency import (
    check_same_across_ranks,
    check_split_sizes,
    describe,
    finish_check,
    start_check,
)
from ember.distributed.groups import group_rank, resolve
from ember.distributed.reduce_op import ReduceOp
from ember.distributed.tensors import buffer, check_op, check_tensor
from ember.distributed.work import Work

__all__ = ["all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter_tensor",
           "gather", "scatter", "all_to_all_single", "all_to_all", "reduce_scatter", "barrier", "run"]


def blocking(pg, async_op: bool) -> dict:
    """``{"wait": True}`` when the backend may carry the collective out before returning: a
    blocking call whose consistency check saw every rank enter it (so it cannot wait for a rank
    that never comes); only backends with a ``checker()`` are passed ``wait``."""
    return {"wait": True} if not async_op and pg.checker() is not None else {}


def run(pg, pending, finish, outputs, what: str, async_op: bool):
    work = Work(pending, finish, outputs, what, pg.timeout)
    if async_op:
        return work
    work.wait()
    return None


def _devices(pg):
    from ember.distributed.backend_registry import registry
    try:
        return registry.get(pg.name()).devices
    except ValueError:
        return ("cpu",)


def _tensor(pg, t, what):
    return check_tensor(t, what, _devices(pg))


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``tensor`` over every rank of the group with ``op``; every rank gets the result in place.

    Example::

        >>> t = ember.tensor([1.0, 2.0]) * (dist.get_rank() + 1)
        >>> dist.all_reduce(t)          # on 2 ranks: tensor([3., 6.]) everywhere
    """
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, tensor, "all_reduce")
    op = check_op(op, tensor._dtype, "all_reduce")
    check_same_across_ranks(pg, f"all_reduce({describe(tensor)}, op={op.name})")
    buf = buffer(tensor)
    kw = blocking(pg, async_op)
    req = pg.allreduce(buf.array, ReduceOp.SUM if op is ReduceOp.AVG else op, **kw)

    def finish():
        if op is ReduceOp.AVG:
            np.divide(buf.array, pg.size(), out=buf.array, casting="same_kind")
        buf.done()
    return run(pg, [req], finish, [tensor], "all_reduce", async_op)


def broadcast(tensor, src: int | None = None, group=None, async_op: bool = False, group_src: int | None = None):
    """Copy ``tensor`` of rank ``src`` into ``tensor`` on every rank."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, tensor, "broadcast")
    root = group_rank(pg, src, group_src, "broadcast")
    check_same_across_ranks(pg, f"broadcast({describe(tensor)}, src={pg.ranks[root]})")
    buf = buffer(tensor)
    kw = blocking(pg, async_op)
    req = pg.broadcast(buf.array, root, **kw)
    return run(pg, [req], buf.done if pg.rank() != root else None, [tensor], "broadcast", async_op)


def reduce(tensor, dst: int | None = None, op=ReduceOp.SUM, group=None, async_op: bool = False,
           group_dst: int | None = None):
    """Reduce ``tensor`` over the group into ``tensor`` of rank ``dst`` (the others keep theirs)."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, tensor, "reduce")
    op = check_op(op, tensor._dtype, "reduce")
    root = group_rank(pg, dst, group_dst, "reduce")
    check_same_across_ranks(pg, f"reduce({describe(tensor)}, dst={pg.ranks[root]}, op={op.name})")
    mine = pg.rank() == root
    buf = buffer(tensor, writes=mine)
    kw = blocking(pg, async_op)
    req = pg.reduce(buf.array, ReduceOp.SUM if op is ReduceOp.AVG else op, root, **kw)

    def finish():
        if mine:
            if op is ReduceOp.AVG:
                np.divide(buf.array, pg.size(), out=buf.array, casting="same_kind")
            buf.done()
    return run(pg, [req], finish, [tensor], "reduce", async_op)


def _check_like(t, ref, what: str, name: str) -> None:
    if t._dtype is not ref._dtype:
        raise TypeError(f"{what}: {name} has dtype {t._dtype} but the input tensor has {ref._dtype}")


def _list(tensors, n: int, ref, what: str, name: str, pg) -> list:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{what}: {name} must be a list of tensors, got {type(tensors).__name__}")
    if len(tensors) != n:
        raise ValueError(f"{what}: {name} has {len(tensors)} tensor(s) but the group has {n} rank(s)")
    for i, t in enumerate(tensors):
        _tensor(pg, t, what)
        _check_like(t, ref, what, f"{name}[{i}]")
        if tuple(t.shape) != tuple(ref.shape):
            raise ValueError(f"{what}: {name}[{i}] has shape {list(t.shape)} but the input tensor has "
                             f"{list(ref.shape)}")
    return list(tensors)


def all_gather(tensor_list, tensor, group=None, async_op: bool = False):
    """Every rank's ``tensor`` into ``tensor_list`` (one tensor per rank, in rank order)."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, tensor, "all_gather")
    outs = _list(tensor_list, pg.size(), tensor, "all_gather", "tensor_list", pg)
    check_same_across_ranks(pg, f"all_gather({describe(tensor)})")
    send = buffer(tensor, writes=False)
    recv = np.empty((pg.size(),) + send.array.shape, dtype=send.array.dtype)
    kw = blocking(pg, async_op)
    req = pg.allgather(send.flat(), recv.reshape(-1), **kw)

    def finish():
        for i, t in enumerate(outs):
            t._data[...] = recv[i]
            t._bump_version()
    return run(pg, [req], finish, outs, "all_gather", async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op: bool = False):
    """Every rank's ``input_tensor`` into ``output_tensor``, concatenated along dim 0 (shape
    ``[world_size * n, ...]``) or stacked (shape ``[world_size, n, ...]``)."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, output_tensor, "all_gather_into_tensor")
    _tensor(pg, input_tensor, "all_gather_into_tensor")
    _check_like(output_tensor, input_tensor, "all_gather_into_tensor", "output_tensor")
    if output_tensor.numel() != pg.size() * input_tensor.numel():
        raise ValueError(f"all_gather_into_tensor: output_tensor must have world_size ({pg.size()}) times the "
                         f"input's {input_tensor.numel()} elements, got shape {list(output_tensor.shape)}")
    check_same_across_ranks(pg, f"all_gather_into_tensor({describe(input_tensor)})")
    send = buffer(input_tensor, writes=False)
    recv = buffer(output_tensor)
    kw = blocking(pg, async_op)
    req = pg.allgather(send.flat(), recv.flat(), **kw)
    return run(pg, [req], recv.done, [output_tensor], "all_gather_into_tensor", async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op: bool = False):  # noqa: A002
    """Reduce ``input`` over the group and give rank ``i`` the ``i``-th of ``world_size`` equal
    parts (along dim 0) in ``output``."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, output, "reduce_scatter_tensor")
    _tensor(pg, input, "reduce_scatter_tensor")
    _check_like(output, input, "reduce_scatter_tensor", "output")
    op = check_op(op, input._dtype, "reduce_scatter_tensor")
    if input.numel() != pg.size() * output.numel():
        raise ValueError(f"reduce_scatter_tensor: input must have world_size ({pg.size()}) times the output's "
                         f"{output.numel()} elements, got shape {list(input.shape)}")
    check_same_across_ranks(pg, f"reduce_scatter_tensor({describe(input)}, op={op.name})")
    send = buffer(input, writes=False)
    recv = buffer(output)
    kw = blocking(pg, async_op)
    req = pg.reduce_scatter(send.flat(), recv.flat(), ReduceOp.SUM if op is ReduceOp.AVG else op, **kw)

    def finish():
        if op is ReduceOp.AVG:
            np.divide(recv.array, pg.size(), out=recv.array, casting="same_kind")
        recv.done()
    return run(pg, [req], finish, [output], "reduce_scatter_tensor", async_op)


def gather(tensor, gather_list=None, dst: int | None = None, group=None, async_op: bool = False,
           group_dst: int | None = None):
    """Every rank's ``tensor`` into ``gather_list`` on rank ``dst`` (one per rank; None elsewhere)."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, tensor, "gather")
    root = group_rank(pg, dst, group_dst, "gather", optional=True)
    root = 0 if root is None else root
    mine = pg.rank() == root
    if mine:
        if gather_list is None:
            raise ValueError("gather: the destination rank must give gather_list")
        outs = _list(gather_list, pg.size(), tensor, "gather", "gather_list", pg)
    elif gather_list:
        raise ValueError("gather: only the destination rank gives gather_list (None elsewhere)")
    else:
        outs = []
    check_same_across_ranks(pg, f"gather({describe(tensor)}, dst={pg.ranks[root]})")
    send = buffer(tensor, writes=False)
    recv = np.empty((pg.size(),) + send.array.shape, dtype=send.array.dtype) if mine else None
    kw = blocking(pg, async_op)
    req = pg.gather(send.flat(), None if recv is None else recv.reshape(-1), root, **kw)

    def finish():
        for i, t in enumerate(outs):
            t._data[...] = recv[i]
            t._bump_version()
    return run(pg, [req], finish, outs, "gather", async_op)


def scatter(tensor, scatter_list=None, src: int | None = None, group=None, async_op: bool = False,
            group_src: int | None = None):
    """Give rank ``i`` the tensor ``scatter_list[i]`` of rank ``src`` in its ``tensor``."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, tensor, "scatter")
    root = group_rank(pg, src, group_src, "scatter", optional=True)
    root = 0 if root is None else root
    mine = pg.rank() == root
    send = None
    if mine:
        if scatter_list is None:
            raise ValueError("scatter: the source rank must give scatter_list")
        ins = _list(scatter_list, pg.size(), tensor, "scatter", "scatter_list", pg)
        send = np.ascontiguousarray(np.stack([t._data for t in ins])) if ins else None
    elif scatter_list:
        raise ValueError("scatter: only the source rank gives scatter_list (None elsewhere)")
    check_same_across_ranks(pg, f"scatter({describe(tensor)}, src={pg.ranks[root]})")
    recv = buffer(tensor)
    kw = blocking(pg, async_op)
    req = pg.scatter(None if send is None else send.reshape(-1), recv.flat(), root, **kw)
    return run(pg, [req], recv.done, [tensor], "scatter", async_op)


def _splits(sizes, n: int, rows: int, what: str, name: str) -> list[int]:
    if sizes is None or len(sizes) == 0:
        if rows % n:
            raise ValueError(f"all_to_all_single: {what} has {rows} rows along dim 0, which the group's {n} ranks "
                             f"cannot share equally; give {name}")
        return [rows // n] * n
    sizes = [int(s) for s in sizes]
    if len(sizes) != n or any(s < 0 for s in sizes) or sum(sizes) != rows:
        raise ValueError(f"all_to_all_single: {name} {sizes} must be {n} non-negative sizes adding up to the "
                         f"{rows} rows of {what}")
    return sizes


def all_to_all_single(output, input, output_split_sizes=None, input_split_sizes=None, group=None,  # noqa: A002
                      async_op: bool = False):
    """Split ``input`` along dim 0 and send part ``j`` to rank ``j``; ``output`` receives the parts
    every rank sent to this one, in rank order (equal parts unless split sizes are given)."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, output, "all_to_all_single")
    _tensor(pg, input, "all_to_all_single")
    _check_like(output, input, "all_to_all_single", "output")
    if input.dim() == 0 or output.dim() == 0:
        raise ValueError("all_to_all_single: input and output need at least one dimension")
    if tuple(input.shape[1:]) != tuple(output.shape[1:]):
        raise ValueError(f"all_to_all_single: input {list(input.shape)} and output {list(output.shape)} must match "
                         f"beyond dim 0")
    n = pg.size()
    row = 1
    for s in input.shape[1:]:
        row *= s
    send_rows = _splits(input_split_sizes, n, input.shape[0], "input", "input_split_sizes")
    recv_rows = _splits(output_split_sizes, n, output.shape[0], "output", "output_split_sizes")
    check_same_across_ranks(pg, f"all_to_all_single({input._dtype.name} rows of {list(input.shape[1:])})")
    send_counts, recv_counts = [r * row for r in send_rows], [r * row for r in recv_rows]
    check_split_sizes(pg, "all_to_all_single", send_counts, recv_counts)
    send = buffer(input, writes=False)
    recv = buffer(output)
    kw = blocking(pg, async_op)
    req = pg.alltoall(send.flat(), send_counts, recv.flat(), recv_counts, **kw)
    return run(pg, [req], recv.done, [output], "all_to_all_single", async_op)


def all_to_all(output_tensor_list, input_tensor_list, group=None, async_op: bool = False):
    """Send ``input_tensor_list[j]`` to rank ``j``; ``output_tensor_list[i]`` receives what rank ``i``
    sent to this one. The tensors share one dtype; their sizes may differ, as long as what rank ``i``
    sends to rank ``j`` has as many elements as rank ``j``'s ``output_tensor_list[i]``."""
    pg = resolve(group)
    if pg is None:
        return None
    n = pg.size()
    for name, tensors in (("output_tensor_list", output_tensor_list), ("input_tensor_list", input_tensor_list)):
        if not isinstance(tensors, (list, tuple)):
            raise TypeError(f"all_to_all: {name} must be a list of tensors, got {type(tensors).__name__}")
        if len(tensors) != n:
            raise ValueError(f"all_to_all: {name} has {len(tensors)} tensor(s) but the group has {n} rank(s)")
    ins, outs = list(input_tensor_list), list(output_tensor_list)
    for t in ins + outs:
        _tensor(pg, t, "all_to_all")
    for i, t in enumerate(outs):
        _check_like(t, ins[0], "all_to_all", f"output_tensor_list[{i}]")
    for i, t in enumerate(ins):
        _check_like(t, ins[0], "all_to_all", f"input_tensor_list[{i}]")
    check_same_across_ranks(pg, f"all_to_all({ins[0]._dtype.name}, {n} tensors)")
    send_counts, recv_counts = [t.numel() for t in ins], [t.numel() for t in outs]
    check_split_sizes(pg, "all_to_all", send_counts, recv_counts)
    send = np.concatenate([buffer(t, writes=False).flat() for t in ins])
    recv = np.empty(sum(recv_counts), dtype=send.dtype)
    kw = blocking(pg, async_op)
    req = pg.alltoall(send, send_counts, recv, recv_counts, **kw)

    def finish():
        start = 0
        for t, c in zip(outs, recv_counts):
            t._data[...] = recv[start:start + c].reshape(t._data.shape)
            t._bump_version()
            start += c
    return run(pg, [req], finish, outs, "all_to_all", async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op: bool = False):
    """Reduce ``input_list`` elementwise over the group and give rank ``i`` the reduction of the
    ``i``-th tensors in ``output``."""
    pg = resolve(group)
    if pg is None:
        return None
    _tensor(pg, output, "reduce_scatter")
    op = check_op(op, output._dtype, "reduce_scatter")
    ins = _list(input_list, pg.size(), output, "reduce_scatter", "input_list", pg)
    check_same_across_ranks(pg, f"reduce_scatter({describe(output)}, op={op.name})")
    send = np.stack([t._data for t in ins]).reshape(-1)  # one copy: MPI reduces one contiguous buffer
    recv = buffer(output)
    kw = blocking(pg, async_op)
    req = pg.reduce_scatter(send, recv.flat(), ReduceOp.SUM if op is ReduceOp.AVG else op, **kw)

    def finish():
        if op is ReduceOp.AVG:
            np.divide(recv.array, pg.size(), out=recv.array, casting="same_kind")
        recv.done()
    return run(pg, [req], finish, [output], "reduce_scatter", async_op)


def barrier(group=None, async_op: bool = False, device_ids=None, timeout=None):
    """Wait until every rank of the group reached the barrier (at most ``timeout``, a
    ``timedelta``; default: the group's)."""
    pg = resolve(group)
    if pg is None:
        return None
    check = start_check(pg, "barrier()")  # the check's exchange completes once every rank arrived: the barrier
    if check is None:
        work = Work([pg.barrier()], None, [], "barrier", pg.timeout)
    else:
        work = Work([check.request], lambda: finish_check(check, wait=False), [], "barrier", pg.timeout)
    if async_op:
        return work
    work.wait(timeout)
    return None
