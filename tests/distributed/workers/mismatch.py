"""Run under mpirun: ranks all-reduce tensors of different sizes. The check that runs before every
collective finds it before any data moves: every rank raises naming both sides, and the job ends."""

import ember
import ember.distributed as dist

dist.init_process_group("mpi")
t = ember.ones(1000 + dist.get_rank())
dist.all_reduce(t)
print("unreachable: the mismatched all_reduce completed", flush=True)
