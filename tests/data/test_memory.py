"""Memory stays bounded: epochs over a dataset of Python objects with workers do not grow RSS."""

import gc

import numpy as np
import psutil
import pytest
from loader_datasets import PythonObjects

import ember
from ember.utils.data import DataLoader, TensorDataset

MB = 2 ** 20


def footprint():
    """Main process RSS plus the private memory (USS) of its worker processes, in MiB."""
    me = psutil.Process()
    total = me.memory_info().rss
    for child in me.children(recursive=True):
        try:
            total += child.memory_full_info().uss
        except psutil.NoSuchProcess:
            pass
    return total / MB


def per_epoch_footprint(loader, epochs):
    sizes = []
    for _ in range(epochs):
        peak = 0.0
        middle = len(loader) // 2
        for i, batch in enumerate(loader):
            if i == middle:                     # measure mid-epoch too, while non-persistent workers live
                peak = footprint()
        del batch
        gc.collect()
        sizes.append(max(peak, footprint()))
    return sizes


@pytest.mark.slow
@pytest.mark.parametrize("persistent", [False, True], ids=["fresh-workers", "persistent-workers"])
def test_python_object_dataset_does_not_grow_per_epoch(persistent):
    ds = PythonObjects(100_000)                 # ~20 MB of lists, ints and strings
    loader = DataLoader(ds, batch_size=256, shuffle=True, num_workers=2, persistent_workers=persistent,
                        generator=ember.Generator().manual_seed(0))
    sizes = per_epoch_footprint(loader, epochs=4)
    # the first epoch settles (workers copy the pages they touch); after that nothing accumulates
    assert max(sizes[2:]) - sizes[1] < 12, f"footprint per epoch (MiB): {[round(s) for s in sizes]}"


@pytest.mark.slow
def test_main_process_does_not_accumulate_batches_or_mappings():
    x = ember.from_numpy(np.random.default_rng(0).random((4096, 256), dtype=np.float32))   # 4 MiB
    loader = DataLoader(TensorDataset(x), batch_size=64, num_workers=2, persistent_workers=True)
    me = psutil.Process()
    rss = []
    for _ in range(6):
        for (batch,) in loader:
            float(batch.numpy()[0, 0])          # touch the shared pages in the main process
        del batch
        gc.collect()
        rss.append(me.memory_info().rss / MB)
    assert max(rss[2:]) - rss[1] < 8, f"main RSS per epoch (MiB): {[round(r) for r in rss]}"
    with open("/proc/self/maps") as f:
        assert sum("ember-batch" in line for line in f) == 0
