"""Samplers: orders, lengths, argument errors, reproducibility and epoch replay."""

import collections

import numpy as np
import pytest

import ember
from ember.utils.data import (
    BatchSampler,
    DistributedSampler,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)


def gen(seed):
    return ember.Generator().manual_seed(seed)


def test_sequential_sampler():
    s = SequentialSampler(range(5))
    assert list(s) == [0, 1, 2, 3, 4] and len(s) == 5


def test_random_sampler_is_a_permutation_drawn_from_the_generator():
    a = list(RandomSampler(range(50), generator=gen(0)))
    assert sorted(a) == list(range(50)) and a != list(range(50))
    assert a == list(RandomSampler(range(50), generator=gen(0)))
    assert a != list(RandomSampler(range(50), generator=gen(1)))


def test_random_sampler_without_generator_uses_the_default_generator():
    ember.manual_seed(3)
    a = list(RandomSampler(range(30)))
    b = list(RandomSampler(range(30)))
    ember.manual_seed(3)
    assert list(RandomSampler(range(30))) == a and a != b


def test_random_sampler_epochs_differ():
    s = RandomSampler(range(20), generator=gen(5))
    assert list(s) != list(s)


def test_random_sampler_num_samples_without_replacement_chains_permutations():
    out = list(RandomSampler(range(4), num_samples=10, generator=gen(0)))
    assert len(out) == 10
    assert sorted(out[:4]) == [0, 1, 2, 3] and sorted(out[4:8]) == [0, 1, 2, 3]
    assert set(out[8:]) <= {0, 1, 2, 3} and len(set(out[8:])) == 2


def test_random_sampler_with_replacement():
    s = RandomSampler(range(3), replacement=True, num_samples=3000, generator=gen(0))
    out = list(s)
    assert len(s) == 3000 and len(out) == 3000
    counts = collections.Counter(out)
    assert set(counts) == {0, 1, 2} and all(900 < c < 1100 for c in counts.values())


