"""The fused cross_entropy kernel (log_softmax and nll_loss in one pass, softmax - onehot backward):
the same values and gradients as the composite, finite-difference gradients in float64, and
hostile targets rejected before the kernel."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

CASES = [(reduction, weighted, ignore) for reduction in ("mean", "sum", "none")
         for weighted in (False, True) for ignore in (-100, 2)]


def _composite(x, t, w, ignore, reduction):
    """log_softmax then nll_loss, the ops the fused kernel replaces."""
    return F.nll_loss(F.log_softmax(x, 1), t, w, ignore_index=ignore, reduction=reduction)


@pytest.mark.parametrize("reduction,weighted,ignore", CASES)
def test_values_and_gradients_match_the_composite(reduction, weighted, ignore):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 5))
    t = ember.tensor(np.array([0, 2, 4, 1, 2, 3, 2]))
    w = ember.tensor(rng.random(5) + 0.1) if weighted else None
    a, b = ember.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    fused, composite = F.cross_entropy(a, t, w, ignore_index=ignore, reduction=reduction), _composite(
        b, t, w, ignore, reduction)
    np.testing.assert_allclose(fused.detach().numpy(), composite.detach().numpy(), rtol=1e-12, atol=1e-12)
    seed = ember.tensor(rng.standard_normal(fused.shape))
    (fused * seed).sum().backward()
    (composite * seed).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction,weighted,ignore", CASES[::3])
def test_gradcheck_float64(reduction, weighted, ignore):
    rng = np.random.default_rng(1)
    t = ember.tensor(np.array([1, 2, 0, 3]))
    w = ember.tensor(rng.random(4) + 0.1) if weighted else None
    f = lambda x: F.cross_entropy(x, t, w, ignore_index=ignore, reduction=reduction)
    x = ember.tensor(rng.standard_normal((4, 4)), requires_grad=True)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_large_logits_stay_finite():
    x = ember.tensor(np.array([[1000.0, -1000.0, 0.0], [-1e4, 1e4, 3.0]], dtype=np.float32), requires_grad=True)
    loss = F.cross_entropy(x, ember.tensor(np.array([1, 1])))
    loss.backward()
    np.testing.assert_allclose(loss.item(), 1000.0, rtol=1e-6)
    assert np.isfinite(x.grad.numpy()).all()


def test_class_dim_1_of_a_4d_input():
    rng = np.random.default_rng(2)
    x = ember.tensor(rng.standard_normal((2, 3, 2, 2)), requires_grad=True)
    t = ember.tensor(rng.integers(0, 3, (2, 2, 2)))
    assert gradcheck(lambda a: F.cross_entropy(a, t, reduction="none"), (x,))
    np.testing.assert_allclose(F.cross_entropy(x, t).item(), _composite(x, t, None, -100, "mean").item(), rtol=1e-12)


@pytest.mark.parametrize("bad", [-1, 3])
def test_out_of_range_targets_raise(bad):
    x = ember.zeros(2, 3)
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(x, ember.tensor(np.array([0, bad])))


def test_hostile_shapes_and_dtypes_raise():
    x = ember.zeros(2, 3)
    with pytest.raises(ValueError, match="batch_size"):
        F.cross_entropy(x, ember.tensor(np.array([0, 1, 2])))
    with pytest.raises(RuntimeError, match="Long"):
        F.cross_entropy(x, ember.tensor(np.array([0.5, 1.0], dtype=np.float16)).to(ember.bool))
    with pytest.raises(RuntimeError, match="weight tensor"):
        F.cross_entropy(x, ember.tensor(np.array([0, 1])), weight=ember.ones(4))
