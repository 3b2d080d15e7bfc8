"""``ember.distributed``: processes that train together, with ``torch.distributed``'s API.

Collectives run on MPI through mpi4py (``pip install 'ember-core[mpi]'``), loaded only when
``init_process_group`` creates a process group. Start the processes with ``mpirun -n N python
script.py`` or ``python -m ember.distributed.run --nproc-per-node N script.py``. Other
collective backends plug in through the ``ember_register_collective_backends`` hook.

Example::

    import ember
    import ember.distributed as dist

    dist.init_process_group("mpi")
    t = ember.ones(3) * dist.get_rank()
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    dist.destroy_process_group()
"""

from ember.distributed.backend_registry import registry as backend_registry
from ember.distributed.collectives import (
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    all_to_all,
    all_to_all_single,
    barrier,
    broadcast,
    gather,
    reduce,
    reduce_scatter,
    reduce_scatter_tensor,
    scatter,
)
from ember.distributed.errors import DistBackendError, DistError, DistNetworkError
from ember.distributed.groups import (
    GroupMember,
    default_pg_timeout,
    destroy_process_group,
    get_backend,
    get_global_rank,
    get_group_rank,
    get_process_group_ranks,
    get_rank,
    get_world_size,
    group,
    init_process_group,
    is_available,
    is_backend_available,
    is_initialized,
    is_mpi_available,
    new_group,
)
from ember.distributed.monitored import monitored_barrier
from ember.distributed.objects import all_gather_object, broadcast_object_list, gather_object, scatter_object_list
from ember.distributed.p2p import P2POp, batch_isend_irecv, irecv, isend, recv, send
from ember.distributed.process_group import ProcessGroup
from ember.distributed.reduce_op import ReduceOp
from ember.distributed.work import Work

__all__ = [
    "ReduceOp", "ProcessGroup", "Work", "GroupMember", "group", "backend_registry", "default_pg_timeout",
    "DistError", "DistBackendError", "DistNetworkError",
    "init_process_group", "destroy_process_group", "is_available", "is_initialized", "is_mpi_available",
    "is_backend_available", "get_rank", "get_world_size", "get_backend", "new_group", "get_process_group_ranks",
    "get_group_rank", "get_global_rank",
    "all_reduce", "broadcast", "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter_tensor",
    "gather", "scatter", "all_to_all_single", "all_to_all", "reduce_scatter", "barrier", "monitored_barrier",
    "send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv",
    "broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list",
]