def test_random_sampler_errors():
    with pytest.raises(TypeError, match="replacement should be a boolean value, but got replacement=1"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler([])


def test_subset_random_sampler():
    idx = [10, 20, 30, 40]
    out = list(SubsetRandomSampler(idx, generator=gen(0)))
    assert sorted(out) == idx and len(SubsetRandomSampler(idx)) == 4
    assert out == list(SubsetRandomSampler(idx, generator=gen(0)))


def test_weighted_random_sampler_frequencies_follow_weights():
    w = [0.1, 0.0, 0.6, 0.3]
    out = list(WeightedRandomSampler(w, 20000, generator=gen(0)))
    freq = np.bincount(out, minlength=4) / 20000
    np.testing.assert_allclose(freq, w, atol=0.02)
    assert freq[1] == 0


def test_weighted_random_sampler_without_replacement_draws_each_index_once():
    out = list(WeightedRandomSampler([1, 5, 1, 1, 10], 5, replacement=False, generator=gen(0)))
    assert sorted(out) == [0, 1, 2, 3, 4]
    heavy_first = sum(list(WeightedRandomSampler([1, 1, 1, 1, 100], 1, replacement=False, generator=gen(s)))[0] == 4
                      for s in range(50))
    assert heavy_first > 40


def test_weighted_random_sampler_errors():
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=True"):
        WeightedRandomSampler([1, 2], True)
    with pytest.raises(ValueError, match="replacement should be a boolean value, but got replacement=0"):
        WeightedRandomSampler([1, 2], 2, replacement=0)
    with pytest.raises(ValueError, match=r"weights should be a 1d sequence but given weights have shape \(1, 2\)"):
        WeightedRandomSampler([[1, 2]], 2)


def test_batch_sampler():
    assert list(BatchSampler(SequentialSampler(range(10)), 3, False)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(BatchSampler(SequentialSampler(range(10)), 3, True)) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(BatchSampler(range(10), 3, False)) == 4 and len(BatchSampler(range(10), 3, True)) == 3
    assert list(BatchSampler(range(4), 2, True)) == [[0, 1], [2, 3]]


def test_batch_sampler_errors():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=True"):
        BatchSampler(range(3), True, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value, but got drop_last=1"):
        BatchSampler(range(3), 2, 1)


def test_distributed_sampler_shares_cover_the_dataset_without_overlap():
    n, replicas = 11, 3
    shares = [list(DistributedSampler(range(n), num_replicas=replicas, rank=r, seed=7)) for r in range(replicas)]
    assert all(len(s) == 4 for s in shares)                      # ceil(11 / 3)
    flat = [i for s in shares for i in s]
    assert set(flat) == set(range(n)) and len(flat) == 12        # one index repeated as padding
    # every replica draws the same permutation and takes every 3rd element from its rank
    perm = ember.randperm(n, generator=ember.Generator().manual_seed(7)).tolist()
    padded = perm + perm[:1]
    assert shares[1] == padded[1::3]


def test_distributed_sampler_drop_last_and_no_shuffle():
    shares = [list(DistributedSampler(range(11), num_replicas=3, rank=r, shuffle=False, drop_last=True))
              for r in range(3)]
    assert shares == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    assert len(DistributedSampler(range(11), num_replicas=3, rank=0, drop_last=True)) == 3


def test_distributed_sampler_set_epoch_reshuffles_identically_on_every_replica():
    a = DistributedSampler(range(20), num_replicas=2, rank=0)
    b = DistributedSampler(range(20), num_replicas=2, rank=1)
    e0 = list(a)
    a.set_epoch(1)
    b.set_epoch(1)
    e1a, e1b = list(a), list(b)
    assert e0 != e1a and sorted(e1a + e1b) == list(range(20))
    a.set_epoch(0)
    assert list(a) == e0
    c = DistributedSampler(range(20), num_replicas=2, rank=0)
    c.load_state_dict({"epoch": 1})
    assert list(c) == e1a and c.state_dict() == {"epoch": 1}


def test_distributed_sampler_padding_longer_than_dataset():
    shares = [list(DistributedSampler(range(2), num_replicas=5, rank=r, shuffle=False)) for r in range(5)]
    assert shares == [[0], [1], [0], [1], [0]]


def test_distributed_sampler_errors():
    with pytest.raises(ValueError, match=r"Invalid rank 3, rank should be in the interval \[0, 2\]"):
        DistributedSampler(range(5), num_replicas=3, rank=3)
    with pytest.raises(RuntimeError, match="DistributedSampler needs num_replicas and rank"):
        DistributedSampler(range(5))


@pytest.mark.parametrize("make", [
    lambda g: RandomSampler(range(30), generator=g),
    lambda g: RandomSampler(range(30)),
    lambda g: SubsetRandomSampler(list(range(0, 60, 2)), generator=g),
    lambda g: WeightedRandomSampler(np.linspace(1, 2, 30), 30, generator=g),
    lambda g: BatchSampler(RandomSampler(range(30), generator=g), 4, False),
], ids=["random", "random-default-generator", "subset", "weighted", "batch"])
def test_state_dict_replays_the_current_epoch(make):
    s = make(gen(11))
    list(s)
    order = list(s)                      # the second epoch
    state = s.state_dict()
    after = list(s)                      # the third epoch
    fresh = make(gen(99))                # a different generator: the state restores it
    fresh.load_state_dict(state)
    assert list(fresh) == order
    if getattr(s, "generator", None) is not None or hasattr(s, "batch_size"):
        assert list(fresh) == after       # the restored generator continues as the original did


def test_sampler_state_from_a_generator_needs_a_generator():
    s = RandomSampler(range(5), generator=gen(0))
    list(s)
    other = RandomSampler(range(5))
    other.load_state_dict(s.state_dict())
    with pytest.raises(ValueError, match="saved from a sampler with a generator"):
        iter(other)
