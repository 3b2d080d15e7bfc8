"""DataLoader with real worker processes: same batches as in-process, order, sharding, shared memory."""

import os
import sys

import numpy as np
import psutil
import pytest
from loader_datasets import Ints, Noisy, Slow, Squares, Stream, WithGetitems, seed_from_worker_info

import ember
from ember.utils.data import DataLoader, TensorDataset, get_worker_info

pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create")


def as_lists(batches):
    out = []
    for b in batches:
        if isinstance(b, dict):
            out.append({k: (v.numpy().tolist() if isinstance(v, ember.Tensor) else v) for k, v in b.items()})
        else:
            out.append(b.numpy().tolist())
    return out


def shared_memory_mappings():
    """Address ranges of this process mapped from ember's anonymous shared batch files."""
    ranges = []
    with open("/proc/self/maps") as f:
        for line in f:
            if "ember-batch" in line:
                lo, hi = line.split()[0].split("-")
                ranges.append((int(lo, 16), int(hi, 16)))
    return ranges


def test_workers_give_the_same_batches_as_the_main_process():
    main = as_lists(DataLoader(Squares(23), batch_size=4))
    workers = as_lists(DataLoader(Squares(23), batch_size=4, num_workers=2))
    assert workers == main and len(main) == 6


def test_workers_are_separate_processes():
    pids = [b.numpy().tolist() for b in DataLoader(Ints(8), batch_size=2, num_workers=2,
                                                   collate_fn=lambda s: ember.tensor([os.getpid()] * len(s)))]
    assert os.getpid() not in {p[0] for p in pids}
    assert len({p[0] for p in pids}) == 2


def test_order_is_kept_when_workers_finish_out_of_order():
    batches = as_lists(DataLoader(Slow(16), batch_size=2, num_workers=3))
    assert batches == [[i, i + 1] for i in range(0, 16, 2)]


def test_in_order_false_yields_every_batch_once():
    batches = as_lists(DataLoader(Slow(16), batch_size=2, num_workers=3, in_order=False))
    assert sorted(batches) == [[i, i + 1] for i in range(0, 16, 2)]


def test_no_batching_and_getitems_in_workers():
    assert list(DataLoader(Ints(5), batch_size=None, num_workers=2)) == [0, 1, 2, 3, 4]
    assert as_lists(DataLoader(WithGetitems(6), batch_size=4, num_workers=2)) == [[0, 10, 20, 30], [40, 50]]


def test_tensor_dataset_in_workers():
    x = ember.from_numpy(np.arange(60, dtype=np.float32).reshape(20, 3))
    y = ember.arange(20)
    loader = DataLoader(TensorDataset(x, y), batch_size=6, num_workers=2, shuffle=True,
                        generator=ember.Generator().manual_seed(0))
    xs, ys = zip(*[(xb.numpy(), yb.numpy()) for xb, yb in loader])
    order = np.concatenate(ys)
    assert sorted(order) == list(range(20))
    np.testing.assert_array_equal(np.concatenate(xs), x.numpy()[order])


def test_batches_arrive_in_shared_memory_not_as_copies():
    loader = DataLoader(Squares(8), batch_size=4, num_workers=2)
    batches = list(loader)
    maps = shared_memory_mappings()
    for b in batches:
        for key in ("i", "sq"):
            address = b[key].numpy().__array_interface__["data"][0]
            assert any(lo <= address < hi for lo, hi in maps), f"batch[{key!r}] is not in ember's shared memory"


def test_shared_memory_is_unmapped_when_batches_are_dropped():
    x = ember.from_numpy(np.zeros((64, 1000), np.float32))
    loader = DataLoader(TensorDataset(x), batch_size=16, num_workers=2)
    batches = list(loader)
    assert shared_memory_mappings()
    del batches
    assert shared_memory_mappings() == []


def test_worker_info_in_workers_and_worker_init_fn():
    ds = Noisy(8)
    loader = DataLoader(ds, batch_size=2, num_workers=2, worker_init_fn=seed_from_worker_info)
    workers = sum((b["worker"].numpy().tolist() for b in loader), [])
    assert workers == [0, 0, 1, 1, 0, 0, 1, 1]     # batches go round-robin
    assert not hasattr(ds, "init_seed")            # worker_init_fn ran on the workers' copies


def test_worker_info_fields():
    class Report(Ints):
        def __getitem__(self, i):
            info = get_worker_info()
            return [info.id, info.num_workers, info.seed, int(info.dataset is self)]

    rows = sum((b for b in DataLoader(Report(6), batch_size=1, num_workers=3,
                                      generator=ember.Generator().manual_seed(5),
                                      collate_fn=lambda s: s)), [])
    base_seed = rows[0][2] - rows[0][0]
    for worker_id, num_workers, seed, same in rows:
        assert num_workers == 3 and seed == base_seed + worker_id and same == 1
    with pytest.raises(RuntimeError, match="Cannot assign attributes to WorkerInfo objects"):
        from ember.utils.data import WorkerInfo
        WorkerInfo(id=0).id = 1


def test_iterable_dataset_is_duplicated_without_sharding():
    got = sorted(sum(as_lists(DataLoader(Stream(0, 6, shard=False), batch_size=2, num_workers=2)), []))
    assert got == sorted(list(range(6)) * 2)


def test_iterable_dataset_sharded_with_get_worker_info_is_not_duplicated():
    batches = as_lists(DataLoader(Stream(0, 15), batch_size=3, num_workers=2))
    assert sorted(sum(batches, [])) == list(range(15))
    # worker 0 streams 0..7, worker 1 streams 8..14; batches alternate between them
    assert batches[:2] == [[0, 1, 2], [8, 9, 10]]
    assert as_lists(DataLoader(Stream(0, 15), batch_size=3, num_workers=2, drop_last=True)) == [
        [0, 1, 2], [8, 9, 10], [3, 4, 5], [11, 12, 13]]


def test_iterable_dataset_with_uneven_shards_and_more_workers_than_data():
    batches = as_lists(DataLoader(Stream(0, 2), batch_size=1, num_workers=3))
    assert sorted(sum(batches, [])) == [0, 1]


def test_persistent_workers_survive_epochs():
    loader = DataLoader(Ints(6), batch_size=2, num_workers=2, persistent_workers=True,
                        collate_fn=lambda s: ember.tensor(s + [os.getpid()]))
    first = as_lists(loader)
    second = as_lists(loader)
    assert [b[:2] for b in first] == [b[:2] for b in second] == [[0, 1], [2, 3], [4, 5]]
    assert {b[2] for b in first} == {b[2] for b in second}     # the same two processes
    children = psutil.Process().children()
    assert len(children) == 2
    del loader
    psutil.wait_procs(children, timeout=5)
    assert psutil.Process().children() == []


def test_persistent_workers_after_breaking_out_of_an_epoch():
    loader = DataLoader(Ints(20), batch_size=2, num_workers=2, persistent_workers=True)
    for i, _ in enumerate(loader):
        if i == 1:
            break
    assert as_lists(loader) == [[i, i + 1] for i in range(0, 20, 2)]


def test_len_of_the_iterator():
    it = iter(DataLoader(Ints(7), batch_size=2, num_workers=1))
    assert len(it) == 4
    assert len(list(it)) == 4


@pytest.mark.slow
@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_other_start_methods(method):
    if method not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip(f"{method} is not available on {sys.platform}")
    loader = DataLoader(Squares(10), batch_size=4, num_workers=2, multiprocessing_context=method,
                        worker_init_fn=seed_from_worker_info)
    assert as_lists(loader) == as_lists(DataLoader(Squares(10), batch_size=4))
