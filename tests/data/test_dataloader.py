"""DataLoader in the main process: batching, arguments, len, the __getitems__ fast path, pinning."""

import multiprocessing
import warnings

import numpy as np
import pytest
from loader_datasets import Ints, Squares, Stream, WithGetitems

import ember
from ember.backends.base import Backend
from ember.backends.registry import registry
from ember.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    Subset,
    TensorDataset,
    default_collate,
    default_convert,
    get_worker_info,
)


def flat(loader):
    return [b.numpy().tolist() for b in loader]


def test_batches_in_order_with_a_partial_last_batch():
    assert flat(DataLoader(Ints(7), batch_size=3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert flat(DataLoader(Ints(7), batch_size=3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Ints(7), batch_size=3)) == 3 and len(DataLoader(Ints(7), batch_size=3, drop_last=True)) == 2


def test_default_batch_size_is_one():
    batches = flat(DataLoader(Ints(3)))
    assert batches == [[0], [1], [2]]


def test_shuffle_visits_everything_once_per_epoch_in_a_new_order():
    loader = DataLoader(Ints(40), batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(0))
    e1 = sum(flat(loader), [])
    e2 = sum(flat(loader), [])
    assert sorted(e1) == sorted(e2) == list(range(40)) and e1 != e2
    again = DataLoader(Ints(40), batch_size=8, shuffle=True, generator=ember.Generator().manual_seed(0))
    assert sum(flat(again), []) == e1


def test_sampler_and_batch_sampler():
    loader = DataLoader(Ints(6), batch_size=2, sampler=[5, 3, 1, 0])
    assert flat(loader) == [[5, 3], [1, 0]]
    bs = BatchSampler(SequentialSampler(range(5)), 2, False)
    loader = DataLoader(Ints(5), batch_sampler=bs)
    assert flat(loader) == [[0, 1], [2, 3], [4]] and len(loader) == 3
    assert loader.batch_size is None and loader.drop_last is False
    assert flat(DataLoader(Ints(5), batch_sampler=[[4, 0], [2]])) == [[4, 0], [2]]


def test_structured_samples_are_collated():
    batch = next(iter(DataLoader(Squares(5), batch_size=3)))
    assert batch["i"].numpy().tolist() == [0, 1, 2]
    assert batch["sq"].shape == (3, 1) and batch["sq"].numpy().ravel().tolist() == [0, 1, 4]
    assert batch["name"] == ["s0", "s1", "s2"]


def test_no_batching_converts_each_sample():
    loader = DataLoader(Squares(3), batch_size=None)
    items = list(loader)
    assert len(items) == 3 and len(loader) == 3
    assert items[2]["i"] == 2 and isinstance(items[2]["sq"], ember.Tensor) and items[2]["sq"].shape == (1,)
    assert loader.collate_fn is default_convert
    assert DataLoader(Squares(3)).collate_fn is default_collate


def test_custom_collate_fn():
    loader = DataLoader(Ints(5), batch_size=2, collate_fn=lambda samples: sum(samples))
    assert list(loader) == [1, 5, 4]


def test_iterable_dataset_batches_and_len():
    loader = DataLoader(Stream(0, 7), batch_size=3)
    assert flat(loader) == [[0, 1, 2], [3, 4, 5], [6]] and len(loader) == 3
    assert flat(DataLoader(Stream(0, 7), batch_size=3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(DataLoader(Stream(0, 7), batch_size=3, drop_last=True)) == 2
    assert [x for x in DataLoader(Stream(0, 3), batch_size=None)] == [0, 1, 2]


def test_getitems_fast_path_is_used():
    ds = WithGetitems(6)
    assert flat(DataLoader(ds, batch_size=4)) == [[0, 10, 20, 30], [40, 50]]
    assert ds.batch_calls == 2 and ds.single_calls == 0
    assert flat(DataLoader(ds, batch_size=None, collate_fn=lambda x: ember.tensor(x))) == list(range(6))
    assert ds.single_calls == 6


def test_tensor_dataset_batches_match_per_sample_stacking():
    rng = np.random.default_rng(0)
    x = ember.from_numpy(rng.random((23, 4), dtype=np.float32))
    y = ember.from_numpy(rng.integers(0, 5, 23))
    ds = TensorDataset(x, y)
    loader = DataLoader(ds, batch_size=5, shuffle=True, generator=ember.Generator().manual_seed(1))
    g = ember.Generator().manual_seed(1)
    ember.empty((), dtype=ember.int64).random_(generator=g)      # the loader draws its base seed first
    order = sum(BatchSampler(RandomSampler(ds, generator=g), 5, False), [])
    xs, ys = zip(*[(xb.numpy(), yb.numpy()) for xb, yb in loader])
    np.testing.assert_array_equal(np.concatenate(xs), x.numpy()[order])
    np.testing.assert_array_equal(np.concatenate(ys), y.numpy()[order])
    # a Subset of a TensorDataset gathers the same way; a custom collate_fn sees per-sample tuples
    sub = Subset(ds, [3, 1, 4])
    xb, yb = next(iter(DataLoader(sub, batch_size=3)))
    np.testing.assert_array_equal(xb.numpy(), x.numpy()[[3, 1, 4]])
    seen = next(iter(DataLoader(sub, batch_size=3, collate_fn=lambda s: s)))
    assert len(seen) == 3 and isinstance(seen[0], tuple) and seen[0][1].item() == y.numpy()[3]


def test_get_worker_info_is_none_in_the_main_process():
    assert get_worker_info() is None


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_workers=-1), "num_workers option should be non-negative; use num_workers=0 to disable "
                           "multiprocessing."),
    (dict(timeout=-1), "timeout option should be non-negative"),
    (dict(prefetch_factor=2), "prefetch_factor option could only be specified in multiprocessing."),
    (dict(num_workers=1, prefetch_factor=-1), "prefetch_factor option should be non-negative"),
    (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0"),
    (dict(sampler=[0], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive with batch_size, "
                                              "shuffle, sampler, and drop_last"),
    (dict(batch_size=None, drop_last=True), "batch_size=None option disables auto-batching and is mutually "
                                            "exclusive with drop_last"),
    (dict(multiprocessing_context="fork"), "multiprocessing_context can only be used with multi-process "
                                           "loading (num_workers > 0), but got num_workers=0"),
    (dict(num_workers=1, multiprocessing_context="teleport"), "multiprocessing_context option should specify a "
                                                              "valid start method in"),
])
def test_argument_errors(kwargs, message):
    with pytest.raises(ValueError) as info:
        DataLoader(Ints(4), **kwargs)
    assert str(info.value).startswith(message)


def test_iterable_dataset_argument_errors():
    with pytest.raises(ValueError, match="DataLoader with IterableDataset: expected unspecified shuffle option, "
                                         "but got shuffle=True"):
        DataLoader(Stream(), shuffle=True)
    with pytest.raises(ValueError, match="expected unspecified sampler option"):
        DataLoader(Stream(), sampler=[0])
    with pytest.raises(ValueError, match="expected unspecified batch_sampler option"):
        DataLoader(Stream(), batch_sampler=[[0]])


def test_multiprocessing_context_values():
    loader = DataLoader(Ints(4), num_workers=1, multiprocessing_context="spawn")
    assert loader.multiprocessing_context.get_start_method() == "spawn"
    ctx = multiprocessing.get_context("fork")
    assert DataLoader(Ints(4), num_workers=1, multiprocessing_context=ctx).multiprocessing_context is ctx
    with pytest.raises(TypeError, match="multiprocessing_context option should be a valid context object"):
        DataLoader(Ints(4), num_workers=1, multiprocessing_context=3)


def test_attributes_fixed_after_init():
    loader = DataLoader(Ints(4), batch_size=2)
    for attr in ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers"):
        with pytest.raises(ValueError, match=f"{attr} attribute should not be set after DataLoader is initialized"):
            setattr(loader, attr, None)
    loader.num_workers = 0   # others may change
    loader.timeout = 1


def test_too_many_workers_warns():
    with pytest.warns(UserWarning, match="This DataLoader will create 512 worker processes in total"):
        DataLoader(Ints(4), num_workers=512)


def test_pin_memory_without_accelerator_is_a_warned_no_op():
    loader = DataLoader(Ints(4), batch_size=2, pin_memory=True)
    with pytest.warns(UserWarning, match="'pin_memory' argument is set as true but no accelerator is found"):
        assert flat(loader) == [[0, 1], [2, 3]]


class PinningBackend(Backend):
    type = "pinningtest"
    has_index = False

    def __init__(self):
        super().__init__()
        self.pinned = []

    def pin_memory(self, array):
        copy = np.array(array)     # a real backend returns page-locked memory
        self.pinned.append(copy)
        return copy


def test_pin_memory_asks_the_backend():
    backend = PinningBackend()
    registry.register_backend(backend)
    try:
        loader = DataLoader(Squares(4), batch_size=2, pin_memory=True, pin_memory_device="pinningtest")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            batches = list(loader)
    finally:
        del registry.backends["pinningtest"]
    assert len(backend.pinned) == 4                    # "i" and "sq" of each of the 2 batches
    assert batches[1]["sq"].numpy() is backend.pinned[3]
    assert batches[1]["name"] == ["s2", "s3"]
