"""Started by the launcher: reports its rank, the environment it got and an all_reduce."""

import os
import sys

import ember
import ember.distributed as dist

dist.init_process_group("mpi", init_method="env://")
t = ember.tensor([float(dist.get_rank() + 1)])
dist.all_reduce(t)
print(f"hello rank={dist.get_rank()} world={dist.get_world_size()} env={os.environ['RANK']}/{os.environ['WORLD_SIZE']}"
      f" local={os.environ['LOCAL_RANK']} sum={t.item():g} args={sys.argv[1:]}", flush=True)
dist.destroy_process_group()
