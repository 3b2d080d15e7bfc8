"""Datasets: map-style (``Dataset``) and streams (``IterableDataset``), and ways to combine them."""

from __future__ import annotations

import bisect
import itertools
import math
import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar

import numpy as np

import ember
from ember.utils.data import batch_memory

__all__ = [
    "Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset",
    "Subset", "random_split",
]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """A map from keys (usually ``0 .. len-1``) to samples.

    Subclasses implement ``__getitem__`` and usually ``__len__`` (samplers and the
    DataLoader need it). They may implement ``__getitems__(indices)`` returning the list of
    samples for a whole batch at once, which the DataLoader then uses instead of calling
    ``__getitem__`` once per index.

    Example::

        >>> class Squares(Dataset):
        ...     def __len__(self): return 10
        ...     def __getitem__(self, i): return i * i
        >>> Squares()[3]
        9
    """

    def __getitem__(self, index) -> T_co:
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: Dataset[T_co]) -> ConcatDataset[T_co]:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co], Iterable[T_co]):
    """A dataset that is a stream of samples: subclasses implement ``__iter__``.

    With ``num_workers > 0`` every worker gets its own copy of the dataset and iterates it,
    so without sharding each sample arrives once per worker. Shard with
    :func:`~ember.utils.data.get_worker_info`, either in ``__iter__`` or in a
    ``worker_init_fn``::

        >>> class Range(IterableDataset):
        ...     def __init__(self, start, end):
        ...         self.start, self.end = start, end
        ...     def __iter__(self):
        ...         info = get_worker_info()
        ...         if info is None:                       # loading in the main process
        ...             return iter(range(self.start, self.end))
        ...         per_worker = math.ceil((self.end - self.start) / info.num_workers)
        ...         lo = self.start + info.id * per_worker
        ...         return iter(range(lo, min(lo + per_worker, self.end)))
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: Dataset[T_co]) -> ChainDataset:
        return ChainDataset([self, other])


def _row(tensor, index):
    # CPU rows come straight from the NumPy array: a view, as tensor[index] is
    if tensor.device.type == "cpu" and not tensor.requires_grad:
        row = tensor.numpy()[index]
        return ember.from_numpy(row if isinstance(row, np.ndarray) else np.asarray(row))
    return tensor[index]


class TensorDataset(Dataset[tuple]):
    """Dataset wrapping tensors: sample ``i`` is ``tuple(t[i] for t in tensors)``.

    Arguments:
        *tensors (Tensor): tensors that have the same size of the first dimension.

    With the default ``collate_fn`` the DataLoader gathers a whole batch with one NumPy
    ``take`` per tensor (into shared memory inside a worker) instead of stacking rows.

    Example::

        >>> ds = TensorDataset(ember.arange(6).reshape(3, 2), ember.tensor([0, 1, 0]))
        >>> ds[1]
        (tensor([2, 3]), tensor(1))
    """

    def __init__(self, *tensors) -> None:
        if any(tensors[0].size(0) != tensor.size(0) for tensor in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(_row(tensor, index) for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].size(0)

    def _collated_getitems(self, indices):
        """``default_collate([self[i] for i in indices])``, gathered in one go; None if it can't."""
        if not all(t.device.type == "cpu" and not t.requires_grad for t in self.tensors):
            return None
        idx = np.asarray(indices)
        if idx.ndim != 1 or idx.dtype.kind not in "iu":
            return None
        n = len(self)
        if idx.size and (idx.max() >= n or idx.min() < -n):
            bad = int(idx.max()) if idx.max() >= n else int(idx.min())
            raise IndexError(f"index {bad} is out of bounds for dimension 0 with size {n}")
        out = []
        for t in self.tensors:
            src = t.numpy()
            dst = batch_memory.empty((idx.size, *src.shape[1:]), src.dtype)
            np.take(src, idx, axis=0, out=dst, mode="wrap")
            out.append(ember.from_numpy(dst))
        return out


