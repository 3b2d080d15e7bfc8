"""The DataLoader worker process: its loop, its identity (``get_worker_info``) and its seeds.

Seeding. At start a worker seeds Python's ``random``, NumPy's global generator and ember's
default generator with ``base_seed + worker_id`` (``get_worker_info().seed``), then runs
``worker_init_fn``. Before each batch it reseeds all three from a seed derived from the
base seed and the batch's place in the epoch: batch ``j`` of a map-style dataset uses
``mix(base_seed, j)``; the ``j``-th batch a worker draws from an iterable dataset uses
``mix(base_seed, worker_id, j)``. The DataLoader draws ``base_seed`` from its ``generator``
every epoch. So augmentations differ across workers, batches and epochs; a seeded run
repeats exactly, whatever the scheduling; and a run resumed mid-epoch sees the batches it
would have seen.
"""

from __future__ import annotations

import os
import random
import signal
from dataclasses import dataclass
from multiprocessing.connection import wait

import numpy as np

import ember
from ember.utils.data import batch_memory
from ember.utils.data.channel import Channel, ChannelClosed
from ember.utils.data.fetch import IterableFetcher, MapFetcher, SampleError
from ember.utils.data.worker_error import WorkerError

__all__ = ["WorkerInfo", "get_worker_info"]

PARENT_CHECK_SECONDS = 2.0
_MASK64 = (1 << 64) - 1


class WorkerInfo:
    """What a worker knows about itself; read it with :func:`get_worker_info`.

    Attributes:
        id (int): this worker's number, ``0 .. num_workers - 1``.
        num_workers (int): how many workers the DataLoader has.
        seed (int): the seed this worker was started with, ``base_seed + id``.
        dataset: this worker's copy of the dataset.
    """

    def __init__(self, **kwargs) -> None:
        for k, v in kwargs.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_keys", tuple(kwargs))

    def __setattr__(self, key, val):
        raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={getattr(self, k)}" for k in self._keys)
        return f"{self.__class__.__name__}({items})"


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Information about the current DataLoader worker, or None in the main process.

    Use it in a dataset's ``__iter__`` to shard an IterableDataset, or in a
    ``worker_init_fn`` to configure each worker's copy of the dataset.

    Example::

        >>> def worker_init_fn(worker_id):
        ...     info = get_worker_info()
        ...     info.dataset.rng = np.random.default_rng(info.seed)
    """
    return _worker_info


def _splitmix64(x: int) -> int:
    x = (x + 0x9E3779B97F4A7C15) & _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def mix(*values: int) -> int:
    """A well-spread 63-bit seed from integers (splitmix64 chained over ``values``)."""
    x = 0
    for v in values:
        x = _splitmix64(x ^ (v & _MASK64))
    return x >> 1


def seed_all(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and ember's default generator."""
    random.seed(seed)
    np.random.seed((seed ^ (seed >> 32)) & 0xFFFFFFFF)   # an int seeds 20x faster than an array
    ember.manual_seed(seed)


@dataclass
class WorkerConfig:
    """Everything a worker needs, passed once when it starts."""

    dataset: object
    iterable: bool
    auto_collation: bool
    collate_fn: object
    drop_last: bool
    batch_size: int | None
    worker_init_fn: object
    worker_id: int
    num_workers: int
    parent_pid: int


class _Worker:
    def __init__(self, cfg: WorkerConfig, channel: Channel) -> None:
        self.cfg = cfg
        self.channel = channel
        self.initialized = False
        self.init_error: WorkerError | None = None     # from worker_init_fn: fails every task
        self.epoch_error: WorkerError | None = None    # from starting this epoch's iterator
        self.epoch = -1
        self.fetcher = None
        self.base_seed = 0
        self.produced = 0    # batches drawn from an iterable dataset this epoch

    def start_epoch(self, epoch: int, base_seed: int, skip: int) -> None:
        cfg = self.cfg
        self.epoch, self.base_seed, self.produced = epoch, base_seed, skip
        seed = base_seed + cfg.worker_id
        seed_all(seed)
        global _worker_info
        _worker_info = WorkerInfo(id=cfg.worker_id, num_workers=cfg.num_workers, seed=seed, dataset=cfg.dataset)
        if not self.initialized:    # worker_init_fn runs once per process, as in PyTorch
            self.initialized = True
            if cfg.worker_init_fn is not None:
                try:
                    cfg.worker_init_fn(cfg.worker_id)
                except Exception as exc:
                    self.init_error = WorkerError(exc, cfg.worker_id, "while running worker_init_fn")
        self.fetcher, self.epoch_error = None, None
        fetcher_type = IterableFetcher if cfg.iterable else MapFetcher
        try:
            self.fetcher = fetcher_type(cfg.dataset, cfg.auto_collation, cfg.collate_fn, cfg.drop_last,
                                        cfg.batch_size)
            if cfg.iterable and skip:
                self.fetcher.skip(skip)
        except Exception as exc:
            self.epoch_error = WorkerError(exc, cfg.worker_id, "while starting to iterate the dataset")

    def run_task(self, epoch: int, task_id: int, index) -> None:
        if epoch != self.epoch:
            return    # a task of an epoch the main process has abandoned
        error = self.init_error or self.epoch_error
        if error is not None:
            self.channel.send(("error", epoch, task_id, error))
            return
        cfg = self.cfg
        if cfg.iterable:
            seed_all(mix(self.base_seed, cfg.worker_id, self.produced))
        else:
            seed_all(mix(self.base_seed, task_id))
        try:
            data = self.fetcher.fetch(index, locate_errors=True)
        except StopIteration:
            self.channel.arena.discard()
            self.channel.send(("end", epoch, task_id))
            return
        except SampleError as err:
            self.channel.arena.discard()
            error = WorkerError(err.exc, cfg.worker_id, err.where, err.index)
            self.channel.send(("error", epoch, task_id, error))
            return
        except Exception as exc:
            self.channel.arena.discard()
            self.channel.send(("error", epoch, task_id, WorkerError(exc, cfg.worker_id, "while fetching a batch")))
            return
        self.produced += 1
        try:
            self.channel.send(("batch", epoch, task_id, data))
        except ChannelClosed:
            raise
        except Exception as exc:   # e.g. an object in the batch that cannot be pickled
            self.channel.send(("error", epoch, task_id,
                               WorkerError(exc, cfg.worker_id, "while sending the batch to the main process")))

    def parent_alive(self) -> bool:
        return os.getppid() == self.cfg.parent_pid


def worker_loop(sock, cfg: WorkerConfig, epoch: int, base_seed: int, skip: int, inherited: list[int]) -> None:
    """Entry point of a worker process: answer tasks until told to stop or orphaned.

    ``inherited`` are the main process's ends of earlier workers' sockets, which a forked
    child holds copies of; closing them lets those workers see the main process go away.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the main process's to handle
    for fd in inherited:
        try:
            os.close(fd)
        except OSError:
            pass
    arena = batch_memory.Arena(recycle=True)
    batch_memory.use_shared_memory(arena)
    worker = _Worker(cfg, Channel(sock, arena))
    worker.start_epoch(epoch, base_seed, skip)
    try:
        while True:
            if not wait([sock], PARENT_CHECK_SECONDS):
                if not worker.parent_alive():
                    return
                continue
            msg = worker.channel.recv()
            if msg is None:
                return
            if msg[0] == "task":
                worker.run_task(*msg[1:])
            elif msg[0] == "epoch":
                worker.start_epoch(*msg[1:])
    except (ChannelClosed, ConnectionResetError, BrokenPipeError):
        return   # the main process is gone or shut us down
    finally:
        sock.close()
