"""Samplers: the order in which a DataLoader visits a map-style dataset.

Samplers that draw a new order every epoch (``RandomSampler``, ``SubsetRandomSampler``,
``WeightedRandomSampler``) remember how they drew the current one. ``state_dict()`` returns
that recipe and ``load_state_dict()`` makes the next ``iter()`` replay the same order, which
is how ``DataLoader.state_dict()`` resumes mid-epoch. Without a generator, the order of an
epoch comes from a seed drawn from ember's default generator; with one, from the generator.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Generic, TypeVar

import numpy as np

import ember

__all__ = [
    "Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler",
    "BatchSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class: an iterable over dataset indices (or lists of indices), usually with ``__len__``."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError


def draw_seed(generator=None) -> int:
    """A 63-bit seed drawn from ``generator`` (ember's default generator if None)."""
    return int(ember.empty((), dtype=ember.int64).random_(generator=generator).item())


class _ReshuffledEachEpoch:
    """Mixin for samplers whose order is drawn afresh by each ``iter()``; see the module doc."""

    generator = None
    _recipe = None      # how the current epoch's order was drawn
    _replay = None      # a recipe loaded by load_state_dict, used by the next iter()

    def _epoch_generator(self):
        recipe, self._replay = self._replay, None
        replaying = recipe is not None
        if not replaying:
            recipe = ("seed", draw_seed()) if self.generator is None else ("state", self.generator.get_state())
        self._recipe = recipe
        if recipe[0] == "seed":
            return ember.Generator().manual_seed(recipe[1])
        if self.generator is None:
            raise ValueError("this sampler state was saved from a sampler with a generator; give this one a "
                             "generator too")
        if replaying:
            self.generator.set_state(recipe[1])
        return self.generator

    def state_dict(self) -> dict:
        """How the order of the current epoch was drawn, and the generator's current state."""
        return {"epoch_rng": self._recipe,
                "generator_state": None if self.generator is None else self.generator.get_state()}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the generator; if an epoch recipe is given, the next ``iter()`` replays that order."""
        if state_dict.get("generator_state") is not None and self.generator is not None:
            self.generator.set_state(state_dict["generator_state"])
        self._replay = state_dict.get("epoch_rng")


class SequentialSampler(Sampler[int]):
    """Samples elements sequentially, always in the same order.

    Arguments:
        data_source (Sized): data source to sample from. Must implement ``__len__``.
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(_ReshuffledEachEpoch, Sampler[int]):
    """Samples elements randomly: a shuffle, or draws with replacement.

    Arguments:
        data_source (Sized): data source to sample from. Must implement ``__len__``.
        replacement (bool): draw with replacement. Default: ``False``.
        num_samples (int): number of samples to draw. Default: ``len(data_source)``; without
            replacement, more than that concatenates several permutations.
        generator (Generator): generator used in sampling.

    Example::

        >>> list(RandomSampler(range(5), generator=ember.Generator().manual_seed(0)))  # a permutation
    """

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        rng = self._epoch_generator()._rng
        if self.replacement:
            order = rng.integers(0, n, size=self.num_samples)
        else:
            order = np.concatenate([rng.permutation(n) for _ in range(-(-self.num_samples // n))] or
                                   [np.empty(0, np.int64)])[:self.num_samples]
        return iter(order.tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(_ReshuffledEachEpoch, Sampler[int]):
    """Samples elements randomly from a given list of indices, without replacement.

    Arguments:
        indices (sequence): a sequence of indices.
        generator (Generator): generator used in sampling.
    """

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        order = self._epoch_generator()._rng.permutation(len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(_ReshuffledEachEpoch, Sampler[int]):
    """Samples ``[0, .., len(weights)-1]`` with the given (unnormalised) probabilities.

    Arguments:
        weights (sequence): a sequence of weights, not necessarily summing up to one.
        num_samples (int): number of samples to draw.
        replacement (bool): draw with replacement. Without it an index is drawn at most once.
        generator (Generator): generator used in sampling.

    Example::

        >>> list(WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5, replacement=True))
        [4, 4, 1, 4, 5]
    """

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator=None) -> None:
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights_tensor = ember.as_tensor(np.asarray(weights, dtype=np.float64))
        if len(weights_tensor.shape) != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(weights_tensor.shape)}")
        self.weights = weights_tensor
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        drawn = ember.multinomial(self.weights, self.num_samples, self.replacement,
                                  generator=self._epoch_generator())
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Wraps another sampler to yield mini-batches of indices.

    Arguments:
        sampler (Sampler or Iterable): base sampler.
        batch_size (int): size of mini-batch.
        drop_last (bool): drop the last batch if it would be smaller than ``batch_size``.

    Example::

        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
        >>> list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True))
        [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        it = iter(self.sampler)   # draws the epoch's order now, so state_dict() sees it
        return self._batches(it)

    def _batches(self, it):
        if self.drop_last:
            for batch in zip(*[it] * self.batch_size):
                yield [*batch]
        else:
            batch = [*itertools.islice(it, self.batch_size)]
            while batch:
                yield batch
                batch = [*itertools.islice(it, self.batch_size)]

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size

    def state_dict(self) -> dict:
        """The wrapped sampler's state (empty if it keeps none)."""
        inner = getattr(self.sampler, "state_dict", None)
        return {"sampler": inner()} if callable(inner) else {}

    def load_state_dict(self, state_dict: dict) -> None:
        if "sampler" in state_dict:
            self.sampler.load_state_dict(state_dict["sampler"])
