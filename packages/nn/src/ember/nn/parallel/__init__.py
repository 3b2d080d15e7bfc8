"""``ember.nn.parallel``: data parallelism over the devices of one backend (``DataParallel``) and
across processes (``DistributedDataParallel``, which needs ``ember.distributed``)."""

from ember.nn.parallel.data_parallel import DataParallel, gather, replicate, scatter
from ember.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DataParallel", "DistributedDataParallel", "replicate", "scatter", "gather"]
