"""ember.utils.data against torch.utils.data: collation structure and values, sampler and split semantics.

Random orders differ by design (different generators); their structure, lengths and the
properties PyTorch documents are compared instead.
"""

import collections
import warnings

import numpy as np
import pytest

import ember
import ember.utils.data as eud

torch = pytest.importorskip("torch")
tud = pytest.importorskip("torch.utils.data")

Point = collections.namedtuple("Point", ["x", "y"])


def to_plain(obj):
    """A framework-neutral picture of a collated batch: containers, type names, dtypes, values."""
    if isinstance(obj, (torch.Tensor, ember.Tensor)):
        dtype = str(obj.dtype).split(".")[-1]
        return ("tensor", dtype, tuple(obj.shape), np.asarray(obj).tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, {k: to_plain(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return (type(obj).__name__, [to_plain(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [to_plain(v) for v in obj])
    return (type(obj).__name__, obj)


def torchify(sample):
    if isinstance(sample, ember.Tensor):
        return torch.from_numpy(sample.numpy().copy())
    if isinstance(sample, dict):
        return type(sample)((k, torchify(v)) for k, v in sample.items())
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(torchify(v) for v in sample))
    if isinstance(sample, (list, tuple)):
        return type(sample)(torchify(v) for v in sample)
    return sample


BATCHES = {
    "ints": [0, 1, 2],
    "floats": [0.1, 2.5],
    "bools": [True, False],
    "strings": ["a", "bc"],
    "bytes": [b"a", b"b"],
    "numpy-arrays": [np.arange(6, dtype=np.int32).reshape(2, 3), np.ones((2, 3), np.int32)],
    "numpy-float32-scalars": [np.float32(1.5), np.float32(2.5)],
    "numpy-int64-scalars": [np.int64(1), np.int64(7)],
    "numpy-float64-scalars": [np.float64(0.1), np.float64(0.2)],
    "tensors": [ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0])],
    "int-tensors-0d": [ember.tensor(3), ember.tensor(4)],
    "dicts": [{"x": 1, "name": "a", "v": np.zeros(2)}, {"x": 2, "name": "b", "v": np.ones(2)}],
    "ordered-dicts": [collections.OrderedDict(a=1.0), collections.OrderedDict(a=2.0)],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
    "tuples": [(1, "a", np.zeros(1)), (2, "b", np.ones(1))],
    "lists": [[1, [2, 3.0]], [4, [5, 6.0]]],
    "nested": [{"img": np.zeros((2, 2), np.float32), "meta": {"id": 1, "tags": ["x", "y"]}},
               {"img": np.ones((2, 2), np.float32), "meta": {"id": 2, "tags": ["z", "w"]}}],
}


@pytest.mark.parametrize("name", list(BATCHES))
def test_default_collate_matches(name):
    batch = BATCHES[name]
    ours = eud.default_collate(batch)
    theirs = tud.default_collate([torchify(s) for s in batch])
    assert to_plain(ours) == to_plain(theirs)


@pytest.mark.parametrize("name", ["ints", "strings", "numpy-arrays", "numpy-float32-scalars", "dicts",
                                  "namedtuples", "tuples", "lists", "nested"])
def test_default_convert_matches(name):
    for sample in BATCHES[name]:
        assert to_plain(eud.default_convert(sample)) == to_plain(tud.default_convert(torchify(sample)))


@pytest.mark.parametrize("batch", [[[1, 2], [1]], [object(), object()], [np.array(["a"]), np.array(["b"])]],
                         ids=["ragged", "object", "string-array"])
def test_default_collate_errors_match(batch):
    with pytest.raises(Exception) as theirs:
        tud.default_collate(batch)
    with pytest.raises(type(theirs.value)) as ours:
        eud.default_collate(batch)
    assert str(ours.value) == str(theirs.value)


def test_sequential_and_batch_sampler_match():
    for n, size, drop in [(10, 3, False), (10, 3, True), (9, 3, False), (2, 5, False), (2, 5, True)]:
        ours = eud.BatchSampler(eud.SequentialSampler(range(n)), size, drop)
        theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), size, drop)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("kwargs", [dict(), dict(num_samples=25), dict(replacement=True, num_samples=7),
                                    dict(replacement=True)])
