"""Ported PyTorch programs (``tests/programs``, written for ember; ``ember`` renamed to ``torch``
gives PyTorch's): an LSTM fitted with L-BFGS, a VAE (classic and with distributions), REINFORCE
and actor-critic. Where the two runs can see the same random numbers they are compared step for
step; elsewhere ember's run must learn."""

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
PROGRAMS = Path(__file__).parents[1] / "programs"


@pytest.fixture(scope="module", autouse=True)
def programs_on_path():
    sys.path.insert(0, str(PROGRAMS))  # the RL programs import the cart-pole from beside them
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a shared machine: PyTorch's thread pool only slows these small runs
    yield
    torch.set_num_threads(threads)
    sys.path.remove(str(PROGRAMS))


def load(name: str, ember_version: bool):
    """The program ``name`` as written (ember), or with ``ember`` renamed to ``torch``."""
    source = (PROGRAMS / f"{name}.py").read_text()
    if not ember_version:
        source = re.sub(r"\bember\b", "torch", re.sub(r"\bember\.vision\b", "torchvision", source))
    module = types.ModuleType(f"{name}_{'ember' if ember_version else 'torch'}")
    exec(compile(source, str(PROGRAMS / f"{name}.py"), "exec"), module.__dict__)
    return module


def copy_weights(source, target):
    target.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in source.state_dict().items()})


def digits():
    sklearn = pytest.importorskip("sklearn.datasets")
    return (sklearn.load_digits().data / 16.0).astype(np.float32)


@pytest.mark.parametrize("line_search_fn,tol", [(None, 1e-8), ("strong_wolfe", 1e-5)])
def test_lstm_time_sequence_prediction_with_lbfgs_matches(line_search_fn, tol):
    theirs, ours = load("time_sequence_prediction", False), load("time_sequence_prediction", True)
    torch.manual_seed(0)
    model_t, model_e = theirs.build(), ours.build()
    copy_weights(model_t, model_e)
    steps = 2 if line_search_fn is None else 1
    train_t, test_t, pred_t = theirs.train(model_t, steps, line_search_fn=line_search_fn)
    train_e, test_e, pred_e = ours.train(model_e, steps, line_search_fn=line_search_fn)
    np.testing.assert_allclose(train_e, train_t, rtol=tol)
    np.testing.assert_allclose(test_e, test_t, rtol=tol)
    np.testing.assert_allclose(pred_e, pred_t, rtol=tol, atol=tol)
    assert test_e[-1] < 0.2 * train_e[0]  # the fit works: held-out waves beat the untrained loss


def test_vae_steps_match_with_the_same_noise():
    theirs, ours = load("vae", False), load("vae", True)
    images = digits()
    torch.manual_seed(0)
    model_t, model_e = theirs.VAE(), ours.VAE()
    copy_weights(model_t, model_e)
    opt_t = torch.optim.Adam(model_t.parameters(), lr=1e-2)
    opt_e = ember.optim.Adam(model_e.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    for i in range(5):
        x = images[i * 64:(i + 1) * 64]
        noise = rng.standard_normal((64, 8)).astype(np.float32)
        loss_t = theirs.train_step(model_t, opt_t, torch.tensor(x), torch.tensor(noise))
        loss_e = ours.train_step(model_e, opt_e, ember.tensor(x), ember.tensor(noise))
        assert loss_e == pytest.approx(loss_t, rel=1e-5)
    for (name, p), q in zip(model_t.named_parameters(), model_e.parameters()):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("use_distributions", [False, True])
def test_vae_trains_on_digits(use_distributions):
    losses = load("vae", True).fit(digits(), epochs=3, use_distributions=use_distributions)
    # per image, in nats: about 32 after the first epoch, below 28 after the third (PyTorch: the same)
    assert losses[0] > losses[1] > losses[2] and losses[2] < 28.5


def _replay(program, model, optimizer, states, actions):
    for state, action in zip(states, actions):
        program.select_action(model, state, forced=action)
        model.rewards.append(1.0)
    program.finish_episode(model, optimizer)


@pytest.mark.parametrize("name", ["reinforce", "actor_critic"])
def test_policy_gradient_update_matches_on_a_replayed_episode(name):
    """One episode's states and actions fed to both ports: the same losses, gradients and Adam
    update (REINFORCE's dropout is put in eval mode, since masks cannot match across libraries)."""
    theirs, ours = load(name, False), load(name, True)
    model_t, opt_t = theirs.make()
    model_e, opt_e = ours.make()
    copy_weights(model_t, model_e)
    model_t.eval()
    model_e.eval()
    env = ours.CartPole(3)
    rng = np.random.default_rng(4)
    states, actions, state, done = [], [], env.reset(), False
    while not done:
        states.append(state)
        actions.append(int(rng.integers(2)))
        state, _, done = env.step(actions[-1])
    for _ in range(2):
        _replay(theirs, model_t, opt_t, states, actions)
        _replay(ours, model_e, opt_e, states, actions)
    for (pname, p), q in zip(model_t.named_parameters(), model_e.parameters()):
        np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-5, atol=1e-6, err_msg=pname)


def test_reinforce_learns_to_balance():
    lengths = load("reinforce", True).run(140)
    # seeded (deterministic); the policy improves from about 35 steps to well over 100 by episode 120 (when it
    # takes off depends on the dropout masks drawn: 80 episodes were enough before dropout's masks changed)
    assert np.mean(lengths[-20:]) > 2 * np.mean(lengths[:20])


def test_actor_critic_runs():
    lengths = load("actor_critic", True).run(15)
    assert len(lengths) == 15 and all(1 <= n <= 200 for n in lengths)
