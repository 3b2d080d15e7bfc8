"""Run under mpirun: DistributedDataParallel against a single process training on the whole batch.

Every rank trains a reference copy of the model on the full batch itself, so it can compare
its DDP replica with it after every step.
"""

import copy
import sys
import warnings

import numpy as np

import ember
import ember.distributed as dist
import ember.nn.functional as F
from ember import nn
from ember.nn.parallel import DistributedDataParallel as DDP
from ember.utils.data import DataLoader, DistributedSampler, TensorDataset

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
B = 4  # samples per rank


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 3, 3)
        self.fc1 = nn.Linear(3 * 6 * 6, 16)
        self.fc2 = nn.Linear(16, 5)
        self.extra = nn.Linear(16, 5)

    def forward(self, x, use_extra=False):
        h = ember.tanh(self.fc1(ember.relu(self.conv(x)).flatten(1)))
        out = self.fc2(h)
        return out + self.extra(h) if use_extra else out


def batch(step, n):
    rng = np.random.default_rng(100 + step)
    x = rng.standard_normal((n, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 5, n)
    return ember.from_numpy(x), ember.from_numpy(y)


def local(t):
    return t[rank * B:(rank + 1) * B]


def assert_close(a, b, what, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=rtol, atol=atol, err_msg=what)


def same_on_all_ranks(params, what):
    flat = ember.cat([p.detach().reshape(-1) for p in params])
    everyone = ember.zeros(world, flat.numel())
    dist.all_gather_into_tensor(everyone, flat)
    for r in range(world):
        assert np.array_equal(everyone[r].numpy(), flat.numpy()), f"{what}: rank {r} differs from rank {rank}"


def train_against_reference(bucket_cap_mb, make_opt, steps=4):
    ember.manual_seed(0)
    model = Net()
    reference = copy.deepcopy(model)
    if rank != 0:  # DDP must start every rank from rank 0's parameters
        with ember.no_grad():
            for p in model.parameters():
                p.add_(1.0)
    ddp = DDP(model, bucket_cap_mb=bucket_cap_mb, find_unused_parameters=True)
    assert ddp.module is model
    opt, ref_opt = make_opt(ddp.parameters()), make_opt(reference.parameters())
    for step in range(steps):
        x, y = batch(step, world * B)
        opt.zero_grad()
        F.cross_entropy(ddp(local(x)), local(y)).backward()
        ref_opt.zero_grad()
        F.cross_entropy(reference(x), y).backward()
        for (name, p), q in zip(model.named_parameters(), reference.parameters()):
            if name.startswith("extra"):
                assert p.grad is None
                continue
            assert_close(p.grad, q.grad, f"grad of {name} at step {step} (bucket_cap_mb={bucket_cap_mb})")
        opt.step()
        ref_opt.step()
        same_on_all_ranks(list(model.parameters()), f"parameters after step {step}")
    for (name, p), q in zip(model.named_parameters(), reference.parameters()):
        assert_close(p, q, f"{name} after {steps} steps")
    return ddp


# the unused 'extra' layer never gets a gradient: without find_unused_parameters that is an error ...
ember.manual_seed(0)
try:
    strict = DDP(Net())
    x, y = batch(0, world * B)
    F.cross_entropy(strict(local(x)), local(y)).backward()
    raise AssertionError("a parameter without a gradient must be reported")
except RuntimeError as exc:
    assert "extra.weight" in str(exc) and "find_unused_parameters" in str(exc), exc

# ... so the runs below pass find_unused_parameters=True: gradients equal the full-batch run's,
# with one bucket for the whole model or many small ones
checks = 0
for cap in (25, 0.0002):
    ember.manual_seed(0)
    probe = DDP(Net(), bucket_cap_mb=cap, find_unused_parameters=True)
    assert (len(probe._buckets) > 2) == (cap < 1), (cap, len(probe._buckets))
ddp = train_against_reference(25, lambda ps: ember.optim.SGD(ps, lr=0.1, momentum=0.9))
train_against_reference(0.0002, lambda ps: ember.optim.Adam(ps, lr=0.01))
checks += 3
assert list(ddp.state_dict())[0].startswith("module."), list(ddp.state_dict())
assert set(ddp.state_dict()) == {"module." + k for k in ddp.module.state_dict()}

# overlap: with small buckets, the first all-reduce starts while backward still computes gradients
ember.manual_seed(0)
ddp = DDP(Net(), bucket_cap_mb=0.0002, find_unused_parameters=True)
launches = []
start = ddp._pg.allreduce


def recording(buf, op, **kwargs):
    launches.append(sum(ddp._ready))  # gradients ready when this bucket starts
    return start(buf, op, **kwargs)


ddp._pg.allreduce = recording
x, y = batch(30, world * B)
F.cross_entropy(ddp(local(x)), local(y)).backward()
ddp._pg.allreduce = start
n_params = len(list(ddp.parameters()))
assert len(launches) == len(ddp._buckets) + 1, launches  # every bucket, then the used-parameter exchange
unused = 2  # extra.weight and extra.bias: marked ready at forward, their bucket starts then
during_backward = [n for n in launches[:-1] if unused < n < n_params]
assert len(during_backward) >= 2, f"buckets must start while backward still computes gradients: {launches}"
checks += 1

# a parameter used on rank 0 only: every rank gets rank 0's gradient divided by the world size
ember.manual_seed(0)
model = Net()
reference = copy.deepcopy(model)
ddp = DDP(model, find_unused_parameters=True)
x, y = batch(9, world * B)
F.cross_entropy(ddp(local(x), use_extra=rank == 0), local(y)).backward()
ref_x, ref_y = x[:B], y[:B]
F.cross_entropy(reference(ref_x, use_extra=True), ref_y).backward()
for name in ("extra.weight", "extra.bias"):
    got = dict(model.named_parameters())[name].grad
    want = dict(reference.named_parameters())[name].grad / world
    assert got is not None, f"{name} was used on rank 0: every rank gets its average"
    assert_close(got, want, f"{name} used on rank 0 only")
checks += 1

# no_sync: the first micro-batch accumulates locally, the second backward averages the sum
ember.manual_seed(0)
model = Net()
reference = copy.deepcopy(model)
ddp = DDP(model, find_unused_parameters=True)
(x1, y1), (x2, y2) = batch(20, world * B), batch(21, world * B)
with ddp.no_sync():
    F.cross_entropy(ddp(local(x1)), local(y1)).backward()
alone = copy.deepcopy(reference)
F.cross_entropy(alone(local(x1)), local(y1)).backward()
assert_close(model.fc1.weight.grad, alone.fc1.weight.grad, "no_sync keeps the local gradient")
F.cross_entropy(ddp(local(x2)), local(y2)).backward()
(F.cross_entropy(reference(x1), y1) + F.cross_entropy(reference(x2), y2)).backward()
for (name, p), q in zip(model.named_parameters(), reference.parameters()):
    if not name.startswith("extra"):
        assert_close(p.grad, q.grad, f"{name} after no_sync accumulation")
checks += 1

# buffers follow rank 0 at every forward
bn = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
if rank != 0:
    with ember.no_grad():
        bn[1].running_mean.fill_(5.0)
ddp_bn = DDP(bn)
with ember.no_grad():
    bn[1].running_mean.fill_(float(rank))
ddp_bn.eval()
ddp_bn(ember.zeros(2, 4))
assert np.all(bn[1].running_mean.numpy() == 0.0), bn[1].running_mean
checks += 1

# forward_sync_buffers=False: synced at construction only; broadcast_buffers is deprecated
bn = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4))
with ember.no_grad():
    bn[1].running_mean.fill_(float(rank + 1))
