"""Run under mpirun: ranks all-reduce tensors of different sizes (without the debug check).
MPI's truncation error must surface as a DistBackendError that says what to do, and end the job.
(A much larger mismatch can make Open MPI's non-blocking engine abort the process itself: the job
still ends, with MPI's message instead of ember's.)"""

import ember
import ember.distributed as dist

dist.init_process_group("mpi")
t = ember.ones(1000 + dist.get_rank())
dist.all_reduce(t)
print("unreachable: the mismatched all_reduce completed", flush=True)
