"""Hogwild training with ember.multiprocessing: the children's SGD steps update the parent's model."""

import os
import sys

import pytest

import ember
import ember.multiprocessing as mp

sys.path.insert(0, os.path.dirname(__file__))
import _hogwild_worker as worker  # noqa: E402


def test_module_share_memory_moves_parameters_and_buffers():
    model = worker.Net()
    weight = model.fc1.weight
    expected = weight.detach().clone()
    assert model.share_memory() is model
    assert model.fc1.weight is weight   # same Parameter objects, now in shared memory
    assert all(p.is_shared() for p in model.parameters())
    assert all(b.is_shared() for b in model.buffers())
    assert (weight.detach() == expected).all().item() and weight.requires_grad


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_hogwild_children_update_parent_parameters(method):
    ember.manual_seed(0)
    model = worker.Net()
    model.share_memory()
    x, y = worker.data()
    with ember.no_grad():
        loss_before = ((model(x) - y) ** 2).mean().item()
    before = [p.detach().clone() for p in model.parameters()]
    ctx = mp.get_context(method)
    losses = ctx.Queue()
    processes = [ctx.Process(target=worker.train, args=(rank, model, 20, losses)) for rank in range(2)]
    for p in processes:
        p.start()
    reports = [losses.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(120)
        assert p.exitcode == 0
    assert all(shared for _, _, shared in reports)
    # both workers' buffer updates reached the parent (unsynchronised += may lose a few: Hogwild)
    assert 20 < model.steps.item() <= 40
    for old, new in zip(before, model.parameters()):
        assert not (old == new.detach()).all().item()
    with ember.no_grad():
        loss_after = ((model(x) - y) ** 2).mean().item()
    assert loss_after < 0.5 * loss_before   # the parent's model is the trained one


def test_spawn_helper_trains_shared_model():
    ember.manual_seed(1)
    model = worker.Net().share_memory()
    before = model.fc2.bias.item()
    losses = mp.get_context("spawn").SimpleQueue()
    mp.spawn(worker.train, args=(model, 5, losses), nprocs=2)
    assert 5 < model.steps.item() <= 10 and model.fc2.bias.item() != before
