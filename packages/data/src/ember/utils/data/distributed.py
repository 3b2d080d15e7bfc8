"""``DistributedSampler``: each of ``num_replicas`` processes loads its own share of a dataset."""

from __future__ import annotations

import math
from collections.abc import Iterator

import ember
from ember.utils.data.dataset import Dataset
from ember.utils.data.sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler[int]):
    """Restricts loading to the subset of a dataset that belongs to one replica (``rank``).

    Every replica draws the same permutation (from ``seed + epoch``) and takes every
    ``num_replicas``-th index starting at ``rank``, so the replicas' shares don't overlap.
    Call :meth:`set_epoch` at the start of each epoch to shuffle differently every epoch.

    Arguments:
        dataset: dataset used for sampling (needs ``__len__``).
        num_replicas (int): number of processes taking part. Default: the world size of
            ``ember.distributed``'s default process group.
        rank (int): rank of this process within ``num_replicas``. Default: this process's rank
            in the default process group.
        shuffle (bool): shuffle the indices. Default: ``True``.
        seed (int): seed of the shuffle; must be the same in every replica. Default: ``0``.
        drop_last (bool): drop the tail so every replica gets the same number of samples
            without repeating any; otherwise the tail is padded with indices from the start.

    Example::

        >>> sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank)
        >>> loader = DataLoader(dataset, sampler=sampler)
        >>> for epoch in range(start_epoch, n_epochs):
        ...     sampler.set_epoch(epoch)
        ...     train(loader)
    """

    def __init__(self, dataset: Dataset, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if num_replicas is None or rank is None:
            import ember.distributed as dist
            if not dist.is_initialized():
                raise RuntimeError("DistributedSampler needs num_replicas and rank: call "
                                   "ember.distributed.init_process_group() first, or pass them explicitly, e.g. "
                                   "DistributedSampler(dataset, num_replicas=int(os.environ['WORLD_SIZE']), "
                                   "rank=int(os.environ['RANK']))")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if self.drop_last and len(self.dataset) % self.num_replicas != 0:
            self.num_samples = math.ceil((len(self.dataset) - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(len(self.dataset) / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            g = ember.Generator().manual_seed(self.seed + self.epoch)
            indices = ember.randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding_size = self.total_size - len(indices)
            if padding_size <= len(indices):
                indices += indices[:padding_size]
            else:
                indices += (indices * math.ceil(padding_size / len(indices)))[:padding_size]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch, which seeds the shuffle; call it before each epoch's ``iter()``."""
        self.epoch = epoch

    def state_dict(self) -> dict:
        return {"epoch": self.epoch}

    def load_state_dict(self, state_dict: dict) -> None:
        self.epoch = state_dict["epoch"]
