"""Run under mpirun: the list forms (all_to_all, reduce_scatter, scatter_object_list), batched
point to point, monitored_barrier and the always-on check that every rank calls the same collective.

Each rank builds every rank's input from a seed, so it can compute the expected result itself.
"""

import datetime
import sys
import time

import numpy as np

import ember
import ember.distributed as dist
from ember.distributed import ReduceOp

dist.init_process_group("mpi", init_method="tcp://127.0.0.1:29400")  # under mpirun the address is not needed
rank, world = dist.get_rank(), dist.get_world_size()
assert dist.get_backend() == "mpi"
checks = 0


def data(r, shape, dtype=np.float32, seed=0):
    return np.random.default_rng(1000 * seed + r).standard_normal(shape).astype(dtype)


# all_to_all: rank i sends (i + j + 1) x 2 to rank j, so the sizes differ per pair
inputs = {(i, j): data(10 * i + j, (i + j + 1, 2)) for i in range(world) for j in range(world)}
outs = [ember.zeros(i + rank + 1, 2) for i in range(world)]
dist.all_to_all(outs, [ember.from_numpy(inputs[rank, j].copy()) for j in range(world)])
for i in range(world):
    np.testing.assert_array_equal(outs[i].numpy(), inputs[i, rank], err_msg=f"all_to_all from {i}")
work = dist.all_to_all(outs, [ember.from_numpy(inputs[rank, j].copy()) for j in range(world)], async_op=True)
work.wait()
assert work.is_completed() and outs[world - 1].numpy().shape == (world + rank, 2)
checks += 2

# ... and a receiver expecting another size than the sender sends: every rank names both sides
try:
    wrong = [ember.zeros(3 if (rank == 0 and i == world - 1) else 2) for i in range(world)]
    dist.all_to_all(wrong, [ember.zeros(2) for _ in range(world)])
    raise AssertionError("mismatched all_to_all sizes must raise")
except dist.DistBackendError as exc:
    assert f"rank {world - 1} sends 2 element(s) to rank 0 but rank 0 expects 3 from rank {world - 1}" in str(exc), exc
checks += 1

# reduce_scatter (list): rank i gets the reduction of everyone's i-th tensor
for op in (ReduceOp.SUM, ReduceOp.MAX, ReduceOp.AVG):
    lists = [[data(r, (2, 3), seed=40 + j) for j in range(world)] for r in range(world)]
    out = ember.zeros(2, 3)
    dist.reduce_scatter(out, [ember.from_numpy(a.copy()) for a in lists[rank]], op=op)
    mine = np.stack([lists[r][rank] for r in range(world)]).astype(np.float64)
    want = {ReduceOp.SUM: mine.sum(0), ReduceOp.MAX: mine.max(0), ReduceOp.AVG: mine.mean(0)}[op]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6, atol=1e-6, err_msg=f"reduce_scatter {op}")
    checks += 1

# scatter_object_list from the last rank
got = [None]
sent = [{"rank": r, "w": ember.full((2,), float(r))} for r in range(world)] if rank == world - 1 else None
dist.scatter_object_list(got, sent, src=world - 1)
assert got[0]["rank"] == rank and got[0]["w"].tolist() == [float(rank)] * 2, got
checks += 1

# batch_isend_irecv: a ring in both directions, every operation posted before any wait
nxt, prv = (rank + 1) % world, (rank - 1) % world
from_prv, from_nxt = ember.zeros(3), ember.zeros(3)
ops = [dist.P2POp(dist.isend, ember.full((3,), float(rank)), nxt),
       dist.P2POp(dist.irecv, from_prv, prv),
       dist.P2POp(dist.isend, ember.full((3,), 10.0 + rank), prv, tag=1),
       dist.P2POp(dist.irecv, from_nxt, nxt, tag=1)]
works = dist.batch_isend_irecv(ops)
assert len(works) == 4
for w in works:
    w.wait()
assert from_prv.tolist() == [float(prv)] * 3 and from_nxt.tolist() == [10.0 + nxt] * 3, (from_prv, from_nxt)
for bad, error in ((lambda: dist.P2POp(dist.send, ember.zeros(1), nxt), ValueError),
                   (lambda: dist.batch_isend_irecv([]), ValueError),
                   (lambda: dist.batch_isend_irecv([ops[0], "x"]), TypeError)):
    try:
        bad()
        raise AssertionError("must raise")
    except error:
        pass
checks += 2

# group ranks
sub = dist.new_group([world - 1, 0], sort_ranks=False)
if rank in (0, world - 1):
    assert dist.get_global_rank(sub, 0) == world - 1 and dist.get_group_rank(sub, world - 1) == 0
checks += 1

# monitored_barrier: everyone arrives; then the last rank is late and rank 0 names it
dist.monitored_barrier(timeout=datetime.timedelta(seconds=30))
if rank == world - 1:
    time.sleep(1.5)
    try:
        dist.monitored_barrier(timeout=datetime.timedelta(seconds=0.5))
        raise AssertionError("rank 0 gave up on this rank: its release never comes")
    except dist.DistBackendError as exc:
        assert "did not release" in str(exc), exc
elif rank == 0:
    try:
        dist.monitored_barrier(timeout=datetime.timedelta(seconds=0.5), wait_all_ranks=True)
        raise AssertionError("the last rank is late: must raise")
    except dist.DistBackendError as exc:
        assert f"rank(s) {world - 1} did not reach the barrier within 0.5 s" in str(exc), exc
else:
    try:
        dist.monitored_barrier(timeout=datetime.timedelta(seconds=3))
        raise AssertionError("rank 0 raised instead of releasing the others")
    except dist.DistBackendError as exc:
        assert "did not release" in str(exc), exc
dist.monitored_barrier(timeout=datetime.timedelta(seconds=30))  # the group still works afterwards
checks += 2

# always on: a shape, dtype, op or collective mismatch raises on every rank, naming both sides
other = 1 if rank == 0 else 0
for mine, what in ((lambda: dist.all_reduce(ember.zeros(3 + (rank == 0))), ("[4]", "[3]")),
                   (lambda: dist.broadcast(ember.zeros(2, dtype=ember.float64 if rank == 0 else ember.float32),
                                           src=0), ("float64", "float32")),
                   (lambda: dist.all_reduce(ember.zeros(2), op=ReduceOp.MAX if rank == 0 else ReduceOp.SUM),
                    ("op=MAX", "op=SUM")),
                   (lambda: dist.barrier() if rank == 0 else dist.all_reduce(ember.zeros(2)),
                    ("barrier()", "all_reduce(float32[2]")),
                   (lambda: dist.all_gather_into_tensor(ember.zeros(world * (2 + (rank == 0))),
                                                        ember.zeros(2 + (rank == 0))), ("[3]", "[2]"))):
    try:
        mine()
        raise AssertionError(f"a mismatch must raise ({what})")
    except dist.DistBackendError as exc:
        msg = str(exc)
        assert f"rank {rank} called" in msg and f"rank {other} called" in msg, msg
        assert all(w in msg for w in what), (what, msg)
    checks += 1
try:
    dist.new_group([0] if rank == 0 else [0, 1])
    raise AssertionError("new_group with different ranks must raise")
except dist.DistBackendError as exc:
    assert f"rank {rank} called new_group(ranks=" in str(exc) and f"rank {other} called" in str(exc), exc
checks += 1
t = ember.ones(3)
dist.all_reduce(t)  # the group still works after a mismatch was reported
assert t.tolist() == [float(world)] * 3
checks += 1

dist.destroy_process_group()
print(f"rank {rank}: {checks} list-form and check tests passed", flush=True)
sys.exit(0)
