"""Iterating a DataLoader: what every loader iterator shares, and the one that loads in the calling process.

``worker_pool.MultiProcessIterator`` is the other one. ``DataLoader.__iter__`` picks between
them; the iterators read the loader's settings and epoch, never import it.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

from ember.utils.data.fetch import IterableFetcher, MapFetcher
from ember.utils.data.pin_memory import accelerator_backend, pin_memory

if TYPE_CHECKING:
    from ember.utils.data.dataloader import DataLoader


class LoaderIterator:
    """What the single- and multi-process iterators share: epochs, progress, pinning, length."""

    def __init__(self, loader: DataLoader) -> None:
        self._dataset = loader.dataset
        self._iterable = loader._iterable
        self._auto_collation = loader._auto_collation
        self._collate_fn = loader.collate_fn
        self._drop_last = loader.drop_last
        self._batch_size = loader.batch_size
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._index_sampler = loader._index_sampler
        self._pin_backend = None
        if loader.pin_memory:
            self._pin_backend = accelerator_backend(loader.pin_memory_device)
            if self._pin_backend is None:
                warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device "
                              "pinned memory won't be used.", stacklevel=3)
        self._epoch = loader._begin_epoch()

    def __iter__(self):
        return self

    def __len__(self) -> int:
        if self._iterable:
            length = len(self._dataset)
            if self._batch_size is not None:
                length = length // self._batch_size if self._drop_last else math.ceil(length / self._batch_size)
            return length
        return len(self._index_sampler)

    def __next__(self):
        try:
            data, worker = self._next_data()
        except StopIteration:
            self._epoch.progress.finished = True
            raise
        progress = self._epoch.progress
        progress.batches_yielded += 1
        if worker is not None and self._iterable:
            progress.worker_batches[worker] += 1
        if self._pin_backend is not None:
            data = pin_memory(data, self._pin_backend)
        return data

    def _next_data(self):
        """The next batch and the worker that made it (None in the main process)."""
        raise NotImplementedError


class SingleProcessIterator(LoaderIterator):
    """Loads every batch in the calling process."""

    def __init__(self, loader: DataLoader) -> None:
        super().__init__(loader)
        fetcher_type = IterableFetcher if self._iterable else MapFetcher
        self._fetcher = fetcher_type(self._dataset, self._auto_collation, self._collate_fn, self._drop_last,
                                     self._batch_size)
        if self._iterable and self._epoch.worker_skip[0]:
            self._fetcher.skip(self._epoch.worker_skip[0])
        self._sampler_iter = self._epoch.sampler_iter

    def _next_data(self):
        index = next(self._sampler_iter)
        return self._fetcher.fetch(index), None
