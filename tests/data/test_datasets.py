"""Datasets and their combinations, against hand computation and PyTorch's documented behaviour."""

import numpy as np
import pytest
from loader_datasets import Ints, Stream, WithGetitems

import ember
from ember.utils.data import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    StackDataset,
    Subset,
    TensorDataset,
    random_split,
)


def test_dataset_base_needs_getitem():
    with pytest.raises(NotImplementedError, match="Subclasses of Dataset should implement __getitem__."):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="Subclasses of IterableDataset should implement __iter__."):
        iter(IterableDataset())


def test_tensor_dataset_rows_and_length():
    x = ember.from_numpy(np.arange(12, dtype=np.float32).reshape(6, 2))
    y = ember.tensor([0, 1, 0, 1, 1, 0])
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    row, label = ds[4]
    np.testing.assert_array_equal(row.numpy(), [8.0, 9.0])
    assert row.dtype == ember.float32 and label.dtype == ember.int64
    assert label.shape == () and label.item() == 1
    assert ds[-1][1].item() == 0


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        TensorDataset(ember.zeros(3, 2), ember.zeros(4))


def test_tensor_dataset_gather_equals_per_sample_collate():
    from ember.utils.data import default_collate
    x = ember.from_numpy(np.random.default_rng(0).random((10, 3, 2), dtype=np.float32))
    y = ember.arange(10)
    ds = TensorDataset(x, y)
    idx = [3, 9, 0, -1, 3]
    fast = ds._collated_getitems(idx)
    slow = default_collate([ds[i] for i in idx])
    assert isinstance(fast, list) and len(fast) == 2
    for a, b in zip(fast, slow):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(IndexError, match="index 10 is out of bounds for dimension 0 with size 10"):
        ds._collated_getitems([1, 10])


def test_stack_dataset_tuple_and_dict():
    a, b = Ints(5), WithGetitems(5)
    ds = StackDataset(a, b)
    assert len(ds) == 5 and ds[2] == (2, 2)
    assert ds.__getitems__([1, 3]) == [(1, 10), (3, 30)]     # b's __getitems__ is used
    assert b.batch_calls == 1
    named = StackDataset(x=a, y=b)
    assert named[4] == {"x": 4, "y": 4}
    assert named.__getitems__([0, 2]) == [{"x": 0, "y": 0}, {"x": 2, "y": 20}]


def test_stack_dataset_errors():
    with pytest.raises(ValueError, match="Size mismatch between datasets"):
        StackDataset(Ints(3), Ints(4))
    with pytest.raises(ValueError, match="At least one dataset should be passed"):
        StackDataset()
    with pytest.raises(ValueError, match="but both types are given"):
        StackDataset(Ints(3), y=Ints(3))

    class Short(Ints):
        def __getitems__(self, indices):
            return [0]
    with pytest.raises(ValueError, match="Nested dataset's output size mismatch. Expected 2, got 1"):
        StackDataset(Short(3)).__getitems__([0, 1])


def test_concat_dataset_indexing():
    ds = ConcatDataset([Ints(3), Ints(4), Ints(2)])
    assert len(ds) == 9 and ds.cumulative_sizes == [3, 7, 9]
    assert [ds[i] for i in range(9)] == [0, 1, 2, 0, 1, 2, 3, 0, 1]
    assert ds[-1] == 1 and ds[-9] == 0
    with pytest.raises(ValueError, match="absolute value of index should not exceed dataset length"):
        ds[-10]
    assert len(Ints(2) + Ints(3)) == 5


def test_concat_dataset_errors():
    with pytest.raises(AssertionError, match="datasets should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="ConcatDataset does not support IterableDataset"):
        ConcatDataset([Ints(2), Stream(0, 3)])


def test_chain_dataset():
    ds = ChainDataset([Stream(0, 3), Stream(10, 12)])
    assert list(ds) == [0, 1, 2, 10, 11]
    assert len(ds) == 5
    assert list(Stream(0, 2) + Stream(5, 6)) == [0, 1, 5]
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(ChainDataset([Ints(2)]))


def test_subset():
    base = WithGetitems(10)
    sub = Subset(base, [9, 2, 4])
    assert len(sub) == 3 and sub[0] == 9 and sub[2] == 4
    assert sub.__getitems__([0, 1]) == [90, 20]
    assert Subset(Ints(10), [5, 6]).__getitems__([1, 0]) == [6, 5]


def test_subset_subclass_overriding_only_getitem_is_refused():
    class Doubled(Subset):
        def __getitem__(self, idx):
            return 2 * super().__getitem__(idx)
    with pytest.raises(NotImplementedError, match="Doubled overrides __getitem__ but not __getitems__"):
        Doubled(Ints(4), [0, 1])


def test_random_split_lengths_partition_the_dataset():
    parts = random_split(Ints(10), [3, 7], generator=ember.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [3, 7]
    seen = sorted(parts[0][i] for i in range(3)) + sorted(parts[1][i] for i in range(7))
    assert sorted(seen) == list(range(10))
    again = random_split(Ints(10), [3, 7], generator=ember.Generator().manual_seed(1))
    assert again[0].indices == parts[0].indices
    other = random_split(Ints(10), [3, 7], generator=ember.Generator().manual_seed(2))
    assert other[0].indices != parts[0].indices


def test_random_split_fractions_distribute_the_remainder_round_robin():
    # floor(0.3*11)=3, floor(0.3*11)=3, floor(0.4*11)=4; remainder 1 goes to the first split
    parts = random_split(Ints(11), [0.3, 0.3, 0.4], generator=ember.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [4, 3, 4]
    with pytest.warns(UserWarning) as record:
        parts = random_split(Ints(2), [0.9, 0.05, 0.05])
    assert [str(w.message) for w in record] == [
        f"Length of split at index {i} is 0. This might result in an empty dataset." for i in (1, 2)]
    assert [len(p) for p in parts] == [2, 0, 0]


def test_random_split_errors():
    with pytest.raises(ValueError, match="Sum of input lengths does not equal the length of the input dataset!"):
        random_split(Ints(10), [3, 3])
    with pytest.raises(ValueError, match="Fraction at index 1 is not between 0 and 1"):
        random_split(Ints(10), [0.5, 1.5, -1.0])
