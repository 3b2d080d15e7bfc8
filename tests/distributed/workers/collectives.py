"""Run under mpirun: every collective of ember.distributed checked against NumPy on every rank.

Each rank builds every rank's input from a seed, so it can compute the expected result itself.
An assertion failure raises, which aborts the whole job with a non-zero exit status.
"""

import datetime
import os
import sys

import numpy as np

import ember
import ember.distributed as dist
from ember.distributed import ReduceOp

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
DTYPES = [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64, ember.float16, ember.float32,
          ember.float64]


def data(r, shape, dtype, seed=0, positive=False):
    rng = np.random.default_rng(1000 * seed + r)
    npd = dtype.numpy
    if dtype is ember.bool:
        return rng.random(shape) < 0.5
    if dtype.is_floating_point:
        a = rng.uniform(0.5, 1.5, shape) if positive else rng.standard_normal(shape)
        return a.astype(npd)
    return rng.integers(1, 4, shape).astype(npd)


def expected(op, arrays, dtype):
    stack = np.stack(arrays)
    if dtype is ember.bool:
        return {ReduceOp.SUM: stack.any(0), ReduceOp.MAX: stack.any(0), ReduceOp.PRODUCT: stack.all(0),
                ReduceOp.MIN: stack.all(0)}[op]
    if op is ReduceOp.AVG:
        return (stack.astype(np.float64).sum(0) / len(arrays)).astype(dtype.numpy)
    fn = {ReduceOp.SUM: np.sum, ReduceOp.PRODUCT: np.prod, ReduceOp.MIN: np.min, ReduceOp.MAX: np.max}[op]
    return fn(stack.astype(np.float64) if dtype.is_floating_point else stack, axis=0).astype(dtype.numpy)


def close(got, want, dtype, what):
    got = got.numpy() if hasattr(got, "numpy") else got
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    if dtype.is_floating_point:
        tol = 2e-3 if dtype is ember.float16 else 1e-6
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=tol, atol=tol, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def tensor(a):
    return ember.from_numpy(np.array(a, copy=True))


checks = 0

# all_reduce: every dtype, every op, blocking and async
for dtype in DTYPES:
    ops = [ReduceOp.SUM, ReduceOp.PRODUCT, ReduceOp.MIN, ReduceOp.MAX] + ([ReduceOp.AVG] if dtype.is_floating_point
                                                                           else [])
    for k, op in enumerate(ops):
        arrays = [data(r, (3, 5), dtype, seed=k, positive=op is ReduceOp.PRODUCT) for r in range(world)]
        t = tensor(arrays[rank])
        version = t._version
        dist.all_reduce(t, op=op)
        close(t, expected(op, arrays, dtype), dtype, f"all_reduce {dtype} {op}")
        assert t._version > version
        t = tensor(arrays[rank])
        work = dist.all_reduce(t, op=op, async_op=True)
        assert work.wait() is True and work.is_completed() and work.is_success()
        close(t, expected(op, arrays, dtype), dtype, f"async all_reduce {dtype} {op}")
        checks += 2
    if not dtype.is_floating_point:
        try:
            dist.all_reduce(tensor(data(rank, (2,), dtype)), op=ReduceOp.AVG)
            raise AssertionError("AVG on an integer tensor must raise")
        except ValueError as exc:
            assert "AVG" in str(exc)

# a non-contiguous tensor (a transposed view): reduced in place through one contiguous copy
arrays = [data(r, (4, 6), ember.float32, seed=7) for r in range(world)]
base = tensor(arrays[rank])
view = base.t()
dist.all_reduce(view)
close(base, expected(ReduceOp.SUM, arrays, ember.float32), ember.float32, "all_reduce through a transposed view")
checks += 1

# broadcast from the last rank, every dtype
for dtype in DTYPES:
    arrays = [data(r, (2, 3), dtype, seed=11) for r in range(world)]
    t = tensor(arrays[rank])
    dist.broadcast(t, src=world - 1)
    close(t, arrays[world - 1], dtype, f"broadcast {dtype}")
    checks += 1

