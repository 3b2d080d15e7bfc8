"""``DataLoader``: batches from a dataset, in the main process or in worker processes."""

from __future__ import annotations

import math
import multiprocessing
import os
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from ember.utils.data.collation import default_collate, default_convert
from ember.utils.data.dataset import Dataset, IterableDataset
from ember.utils.data.loader_iterator import SingleProcessIterator
from ember.utils.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, draw_seed
from ember.utils.data.worker_pool import MultiProcessIterator

__all__ = ["DataLoader"]

_FIXED_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class _InfiniteConstantSampler(Sampler):
    """The sampler of an IterableDataset: ``None`` forever (the dataset decides when to stop)."""

    def __iter__(self):
        while True:
            yield None


def _sampler_state(sampler):
    fn = getattr(sampler, "state_dict", None)
    return fn() if callable(fn) else None


def _load_sampler_state(sampler, state) -> None:
    fn = getattr(sampler, "load_state_dict", None)
    if state is not None and callable(fn):
        fn(state)


def _without_epoch_recipe(state):
    """A sampler state that restores generators but does not replay the saved epoch's order."""
    if isinstance(state, dict):
        return {k: (None if k == "epoch_rng" else _without_epoch_recipe(v)) for k, v in state.items()}
    return state


class EpochProgress:
    """How an epoch was started and how far it got: what ``DataLoader.state_dict()`` saves."""

    def __init__(self, base_seed: int, generator_state, sampler_state, num_workers: int) -> None:
        self.base_seed = base_seed
        self.generator_state = generator_state   # the loader generator's state before this epoch's draws
        self.sampler_state = sampler_state       # the sampler's state right after it drew this epoch's order
        self.batches_yielded = 0
        self.worker_batches = [0] * num_workers  # per worker, for iterable datasets
        self.finished = False


class Epoch:
    """What an iterator needs to run one epoch: seeds, the index iterator, where to resume."""

    def __init__(self, base_seed: int, sampler_iter, progress: EpochProgress, worker_skip: list[int]) -> None:
        self.base_seed = base_seed
        self.sampler_iter = sampler_iter
        self.progress = progress
        self.worker_skip = worker_skip


