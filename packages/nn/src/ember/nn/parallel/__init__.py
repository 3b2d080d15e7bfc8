"""``ember.nn.parallel``: data parallelism over the devices of one backend."""

from ember.nn.parallel.data_parallel import DataParallel, gather, replicate, scatter

__all__ = ["DataParallel", "replicate", "scatter", "gather"]
