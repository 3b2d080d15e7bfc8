"""Run under mpirun: the last rank fails (``raise`` or ``kill`` in argv[1]) while the others sit in a
collective that can never complete (an all_reduce, or DDP's backward with ``ddp`` in argv[2]); the
job must end with an error instead of hanging."""

import os
import signal
import sys

import ember
import ember.distributed as dist

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
ddp = None
if len(sys.argv) > 2 and sys.argv[2] == "ddp":  # the others wait in DDP's gradient all-reduce instead
    from ember import nn
    from ember.nn.parallel import DistributedDataParallel

    ddp = DistributedDataParallel(nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2)))
dist.barrier()
if rank == world - 1:
    if sys.argv[1] == "raise":
        raise ValueError(f"rank {rank} gives up on purpose")
    os.kill(os.getpid(), signal.SIGKILL)
if ddp is not None:
    ddp(ember.ones(4, 8)).sum().backward()  # never completes: the last rank is gone
else:
    t = ember.ones(3)
    dist.all_reduce(t)  # never completes: the last rank is gone
print("unreachable: the collective completed without the last rank", flush=True)