class DataLoader:
    """Combines a dataset and a sampler, and iterates over batches of the dataset.

    Arguments:
        dataset (Dataset): dataset from which to load the data.
        batch_size (int, optional): how many samples per batch. ``None`` turns batching off
            (the loader yields single samples, passed through ``collate_fn``). Default: ``1``.
        shuffle (bool, optional): reshuffle the data at every epoch. Default: ``False``.
        sampler (Sampler or Iterable, optional): the order of indices; excludes ``shuffle``.
        batch_sampler (Sampler or Iterable, optional): yields lists of indices; excludes
            ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``.
        num_workers (int, optional): worker processes for loading; ``0`` loads in the main
            process. Default: ``0``.
        collate_fn (Callable, optional): merges a list of samples into a batch. Default:
            :func:`default_collate` (or :func:`default_convert` without batching).
        pin_memory (bool, optional): copy batches into page-locked memory if the accelerator
            backend supports it; a no-op when only the CPU backend is present.
        drop_last (bool, optional): drop the last incomplete batch. Default: ``False``.
        timeout (numeric, optional): seconds to wait for a batch from the workers before
            raising ``RuntimeError``; ``0`` waits forever. Default: ``0``.
        worker_init_fn (Callable, optional): called with the worker id in each worker after
            it is seeded and before it loads data.
        multiprocessing_context (str or multiprocessing context, optional): how workers are
            started (``"fork"``, ``"spawn"``, ``"forkserver"``). Default: the platform's.
        generator (Generator, optional): draws the shuffle order and the workers' base seed.
        prefetch_factor (int, optional, keyword-only): batches loaded in advance per worker.
            Default: ``2`` with workers.
        persistent_workers (bool, optional, keyword-only): keep the workers alive between
            epochs (they are still reseeded every epoch). Default: ``False``.
        pin_memory_device (str, optional, keyword-only): the device to pin memory for.
        in_order (bool, optional, keyword-only): yield batches in sampler order. ``False``
            yields them as they arrive. Default: ``True``.

    Example::

        >>> loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True, num_workers=2)
        >>> for epoch in range(3):
        ...     for xb, yb in loader:
        ...         ...
        >>> checkpoint = loader.state_dict()           # mid-epoch is fine
        >>> loader.load_state_dict(checkpoint)         # the next iter() resumes there
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None, batch_sampler: Sampler | Iterable | None = None,
                 num_workers: int = 0, collate_fn: Callable[[list], Any] | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False, pin_memory_device: str = "", in_order: bool = True) -> None:
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._iterable = True
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._iterable = False

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                                 "and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with "
                             "drop_last")

        if sampler is None:
            if self._iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._iterator = None       # the live iterator, kept only with persistent workers
        self._progress: EpochProgress | None = None
        self._resume: dict | None = None
        self.__initialized = True
        self._check_worker_number_rationality()

    # -- configuration -------------------------------------------------------------------
    @property
    def multiprocessing_context(self):
        return self.__multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, multiprocessing_context) -> None:
        if multiprocessing_context is not None:
            if self.num_workers > 0:
                if isinstance(multiprocessing_context, str):
                    valid_start_methods = multiprocessing.get_all_start_methods()
                    if multiprocessing_context not in valid_start_methods:
                        raise ValueError(f"multiprocessing_context option should specify a valid start method in "
                                         f"{valid_start_methods!r}, but got "
                                         f"multiprocessing_context={multiprocessing_context!r}")
                    multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
                if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
                    raise TypeError(f"multiprocessing_context option should be a valid context object or a string "
                                    f"specifying the start method, but got "
                                    f"multiprocessing_context={multiprocessing_context}")
            else:
                raise ValueError(f"multiprocessing_context can only be used with multi-process loading "
                                 f"(num_workers > 0), but got num_workers={self.num_workers}")
        self.__multiprocessing_context = multiprocessing_context

    def __setattr__(self, attr, val) -> None:
        if self.__dict__.get("_DataLoader__initialized") and attr in _FIXED_AFTER_INIT:
            raise ValueError(f"{attr} attribute should not be set after {self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _check_worker_number_rationality(self) -> None:
        if self.num_workers == 0:
            return
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:
            cpus = os.cpu_count()
        if cpus is not None and self.num_workers > cpus:
            warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in total. Our suggested "
                          f"max number of worker in current system is {cpus}, which is smaller than what this "
                          f"DataLoader is going to create. Please be aware that excessive worker creation might get "
                          f"DataLoader running slow or even freeze, lower the worker number to avoid potential "
                          f"slowness/freeze if necessary.", stacklevel=3)

    # -- iteration -----------------------------------------------------------------------
    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def _get_iterator(self):
        if self.num_workers == 0:
            return SingleProcessIterator(self)
        return MultiProcessIterator(self)

    def __len__(self) -> int:
        if self._iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def _begin_epoch(self) -> Epoch:
        """Draw the epoch's base seed and order (or replay a loaded state's), and record how."""
        resume, self._resume = self._resume, None
        g = self.generator
        sampler = self._index_sampler
        batches_done, worker_skip = 0, [0] * self.num_workers
        if resume is not None and resume["in_epoch"]:
            if g is not None:
                g.set_state(resume["generator_state"])
            generator_state = resume["generator_state"]
            base_seed = draw_seed(g) if g is not None else resume["base_seed"]
            _load_sampler_state(sampler, resume["sampler"])
            batches_done = resume["batches_yielded"]
            if self._iterable and self.num_workers > 0:
                worker_skip = list(resume["worker_batches"])
        else:
            if resume is not None:
                if g is not None and resume["generator_state"] is not None:
                    g.set_state(resume["generator_state"])
                _load_sampler_state(sampler, _without_epoch_recipe(resume["sampler"]))
            generator_state = None if g is None else g.get_state()
            base_seed = draw_seed(g)
        sampler_iter = iter(sampler)
        progress = EpochProgress(base_seed, generator_state, _sampler_state(sampler), self.num_workers)
        progress.batches_yielded = batches_done
        progress.worker_batches = list(worker_skip)
        if not self._iterable:
            for _ in range(batches_done):
                if next(sampler_iter, None) is None:
                    break
        elif self.num_workers == 0:
            worker_skip = [batches_done]
        self._progress = progress
        return Epoch(base_seed, sampler_iter, progress, worker_skip)

    # -- checkpointing -------------------------------------------------------------------
    def state_dict(self) -> dict:
        """Where the loader is: enough for ``load_state_dict`` to resume at the next batch.

        Mid-epoch, it holds how the epoch's order and seeds were drawn and how many batches
        were yielded; the resumed loader replays the order, skips those batches without
        loading them (an IterableDataset's are drawn and discarded) and seeds the workers as
        the original run did. Between epochs it holds the generators' states.
        """
        p = self._progress
        if p is None or p.finished:
            g = self.generator
            return {"in_epoch": False, "generator_state": None if g is None else g.get_state(),
                    "sampler": _sampler_state(self._index_sampler)}
        return {"in_epoch": True, "base_seed": p.base_seed, "generator_state": p.generator_state,
                "sampler": p.sampler_state, "batches_yielded": p.batches_yielded,
                "worker_batches": list(p.worker_batches), "num_workers": self.num_workers}

    def load_state_dict(self, state_dict: dict) -> None:
        """Make the next ``iter()`` resume from ``state_dict`` (from :meth:`state_dict`)."""
        if state_dict.get("in_epoch"):
            if self._iterable and self.num_workers > 0 and state_dict["num_workers"] != self.num_workers:
                raise ValueError(f"this state was saved with num_workers={state_dict['num_workers']}; an "
                                 f"IterableDataset resumes only with the same number of workers (each worker's "
                                 f"stream is resumed), but this loader has num_workers={self.num_workers}")
            if (state_dict["generator_state"] is None) != (self.generator is None):
                raise ValueError("this state was saved from a DataLoader " +
                                 ("without" if state_dict["generator_state"] is None else "with") +
                                 " a generator; create this one the same way")
        self._resume = dict(state_dict)
        self._progress = None