def test_random_sampler_semantics_match(kwargs):
    ours = list(eud.RandomSampler(range(10), generator=ember.Generator().manual_seed(0), **kwargs))
    theirs = list(tud.RandomSampler(range(10), generator=torch.Generator().manual_seed(0), **kwargs))
    assert len(ours) == len(theirs)
    assert len(eud.RandomSampler(range(10), **kwargs)) == len(tud.RandomSampler(range(10), **kwargs))
    if not kwargs.get("replacement"):
        # whole permutations first, then a partial one: the same multiset of indices
        assert sorted(ours) == sorted(theirs)


def test_weighted_and_subset_random_sampler_semantics_match():
    w = [0.0, 1.0, 3.0, 0.0, 2.0]
    for replacement in (True, False):
        ours = list(eud.WeightedRandomSampler(w, 3, replacement, generator=ember.Generator().manual_seed(0)))
        theirs = list(tud.WeightedRandomSampler(w, 3, replacement, generator=torch.Generator().manual_seed(0)))
        assert len(ours) == len(theirs) == 3
        assert set(ours) <= {1, 2, 4} and set(theirs) <= {1, 2, 4}
        if not replacement:
            assert sorted(ours) == sorted(theirs) == [1, 2, 4]
    idx = [5, 7, 9]
    assert sorted(eud.SubsetRandomSampler(idx)) == sorted(tud.SubsetRandomSampler(idx)) == idx


@pytest.mark.parametrize("n, replicas, shuffle, drop_last", [(11, 3, False, False), (11, 3, False, True),
                                                             (2, 5, False, False), (11, 3, True, False)])
def test_distributed_sampler_matches(n, replicas, shuffle, drop_last):
    for rank in range(replicas):
        ours = eud.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle,
                                      drop_last=drop_last)
        theirs = tud.DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=shuffle,
                                        drop_last=drop_last)
        assert len(ours) == len(theirs) and ours.total_size == theirs.total_size
        if not shuffle:
            assert list(ours) == list(theirs)
        else:
            assert len(list(ours)) == len(list(theirs))


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.3, 0.4], [0.5, 0.5], [1.0], [0.1, 0.2, 0.3, 0.4]])
@pytest.mark.parametrize("n", [10, 11, 3])
def test_random_split_lengths_match(lengths, n):
    def split(mod, gen):
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            try:
                parts = mod.random_split(range(n), lengths, generator=gen)
            except ValueError as err:
                return str(err), []
        return [len(p) for p in parts], [str(w.message) for w in rec]
    assert split(eud, ember.Generator().manual_seed(0)) == split(tud, torch.Generator().manual_seed(0))


def test_dataloader_batches_match_without_shuffling():
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    y = np.arange(10)
    ours = eud.DataLoader(eud.TensorDataset(ember.from_numpy(x), ember.from_numpy(y)), batch_size=4)
    theirs = tud.DataLoader(tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=4)
    assert len(ours) == len(theirs)
    assert [to_plain(b) for b in ours] == [to_plain(b) for b in theirs]
    ours = eud.DataLoader(eud.TensorDataset(ember.from_numpy(x)), batch_size=4, drop_last=True, num_workers=2)
    theirs = tud.DataLoader(tud.TensorDataset(torch.from_numpy(x)), batch_size=4, drop_last=True)
    assert [to_plain(b) for b in ours] == [to_plain(b) for b in theirs]


def test_concat_stack_and_subset_match():
    a, b = list(range(3)), list(range(10, 14))
    assert [eud.ConcatDataset([a, b])[i] for i in range(-7, 7)] == [tud.ConcatDataset([a, b])[i]
                                                                     for i in range(-7, 7)]
    assert eud.ConcatDataset([a, b]).cumulative_sizes == tud.ConcatDataset([a, b]).cumulative_sizes
    assert eud.StackDataset(a, a).__getitems__([0, 2]) == tud.StackDataset(a, a).__getitems__([0, 2])
    assert eud.StackDataset(p=a, q=a)[1] == tud.StackDataset(p=a, q=a)[1]
    assert eud.Subset(b, [3, 0]).__getitems__([0, 1]) == tud.Subset(b, [3, 0]).__getitems__([0, 1])
