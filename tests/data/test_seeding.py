"""Randomness in workers: seeded from the loader's generator, different per worker, batch and epoch."""

import numpy as np
import pytest
from loader_datasets import Noisy, NoisyStream

import ember
from ember.utils.data import DataLoader
from ember.utils.data.worker import mix, seed_all

pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create")


def draws(loader):
    """Every random draw of an epoch, per sample index: {i: (python, numpy, ember)}."""
    out = {}
    for b in loader:
        for j, i in enumerate(b["i"].numpy().tolist()):
            out[i] = (b["py"].numpy()[j], b["np"].numpy()[j], b["ember"].numpy()[j])
    return out


def loader(seed, **kwargs):
    kwargs.setdefault("num_workers", 2)
    return DataLoader(Noisy(16), batch_size=2, generator=ember.Generator().manual_seed(seed), **kwargs)


def test_same_seed_gives_the_same_batches_with_workers():
    a, b = draws(loader(0)), draws(loader(0))
    assert a == b and len(a) == 16


def test_a_different_seed_gives_different_draws():
    a, b = draws(loader(0)), draws(loader(1))
    assert all(a[i][k] != b[i][k] for i in a for k in range(3))


def test_every_sample_gets_fresh_numbers_from_every_generator():
    d = draws(loader(0))
    for k in range(3):            # python random, numpy, ember: no two samples share a draw
        values = [d[i][k] for i in d]
        assert len(set(values)) == len(values)


def test_workers_have_different_random_streams():
    l0 = loader(3)
    by_worker = {}
    for b in l0:
        for w, py in zip(b["worker"].numpy().tolist(), b["py"].numpy().tolist()):
            by_worker.setdefault(w, []).append(py)
    assert set(by_worker) == {0, 1}
    assert not set(by_worker[0]) & set(by_worker[1])


def test_epochs_get_fresh_seeds():
    ld = loader(0)
    e1, e2 = draws(ld), draws(ld)
    assert all(e1[i][k] != e2[i][k] for i in e1 for k in range(3))
    persistent = loader(0, persistent_workers=True)
    p1, p2 = draws(persistent), draws(persistent)
    assert p1 == e1 and p2 == e2              # persistent workers are reseeded every epoch too


def test_draws_do_not_depend_on_scheduling():
    # map-style batches are seeded by their number in the epoch, so worker count and order don't matter
    base = draws(loader(7, num_workers=1))
    assert draws(loader(7, num_workers=3)) == base
    assert draws(loader(7, num_workers=2, in_order=False)) == base


def test_seed_of_a_batch_is_derived_from_base_seed_and_batch_number():
    ld = DataLoader(Noisy(4), batch_size=2, num_workers=1, generator=ember.Generator().manual_seed(0))
    batches = list(ld)
    g = ember.Generator().manual_seed(0)
    base_seed = int(ember.empty((), dtype=ember.int64).random_(generator=g).item())
    import random
    seed_all(mix(base_seed, 1))
    expected_py = random.random()
    expected_np = float(np.random.rand())
    assert batches[1]["py"].numpy()[0] == expected_py
    assert batches[1]["np"].numpy()[0] == expected_np
    assert batches[1]["py"].dtype == ember.float64


def test_without_a_generator_the_default_generator_decides():
    ember.manual_seed(42)
    a = draws(DataLoader(Noisy(8), batch_size=2, num_workers=2))
    ember.manual_seed(42)
    b = draws(DataLoader(Noisy(8), batch_size=2, num_workers=2))
    c = draws(DataLoader(Noisy(8), batch_size=2, num_workers=2))
    assert a == b and a != c


def test_iterable_dataset_workers_draw_differently_and_reproducibly():
    def run(seed):
        ld = DataLoader(NoisyStream(12), batch_size=2, num_workers=2, generator=ember.Generator().manual_seed(seed))
        return {i: r for b in ld for i, r in zip(b["i"].numpy().tolist(), b["r"].numpy().tolist())}
    a = run(5)
    assert sorted(a) == list(range(12)) and len(set(a.values())) == 12
    assert run(5) == a and run(6) != a


@pytest.mark.parametrize("workers", [0, 2])
def test_shuffle_order_is_reproducible(workers):
    def order(seed):
        ld = DataLoader(Noisy(20), batch_size=4, shuffle=True, num_workers=workers,
                        generator=ember.Generator().manual_seed(seed))
        return [b["i"].numpy().tolist() for b in ld]
    assert order(1) == order(1) and order(1) != order(2)
