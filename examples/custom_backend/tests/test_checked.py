"""ember-checked end to end: found through its entry point, finds the op that made a NaN or Inf."""

import math
from importlib.metadata import entry_points

import numpy as np
import pytest

import ember
from ember.backends import registry


def test_ember_finds_the_plugin_through_its_entry_point():
    [ep] = [ep for ep in entry_points(group="ember") if ep.name == "checked"]
    assert ep.value == "ember_checked" and ep.dist.name == "ember-checked"
    assert ember.backends.list()["checked"] == "ember-checked: 2 devices"


def test_the_op_that_makes_a_nan_or_an_inf_is_named():
    x = ember.tensor([1.0, 0.0, 4.0], device="checked")
    assert (x * 2).tolist() == [2.0, 0.0, 8.0]
    with pytest.raises(FloatingPointError) as err:
        ember.log(x)
    assert str(err.value) == "checked device: 'log' produced NaN or Inf from finite inputs (1 of 3 values)"
    with pytest.raises(FloatingPointError, match="'div' produced NaN or Inf"):
        ember.ones(3, device="checked") / x
    with pytest.raises(FloatingPointError, match="'exp' produced NaN or Inf"):
        ember.exp(ember.tensor([100.0], device="checked"))
    with pytest.raises(FloatingPointError, match="'sqrt' produced NaN or Inf"):
        ember.sqrt(x - 2)
    with pytest.raises(FloatingPointError, match="'mul_' produced NaN or Inf"):
        x.mul_(1e38).mul_(1e38)


def test_a_nan_that_comes_in_is_not_blamed_on_the_next_op():
    x = ember.tensor([math.nan, 1.0], device="checked")
    y = x + 1
    assert math.isnan(y[0].item()) and y[1].item() == 2.0
    assert ember.isnan(x).tolist() == [True, False]
    assert ember.nan_to_num(x, nan=0.0).tolist() == [0.0, 1.0]
    assert ember.full((2,), math.inf, device="checked").tolist() == [math.inf, math.inf]


def _fit(device, lr: float, steps: int = 50):
    """Least squares by gradient descent, written with tensor ops only."""
    rng = np.random.default_rng(0)
    X = ember.tensor(rng.standard_normal((64, 3)), dtype=ember.float32, device=device)
    w_true = ember.tensor([[1.5], [-2.0], [0.5]], device=device)
    y = X @ w_true
    w = ember.zeros(3, 1, device=device)
    for _ in range(steps):
        grad = X.T @ (X @ w - y) * (2 / X.shape[0])
        w = w - lr * grad
    return w


def test_training_on_the_checked_device_matches_the_cpu():
    w = _fit("checked:1", lr=0.1)
    assert w.device == "checked:1"
    np.testing.assert_allclose(w.cpu().numpy(), _fit("cpu", lr=0.1).numpy(), rtol=1e-6)
    np.testing.assert_allclose(w.cpu().numpy().ravel(), [1.5, -2.0, 0.5], atol=1e-3)


def test_a_diverging_training_stops_at_the_op_that_overflowed():
    with np.errstate(all="ignore"):
        assert not np.isfinite(_fit("cpu", lr=5.0, steps=200).numpy()).all()  # the CPU just carries on
    with pytest.raises(FloatingPointError, match="checked device: '(mm|matmul|mul|sub)' produced NaN or Inf"):
        _fit("checked", lr=5.0, steps=200)


def test_two_devices_that_do_not_mix_with_each_other_or_the_cpu():
    a, b = ember.ones(2, device="checked:0"), ember.ones(2, device="checked:1")
    with pytest.raises(RuntimeError, match="found at least two devices, checked:0 and checked:1!"):
        a + b
    with pytest.raises(RuntimeError, match="found at least two devices, cpu and checked:0!"):
        ember.ones(2) + a
    assert (a + b.to(a.device)).tolist() == [2.0, 2.0]
    assert (a + b.to(a)).device == "checked:0"
    with pytest.raises(RuntimeError, match="'checked' backend has 2 device\\(s\\)"):
        ember.ones(1, device="checked:2")


def test_a_checked_tensor_owns_its_memory():
    host = np.ones(3, dtype=np.float32)
    t = ember.from_numpy(host).to("checked")
    host[:] = 5
    back = t.cpu()
    back += 1
    assert t.tolist() == [1.0, 1.0, 1.0]


def test_manual_seed_and_synchronize():
    backend = registry.backend("checked")
    ember.manual_seed(7)
    assert backend.seeds == [7, 7]
    a = ember.rand(4, device="checked")
    ember.manual_seed(7)
    assert ember.rand(4, device="checked").tolist() == a.tolist()
    assert backend.synchronize() is None and backend.synchronize(1) is None
    assert repr(a).endswith("device='checked:0')")
