"""Run under mpirun: the last rank fails (``raise`` or ``kill`` in argv[1]) while the others sit in a
collective that can never complete; the job must end with an error instead of hanging."""

import os
import signal
import sys

import ember
import ember.distributed as dist

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
dist.barrier()
if rank == world - 1:
    if sys.argv[1] == "raise":
        raise ValueError(f"rank {rank} gives up on purpose")
    os.kill(os.getpid(), signal.SIGKILL)
t = ember.ones(3)
dist.all_reduce(t)  # never completes: the last rank is gone
print("unreachable: the all_reduce completed without the last rank", flush=True)
