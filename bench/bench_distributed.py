"""ember.distributed: DDP training steps on 2 ranks against PyTorch's DDP on gloo, and a 25 MB
all-reduce against raw mpi4py.

Targets: DDP step time at most 1.0x PyTorch's (gloo, 2 ranks, same job); all-reduce of a 25 MB
float32 tensor at least 0.9x raw mpi4py's throughput (time ratio at most 1/0.9).
``cases()`` runs this file under ``mpirun -n 2`` (``--worker``): every rank times its steps between
barriers; the figures are medians of 3 runs (ember's and PyTorch's runs take turns: the machine is
shared), each the slowest rank's time per step, printed by rank 0 as JSON.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from run import Case

WORKLOADS = {  # name: (per-rank batch, input shape, optimizer)
    "MLP 784-512-512-10": (256, (784,), "sgd"),
    "LeNet-5 1x28x28": (64, (1, 28, 28), "adam"),
}


def _build(lib, name):
    nn = lib.nn
    if name.startswith("MLP"):
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def _median_steps(steps_by_key: dict, barrier, reduce_max, steps=20, repeat=3) -> dict:
    """Seconds per step of each workload: the median of ``repeat`` timed runs of ``steps`` steps,
    the workloads taking turns (the machine is shared: a load spike hits them alike), each run
    between barriers and counted as its slowest rank's time."""
    for step in steps_by_key.values():
        for _ in range(3):
            step()
    runs = {key: [] for key in steps_by_key}
    for _ in range(repeat):
        for key, step in steps_by_key.items():
            barrier()
            t0 = time.perf_counter()
            for _ in range(steps):
                step()
            barrier()
            runs[key].append(reduce_max((time.perf_counter() - t0) / steps))
    return {key: statistics.median(times) for key, times in runs.items()}


def worker() -> None:
    import torch
    import torch.distributed as tdist
    from mpi4py import MPI

    import ember
    import ember.distributed as dist
    from ember.nn.parallel import DistributedDataParallel

    torch.set_num_threads(1)
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    port = [29500 + os.getpid() % 1000] if rank == 0 else [None]
    dist.broadcast_object_list(port, src=0)
    tdist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port[0]}", rank=rank,
                             world_size=dist.get_world_size())
    comm = MPI.COMM_WORLD

    def reduce_max(x):
        return comm.allreduce(x, op=MPI.MAX)

    results = {}
    rng = np.random.default_rng(rank)
    for name, (batch, shape, opt) in WORKLOADS.items():
        x = rng.standard_normal((batch, *shape)).astype(np.float32)
        y = rng.integers(0, 10, batch)
        steps = {}
        for lib, ddp_cls, key in ((ember, DistributedDataParallel, "ember"),
                                  (torch, torch.nn.parallel.DistributedDataParallel, "torch")):
            lib.manual_seed(0)
            model = ddp_cls(_build(lib, name))
            optim = (lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9) if opt == "sgd"
                     else lib.optim.Adam(model.parameters(), lr=1e-3))
            loss_fn = lib.nn.CrossEntropyLoss()
            lx, ly = lib.from_numpy(x), lib.from_numpy(y)

            def step(model=model, optim=optim, loss_fn=loss_fn, lx=lx, ly=ly):
                optim.zero_grad()
                loss_fn(model(lx), ly).backward()
                optim.step()
            steps[f"{name}/{key}"] = step
        results.update(_median_steps(steps, comm.Barrier, reduce_max))

    big = np.random.default_rng(rank).standard_normal(25 * 2**20 // 4).astype(np.float32)
    t = ember.from_numpy(big.copy())
    raw = big.copy()
    pg = dist.group.WORLD
    results.update(_median_steps({"allreduce/ember": lambda: dist.all_reduce(t),
                                  "allreduce/mpi4py": lambda: comm.Allreduce(MPI.IN_PLACE, raw),
                                  "allreduce/unchecked": lambda: pg.allreduce(t._data, dist.ReduceOp.SUM, wait=True)},
                                 comm.Barrier, reduce_max, steps=5))
    small = ember.ones(1024)  # 4 KB: the consistency check's own cost shows
    results.update({f"small {k}": v for k, v in _median_steps(
        {"allreduce/ember": lambda: dist.all_reduce(small),
         "allreduce/unchecked": lambda: pg.allreduce(small._data, dist.ReduceOp.SUM, wait=True)},
        comm.Barrier, reduce_max, steps=200).items()})
    tdist.destroy_process_group()
    dist.destroy_process_group()
    if rank == 0:
        print("RESULTS " + json.dumps(results), flush=True)


def _run_job() -> dict:
    bin_dir = Path(sys.executable).parent
    mpirun = str(bin_dir / "mpirun") if (bin_dir / "mpirun").exists() else "mpirun"
    env = dict(os.environ, OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    out = subprocess.run([mpirun, "-n", "2", "--oversubscribe", sys.executable, __file__, "--worker"],
                         capture_output=True, text=True, env=env, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"the benchmark job failed:\n{out.stdout}\n{out.stderr}")
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULTS "))
    return json.loads(line[len("RESULTS "):])


def cases():
    r = _run_job()
    for name, (batch, _, opt) in WORKLOADS.items():
        yield Case(f"DDP step, 2 ranks: {name}, batch {batch}/rank, {opt.upper()} (vs torch DDP gloo)",
                   r[f"{name}/ember"], r[f"{name}/torch"], target=1.0)
    yield Case("all_reduce 25 MB float32, 2 ranks (vs raw mpi4py Allreduce)", r["allreduce/ember"],
               r["allreduce/mpi4py"], target=1 / 0.9, against="mpi4py")
    # what the always-on check that every rank calls the same collective costs: ember's all_reduce
    # against the same MPI call without it
    yield Case("all_reduce 25 MB with its consistency check (vs the same MPI call unchecked)", r["allreduce/ember"],
               r["allreduce/unchecked"], target=1.05, against="unchecked")
    yield Case("all_reduce 4 KB with its consistency check (vs the same MPI call unchecked)",
               r["small allreduce/ember"], r["small allreduce/unchecked"], against="unchecked")


if __name__ == "__main__" and "--worker" in sys.argv:
    worker()
