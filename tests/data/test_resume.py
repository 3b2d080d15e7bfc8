"""DataLoader.state_dict()/load_state_dict(): a resumed run sees exactly the batches it would have seen."""

import pickle

import numpy as np
import pytest
from loader_datasets import Noisy, NoisyStream, Stream

import ember
from ember.utils.data import DataLoader, DistributedSampler, TensorDataset

pytestmark = pytest.mark.filterwarnings("ignore:This DataLoader will create")


# With num_workers=0 samples draw from your process's generators, which the loader leaves alone,
# so only the order can be compared; with workers the draws must match too.
def content(batch):
    if isinstance(batch, dict):
        keep = ("i",) if ORDER_ONLY else ("i", "py", "np", "ember", "r")
        return {k: v.numpy().tolist() for k, v in batch.items() if k in keep}
    if isinstance(batch, list):
        return [content(b) for b in batch]
    return batch.numpy().tolist()


ORDER_ONLY = False


@pytest.fixture(autouse=True)
def compare(request):
    global ORDER_ONLY
    params = getattr(request.node, "callspec", None)
    ORDER_ONLY = params is not None and params.params.get("workers") == 0 or "before_any" in request.node.name
    yield
    ORDER_ONLY = False


def take(it, n):
    return [content(next(it)) for _ in range(n)]


def rest(it):
    return [content(b) for b in it]


def make_noisy(workers, seed=0, **kw):
    return DataLoader(Noisy(22), batch_size=3, shuffle=True, num_workers=workers,
                      generator=ember.Generator().manual_seed(seed), **kw)


@pytest.mark.parametrize("workers", [0, 2])
def test_resume_mid_epoch_with_a_generator(workers):
    ld = make_noisy(workers)
    rest(iter(ld))                                    # epoch 1
    it = iter(ld)                                     # epoch 2
    head = take(it, 3)
    state = pickle.loads(pickle.dumps(ld.state_dict()))
    tail = rest(it)
    epoch3 = rest(iter(ld))

    resumed = make_noisy(workers, seed=123)           # another seed: the state decides
    resumed.load_state_dict(state)
    assert rest(iter(resumed)) == tail
    assert rest(iter(resumed)) == epoch3
    assert len(head) + len(tail) == 8


def test_resume_is_independent_of_the_number_of_workers():
    ld = make_noisy(2)
    it = iter(ld)
    take(it, 2)
    state = ld.state_dict()
    tail = rest(it)
    resumed = make_noisy(0)
    resumed.load_state_dict(state)
    # the order resumes exactly; sample draws differ because 0 workers use your process's RNG
    assert [b["i"] for b in rest(iter(resumed))] == [b["i"] for b in tail]
    resumed = make_noisy(3)
    resumed.load_state_dict(state)
    assert rest(iter(resumed)) == tail


def test_resume_without_a_generator_does_not_touch_the_default_generator():
    ember.manual_seed(0)
    ld = DataLoader(Noisy(20), batch_size=4, shuffle=True, num_workers=2)
    it = iter(ld)
    take(it, 2)
    state = ld.state_dict()
    tail = rest(it)
    ember.manual_seed(999)                            # the user's RNG moved on, or was restored
    rng_before = ember.get_rng_state().numpy().copy()
    resumed = DataLoader(Noisy(20), batch_size=4, shuffle=True, num_workers=2)
    resumed.load_state_dict(state)
    assert rest(iter(resumed)) == tail
    np.testing.assert_array_equal(ember.get_rng_state().numpy(), rng_before)


@pytest.mark.parametrize("workers", [0, 2])
def test_resume_an_iterable_dataset(workers):
    def make():
        return DataLoader(NoisyStream(20), batch_size=3, num_workers=workers,
                          generator=ember.Generator().manual_seed(4))
    ld = make()
    it = iter(ld)
    take(it, 3)
    state = ld.state_dict()
    tail = rest(it)
    resumed = make()
    resumed.load_state_dict(state)
    assert rest(iter(resumed)) == tail and tail


def test_resume_at_an_epoch_boundary_starts_the_next_epoch():
    ld = make_noisy(2)
    rest(iter(ld))
    state = ld.state_dict()
    assert state["in_epoch"] is False
    epoch2 = rest(iter(ld))
    resumed = make_noisy(2, seed=77)
    resumed.load_state_dict(state)
    assert rest(iter(resumed)) == epoch2


def test_resume_before_any_batch_of_an_epoch():
    ld = make_noisy(0)
    it = iter(ld)
    state = ld.state_dict()
    assert state["in_epoch"] and state["batches_yielded"] == 0
    whole = rest(it)
    resumed = make_noisy(0, seed=5)
    resumed.load_state_dict(state)
    assert rest(iter(resumed)) == whole


def test_resume_with_persistent_workers():
    ld = make_noisy(2, persistent_workers=True)
    it = iter(ld)
    take(it, 4)
    state = ld.state_dict()
    tail = rest(it)
    rest(iter(ld))                                    # the live workers move on to another epoch...
    ld.load_state_dict(state)                         # ...and are sent back
    assert rest(iter(ld)) == tail


def test_resume_tensor_dataset_and_distributed_sampler():
    x = ember.from_numpy(np.arange(40, dtype=np.float32).reshape(20, 2))
    ds = TensorDataset(x)
    sampler = DistributedSampler(ds, num_replicas=2, rank=1, seed=3)
    sampler.set_epoch(4)
    ld = DataLoader(ds, batch_size=3, sampler=sampler, num_workers=2)
    it = iter(ld)
    take(it, 1)
    state = ld.state_dict()
    tail = rest(it)
    other = DistributedSampler(ds, num_replicas=2, rank=1, seed=3)   # epoch 0 until the state says 4
    resumed = DataLoader(ds, batch_size=3, sampler=other, num_workers=2)
    resumed.load_state_dict(state)
    assert rest(iter(resumed)) == tail and other.epoch == 4


def test_state_mismatches_are_reported():
    ld = make_noisy(0)
    it = iter(ld)
    next(it)
    state = ld.state_dict()
    plain = DataLoader(Noisy(22), batch_size=3, shuffle=True)
    with pytest.raises(ValueError, match="this state was saved from a DataLoader with a generator; create this one "
                                         "the same way"):
        plain.load_state_dict(state)
    st = DataLoader(Stream(0, 10), batch_size=2, num_workers=2)
    sit = iter(st)
    next(sit)
    with pytest.raises(ValueError, match="an IterableDataset resumes only with the same number of workers"):
        DataLoader(Stream(0, 10), batch_size=2, num_workers=1).load_state_dict(st.state_dict())
