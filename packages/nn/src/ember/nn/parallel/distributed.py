"""``DistributedDataParallel``: one process per replica, gradients averaged by collectives.

It needs ``ember.distributed`` (ember-core's ``mpi`` extra) with an initialised process group.
Importing this module never requires it, so ``import ember.nn`` works without MPI.
"""

from __future__ import annotations

import importlib

from ember.nn.modules.module import Module

__all__ = ["DistributedDataParallel"]


def _distributed():
    """``ember.distributed``, or None when this installation has no such module."""
    try:
        return importlib.import_module("ember.distributed")
    except ImportError:
        return None


class DistributedDataParallel(Module):
    """Data parallelism across processes (PyTorch's ``nn.parallel.DistributedDataParallel``).

    Constructing one raises ``RuntimeError`` when ``ember.distributed`` is not installed or its
    default process group is not initialised, saying what to do.
    """

    def __init__(self, module: Module, *args, **kwargs) -> None:
        dist = _distributed()
        if dist is None:
            raise RuntimeError("DistributedDataParallel needs ember.distributed, which this installation does not "
                               "have; install ember-core with the 'mpi' extra (pip install 'ember-core[mpi]'), or use "
                               "nn.DataParallel for several devices in one process")
        is_initialized = getattr(dist, "is_initialized", None)
        if is_initialized is None or not is_initialized():
            raise RuntimeError("DistributedDataParallel needs an initialised default process group: call "
                               "ember.distributed.init_process_group(...) first")
        raise RuntimeError("this ember-nn has no DistributedDataParallel for the installed ember.distributed yet; "
                           "average gradients with ember.distributed.all_reduce after backward() instead")