class StackDataset(Dataset):
    """Dataset whose samples combine the samples of several datasets of the same length.

    Arguments:
        *args (Dataset): datasets whose samples form a tuple.
        **kwargs (Dataset): datasets whose samples form a dict.

    Example::

        >>> images, texts = ImageDataset(), TextDataset()
        >>> StackDataset(images, texts)[0]                   # (image, text)
        >>> StackDataset(image=images, text=texts)[0]        # {"image": ..., "text": ...}
    """

    def __init__(self, *args: Dataset, **kwargs: Dataset) -> None:
        if args:
            if kwargs:
                raise ValueError("Supported either ``tuple``- (via ``args``) or"
                                 "``dict``- (via ``kwargs``) like input/output, but both types are given.")
            datasets = args
        elif kwargs:
            datasets = kwargs
        else:
            raise ValueError("At least one dataset should be passed")
        parts = list(datasets.values()) if isinstance(datasets, dict) else list(datasets)
        self._length = len(parts[0])
        if any(self._length != len(d) for d in parts):
            raise ValueError("Size mismatch between datasets")
        self.datasets = datasets

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __getitems__(self, indices: list):
        def column(dataset):
            getitems = getattr(dataset, "__getitems__", None)
            if callable(getitems):
                items = getitems(indices)
                if len(items) != len(indices):
                    raise ValueError(f"Nested dataset's output size mismatch. Expected {len(indices)}, "
                                     f"got {len(items)}")
                return items
            return [dataset[i] for i in indices]

        if isinstance(self.datasets, dict):
            columns = {k: column(d) for k, d in self.datasets.items()}
            return [{k: columns[k][j] for k in columns} for j in range(len(indices))]
        return list(zip(*(column(d) for d in self.datasets)))

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset[T_co]):
    """The concatenation of several map-style datasets.

    Arguments:
        datasets (sequence): the datasets, in order.
    """

    @staticmethod
    def cumsum(sequence) -> list[int]:
        return list(itertools.accumulate(len(e) for e in sequence))

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        dataset_idx = bisect.bisect_right(self.cumulative_sizes, idx)
        sample_idx = idx if dataset_idx == 0 else idx - self.cumulative_sizes[dataset_idx - 1]
        return self.datasets[dataset_idx][sample_idx]


class ChainDataset(IterableDataset):
    """Iterable datasets chained one after the other, lazily.

    Arguments:
        datasets (iterable of IterableDataset): the streams, in order.
    """

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        total = 0
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            total += len(d)
        return total


class Subset(Dataset[T_co]):
    """The samples of ``dataset`` at ``indices``, in that order.

    Arguments:
        dataset (Dataset): the whole dataset.
        indices (sequence): indices in the whole dataset selected for the subset.
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        if type(self).__getitem__ is not Subset.__getitem__ and type(self).__getitems__ is Subset.__getitems__:
            raise NotImplementedError(
                f"{type(self).__name__} overrides __getitem__ but not __getitems__. When subclassing Subset and "
                "overriding __getitem__, you must also override __getitems__ to ensure DataLoader works correctly "
                "with your custom logic. A simple implementation:\n\n"
                "def __getitems__(self, indices):\n    return [self.__getitem__(idx) for idx in indices]")

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def _collated_getitems(self, indices):
        gather = getattr(self.dataset, "_collated_getitems", None)
        if gather is None or type(self).__getitems__ is not Subset.__getitems__:
            return None
        return gather([self.indices[i] for i in indices])


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator=None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping subsets of the given lengths.

    Arguments:
        dataset (Dataset): dataset to split.
        lengths (sequence): lengths, or fractions summing to 1. Fractions become
            ``floor(frac * len(dataset))`` and the remainder is handed out one by one,
            round-robin, from the first split.
        generator (Generator): source of the permutation (default: ember's default generator).

    Example::

        >>> train, val = random_split(range(10), [0.8, 0.2], generator=ember.Generator().manual_seed(42))
        >>> len(train), len(val)
        (8, 2)
    """
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        subset_lengths = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            subset_lengths.append(math.floor(len(dataset) * frac))
        remainder = len(dataset) - sum(subset_lengths)
        for i in range(remainder):
            subset_lengths[i % len(subset_lengths)] += 1
        lengths = subset_lengths
        for i, length in enumerate(lengths):
            if length == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    indices = ember.randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[offset - length:offset])
            for offset, length in zip(itertools.accumulate(lengths), lengths)]