# reduce into rank 1 (others keep their input)
for dtype in (ember.int32, ember.float32, ember.float16, ember.bool):
    for op in (ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN, ReduceOp.PRODUCT):
        arrays = [data(r, (5,), dtype, seed=13, positive=True) for r in range(world)]
        t = tensor(arrays[rank])
        dist.reduce(t, dst=1, op=op)
        close(t, expected(op, arrays, dtype) if rank == 1 else arrays[rank], dtype, f"reduce {dtype} {op}")
        checks += 1

# all_gather / all_gather_into_tensor (concatenated and stacked)
for dtype in DTYPES:
    arrays = [data(r, (2, 3), dtype, seed=17) for r in range(world)]
    outs = [ember.zeros(2, 3, dtype=dtype) for _ in range(world)]
    dist.all_gather(outs, tensor(arrays[rank]))
    for r in range(world):
        close(outs[r], arrays[r], dtype, f"all_gather {dtype} from {r}")
    cat = ember.zeros(2 * world, 3, dtype=dtype)
    dist.all_gather_into_tensor(cat, tensor(arrays[rank]))
    close(cat, np.concatenate(arrays), dtype, f"all_gather_into_tensor {dtype}")
    stacked = ember.zeros(world, 2, 3, dtype=dtype)
    dist.all_gather_into_tensor(stacked, tensor(arrays[rank]))
    close(stacked, np.stack(arrays), dtype, f"all_gather_into_tensor stacked {dtype}")
    checks += 3

# reduce_scatter_tensor
for dtype in (ember.float32, ember.float64, ember.int64, ember.float16):
    for op in (ReduceOp.SUM, ReduceOp.MAX) + ((ReduceOp.AVG,) if dtype.is_floating_point else ()):
        arrays = [data(r, (2 * world, 3), dtype, seed=19) for r in range(world)]
        out = ember.zeros(2, 3, dtype=dtype)
        dist.reduce_scatter_tensor(out, tensor(arrays[rank]), op=op)
        close(out, expected(op, arrays, dtype)[2 * rank:2 * rank + 2], dtype, f"reduce_scatter_tensor {dtype} {op}")
        checks += 1

# gather into rank 0, scatter from rank 1
arrays = [data(r, (3,), ember.int16, seed=23) for r in range(world)]
got = [ember.zeros(3, dtype=ember.int16) for _ in range(world)] if rank == 0 else None
dist.gather(tensor(arrays[rank]), got, dst=0)
if rank == 0:
    for r in range(world):
        close(got[r], arrays[r], ember.int16, f"gather from {r}")
parts = [data(r, (4,), ember.float64, seed=29) for r in range(world)]
out = ember.zeros(4, dtype=ember.float64)
dist.scatter(out, [tensor(p) for p in parts] if rank == 1 else None, src=1)
close(out, parts[rank], ember.float64, "scatter")
checks += 2

# all_to_all_single: equal parts, then uneven split sizes (rank i sends i + j + 1 rows to rank j)
rows = [data(r, (world * 2, 3), ember.float32, seed=31) for r in range(world)]
out = ember.zeros(world * 2, 3)
dist.all_to_all_single(out, tensor(rows[rank]))
close(out, np.concatenate([rows[r][2 * rank:2 * rank + 2] for r in range(world)]), ember.float32, "all_to_all_single")
send_sizes = [rank + j + 1 for j in range(world)]
recv_sizes = [i + rank + 1 for i in range(world)]
inputs = [data(r, (sum(r + j + 1 for j in range(world)), 2), ember.int32, seed=37) for r in range(world)]
out = ember.zeros(sum(recv_sizes), 2, dtype=ember.int32)
dist.all_to_all_single(out, tensor(inputs[rank]), output_split_sizes=recv_sizes, input_split_sizes=send_sizes)
want = []
for i in range(world):
    start = sum(i + j + 1 for j in range(rank))
    want.append(inputs[i][start:start + i + rank + 1])
close(out, np.concatenate(want), ember.int32, "all_to_all_single uneven")
checks += 2

# barrier, blocking and async
dist.barrier()
work = dist.barrier(async_op=True)
work.wait()
assert work.is_completed()

# point to point: a ring with send/recv, then isend/irecv, then a receive from any source
nxt, prv = (rank + 1) % world, (rank - 1) % world
t = ember.full((4,), float(rank))
got = ember.zeros(4)
if rank % 2 == 0:
    dist.send(t, dst=nxt)
    src = dist.recv(got, src=prv)