ddp_bn = DDP(bn, forward_sync_buffers=False)
assert np.all(bn[1].running_mean.numpy() == 1.0) and not ddp_bn.broadcast_buffers
with ember.no_grad():
    bn[1].running_mean.fill_(float(rank + 1))
ddp_bn.eval()
ddp_bn(ember.zeros(2, 4))
assert np.all(bn[1].running_mean.numpy() == rank + 1)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    with ember.no_grad():
        bn[1].running_mean.fill_(float(rank + 1))
    DDP(bn, broadcast_buffers=False)
assert any(issubclass(w.category, FutureWarning) and "forward_sync_buffers" in str(w.message) for w in caught)
assert np.all(bn[1].running_mean.numpy() == rank + 1), "broadcast_buffers=False leaves buffers out of the init sync"
# bucket_cap_mb_list: one cap per bucket, the last repeating
ember.manual_seed(0)
sizes = [sum(p.numel() for p in b.params) * 4 for b in DDP(Net(), bucket_cap_mb_list=[0.0001, 0.01],
                                                          find_unused_parameters=True)._buckets]
# the first cap (104 bytes) closes after extra.bias and extra.weight (340 bytes); the rest fits in 10 KiB
assert sizes == [340, sum(p.numel() for p in Net().parameters()) * 4 - 340], sizes
checks += 2

# DistributedSampler takes its rank and size from the process group
data = TensorDataset(ember.arange(10))
sampler = DistributedSampler(data, shuffle=True, seed=3)
sampler.set_epoch(2)
mine = [int(v) for (b,) in DataLoader(data, batch_size=2, sampler=sampler) for v in b]
shares = [None] * world
dist.all_gather_object(shares, mine)
for r in range(world):
    explicit = DistributedSampler(data, num_replicas=world, rank=r, shuffle=True, seed=3)
    explicit.set_epoch(2)
    assert shares[r] == list(explicit), (r, shares)
assert set(sum(shares, [])) == set(range(10)) and all(len(s) == -(-10 // world) for s in shares), shares
checks += 1

# arguments are checked before any communication; a model that differs between ranks names both
for bad, error, match in (
        (lambda: DDP(nn.Linear(2, 2), device_ids=[0]), ValueError, "device_ids"),
        (lambda: DDP(nn.Linear(2, 2), bucket_cap_mb=0), ValueError, "bucket_cap_mb"),
        (lambda: DDP(nn.Linear(2, 2).requires_grad_(False)), RuntimeError, "doesn't have any parameter"),
        (lambda: DDP(nn.Linear(2 + rank, 2)), RuntimeError, "the model differs between ranks")):
    try:
        bad()
        raise AssertionError(f"expected {error.__name__} matching {match!r}")
    except error as exc:
        assert match in str(exc), exc
        if "differs" in match:
            other = 1 if rank == 0 else 0
            assert f"rank {rank} has parameters" in str(exc) and f"rank {other} has" in str(exc), exc
checks += 1

dist.destroy_process_group()
print(f"rank {rank}: {checks} DDP checks passed", flush=True)
sys.exit(0)