else:
    src = dist.recv(got, src=prv)
    dist.send(t, dst=nxt)
assert src == prv
close(got, np.full(4, float(prv), np.float32), ember.float32, "send/recv ring")
got = ember.zeros(4)
works = [dist.isend(ember.full((4,), 10.0 * rank), dst=nxt, tag=5), dist.irecv(got, src=prv, tag=5)]
for w in works:
    w.wait()
close(got, np.full(4, 10.0 * prv, np.float32), ember.float32, "isend/irecv")
if rank == 0:
    senders = set()
    for _ in range(world - 1):
        buf = ember.zeros(1, dtype=ember.int64)
        sender = dist.recv(buf, tag=9)
        assert int(buf.item()) == sender * 7
        senders.add(sender)
    assert senders == set(range(1, world))
else:
    dist.send(ember.tensor([rank * 7]), dst=0, tag=9)
checks += 3

# a group of ranks {0, world-1}: members reduce within it, the others are left out
sub = dist.new_group([0, world - 1])
if rank in (0, world - 1):
    assert dist.get_world_size(sub) == 2 and dist.get_rank(sub) == (0 if rank == 0 else 1)
    assert dist.get_process_group_ranks(sub) == [0, world - 1]
    t = ember.tensor([float(rank + 1)])
    dist.all_reduce(t, group=sub)
    assert t.item() == 1 + world, t
    t = ember.tensor([float(rank)])
    dist.broadcast(t, src=world - 1, group=sub)
    assert t.item() == world - 1
else:
    assert sub is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(sub) == -1
    t = ember.tensor([5.0])
    assert dist.all_reduce(t, group=sub) is None and t.item() == 5.0
checks += 1

# sort_ranks=False: group ranks follow the order given
rev = dist.new_group(list(reversed(range(world))), sort_ranks=False)
assert dist.get_rank(rev) == world - 1 - rank and dist.get_global_rank(rev, 0) == world - 1
t = ember.tensor([float(rank)])
dist.broadcast(t, group=rev, group_src=0)
assert t.item() == world - 1
checks += 1

# object collectives: tensors, containers and plain values pass; any other class is refused
objs = [{"step": 3, "lr": 0.1, "w": ember.arange(4.0)}, ["a", (1, 2)], None] if rank == 0 else [None, None, None]
dist.broadcast_object_list(objs, src=0)
assert objs[0]["step"] == 3 and objs[0]["lr"] == 0.1 and objs[1] == ["a", (1, 2)] and objs[2] is None
np.testing.assert_array_equal(objs[0]["w"].numpy(), np.arange(4.0, dtype=np.float32))
everyone = [None] * world
dist.all_gather_object(everyone, {"rank": rank, "name": f"r{rank}"})
assert everyone == [{"rank": r, "name": f"r{r}"} for r in range(world)]
collected = [None] * world if rank == 0 else None
dist.gather_object(rank * 2, collected, dst=0)
if rank == 0:
    assert collected == [2 * r for r in range(world)]


class Payload:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


hostile = [Payload()] if rank == 0 else [None]
try:
    dist.broadcast_object_list(hostile, src=0)
    assert rank == 0, "a class outside the allowed globals must be refused"
except Exception as exc:
    assert rank != 0 and "system" in str(exc) and "rank 0" in str(exc), exc
checks += 4

# a wait that runs out of time raises DistBackendError naming the operation
late = ember.zeros(2)
if rank == 0:
    work = dist.irecv(late, src=1, tag=77)
    try:
        work.wait(timeout=datetime.timedelta(seconds=0.3))
        raise AssertionError("the receive cannot complete before rank 1 sends")
    except dist.DistBackendError as exc:
        assert "recv did not complete within 0.3 s" in str(exc), exc
    assert not work.is_completed()
dist.barrier()
if rank == 1:
    dist.send(ember.ones(2), dst=0, tag=77)
if rank == 0:
    work._pending[0].wait()  # the message still arrives into the abandoned request's buffer
checks += 1

dist.barrier()
dist.destroy_process_group()
assert not dist.is_initialized()
print(f"rank {rank}: {checks} collective checks passed", flush=True)
sys.exit(0)
