"""Losses: values against NumPy for every reduction and option, gradients, stability, errors."""

import nn_refs as ref
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(4)
REDUCTIONS = ["mean", "sum", "none"]


def reduce(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](loss)


def t(a, grad=False):
    return ember.tensor(a, dtype=ember.float64, requires_grad=grad)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction):
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    d = x - y
    cases = [
        (F.mse_loss, {}, d ** 2),
        (F.l1_loss, {}, np.abs(d)),
        (F.smooth_l1_loss, {"beta": 0.5}, np.where(np.abs(d) < 0.5, 0.5 * d ** 2 / 0.5, np.abs(d) - 0.25)),
        (F.smooth_l1_loss, {"beta": 0.0}, np.abs(d)),
        (F.huber_loss, {"delta": 0.7}, np.where(np.abs(d) < 0.7, 0.5 * d ** 2, 0.7 * (np.abs(d) - 0.35))),
    ]
    for fn, kwargs, pointwise in cases:
        out = fn(t(x), t(y), reduction=reduction, **kwargs)
        np.testing.assert_allclose(out.numpy(), reduce(pointwise, reduction), atol=1e-12)
        assert gradcheck(lambda a, b: fn(a, b, reduction=reduction, **kwargs), (t(x, True), t(y, True)))


def test_weighted_regression_means():
    x, y, w = rng.standard_normal(5), rng.standard_normal(5), rng.random(5)
    np.testing.assert_allclose(F.mse_loss(t(x), t(y), weight=t(w)).numpy(), np.sum(w * (x - y) ** 2) / w.sum())
    np.testing.assert_allclose(F.l1_loss(t(x), t(y), weight=t(w)).numpy(), np.sum(w * np.abs(x - y)) / w.sum())
    d = np.abs(x - y)
    np.testing.assert_allclose(F.huber_loss(t(x), t(y), weight=t(w)).numpy(),
                               np.mean(w * np.where(d < 1, 0.5 * d * d, d - 0.5)))


def test_size_mismatch_warns_and_legacy_args():
    with pytest.warns(UserWarning, match=r"Using a target size \(ember.Size\(\[3\]\)\) that is different to the input "
                                         r"size \(ember.Size\(\[3, 1\]\)\)"):
        F.mse_loss(ember.ones(3, 1), ember.ones(3))
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated, please use "
                                         "reduction='sum' instead."):
        out = F.l1_loss(ember.ones(2), ember.zeros(2), size_average=False)
    assert float(out) == 2.0
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        F.mse_loss(ember.ones(2), ember.ones(2), reduction="bogus")


def nll_ref(logp, target, weight=None, ignore_index=-100, reduction="mean"):
    c = logp.shape[1]
    lp = np.moveaxis(logp, 1, -1).reshape(-1, c)
    tg = target.reshape(-1)
    w = np.ones(c) if weight is None else weight
    keep = tg != ignore_index
    safe = np.where(keep, tg, 0)
    wt = w[safe] * keep
    loss = -lp[np.arange(len(tg)), safe] * wt
    if reduction == "none":
        return loss.reshape(target.shape)
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / wt.sum()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_and_cross_entropy_with_indices(reduction, weighted):
    logits = rng.standard_normal((5, 4, 3))          # K-dim: (N, C, d1)
    target = rng.integers(0, 4, (5, 3))
    target[0, 1] = -100
    weight = rng.random(4) + 0.5 if weighted else None
    logp = ref.log_softmax(logits, 1)
    w = None if weight is None else t(weight)
    out = F.nll_loss(t(logp), ember.tensor(target), weight=w, reduction=reduction)
    np.testing.assert_allclose(out.numpy(), nll_ref(logp, target, weight, reduction=reduction), atol=1e-12)
    ce = F.cross_entropy(t(logits), ember.tensor(target), weight=w, reduction=reduction)
    np.testing.assert_allclose(ce.numpy(), nll_ref(logp, target, weight, reduction=reduction), atol=1e-12)
    assert gradcheck(lambda x: F.cross_entropy(x, ember.tensor(target), weight=w, reduction=reduction),
                     (t(logits, True),))


def test_cross_entropy_2d_and_1d_inputs_and_ignore_index():
    logits = rng.standard_normal((6, 5))
    target = np.array([0, 4, 2, 2, 1, 3])
    logp = ref.log_softmax(logits, 1)
    np.testing.assert_allclose(F.cross_entropy(t(logits), ember.tensor(target)).numpy(),
                               -logp[np.arange(6), target].mean())
    out = F.cross_entropy(t(logits), ember.tensor(target), ignore_index=2)
    keep = target != 2
    np.testing.assert_allclose(out.numpy(), -logp[np.arange(6), target][keep].mean())
    single = F.cross_entropy(t(logits[0]), ember.tensor(3))
    np.testing.assert_allclose(single.numpy(), -logp[0, 3])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_label_smoothing(reduction, weighted):
    logits = rng.standard_normal((6, 4))
    target = np.array([0, 3, 1, -100, 2, 2])
    weight = rng.random(4) + 0.5 if weighted else np.ones(4)
    eps = 0.2
    logp = ref.log_softmax(logits, 1)
    keep = target != -100
    nll = nll_ref(logp, target, weight, reduction=reduction)
    smooth = -(logp * weight).sum(1) * keep
    if reduction == "mean":
        smooth = smooth.sum() / weight[np.where(keep, target, 0)][keep].sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    expected = (1 - eps) * nll + eps / 4 * smooth
    out = F.cross_entropy(t(logits), ember.tensor(target), weight=t(weight) if weighted else None,
                          reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    assert gradcheck(lambda x: F.cross_entropy(x, ember.tensor(target), reduction=reduction, label_smoothing=eps),
                     (t(logits, True),))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_probabilities(reduction):
    logits = rng.standard_normal((3, 4, 2))
    probs = rng.random((3, 4, 2))
    probs /= probs.sum(1, keepdims=True)
    weight = rng.random(4)
    logp = ref.log_softmax(logits, 1)
    target = probs * 0.9 + 0.1 / 4
    terms = logp * weight.reshape(1, 4, 1) * target
    expected = {"mean": -terms.sum() / 6, "sum": -terms.sum(), "none": -terms.sum(1)}[reduction]
    out = F.cross_entropy(t(logits), t(probs), weight=t(weight), reduction=reduction, label_smoothing=0.1)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)
    assert gradcheck(lambda x, p: F.cross_entropy(x, p, reduction=reduction), (t(logits, True), t(probs, True)))


def test_cross_entropy_stable_for_huge_logits():
    logits = ember.tensor([[1000.0, -1000.0, 0.0], [-5000.0, 5000.0, 1.0]], requires_grad=True)
    loss = F.cross_entropy(logits, ember.tensor([0, 0]))
    loss.backward()
    assert float(loss) == pytest.approx(5000.0)
    assert np.isfinite(logits.grad.numpy()).all()


def test_nll_errors():
    with pytest.raises(IndexError, match="Target 7 is out of bounds."):
        F.nll_loss(ember.zeros(2, 3), ember.tensor([0, 7]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match target batch_size \(2\)."):
        F.nll_loss(ember.zeros(3, 3), ember.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="expected scalar type Long but found Float"):
        F.cross_entropy(ember.zeros(2, 3), ember.zeros(2))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction):
    p = rng.random((4, 3)) * 0.98 + 0.01
    y = rng.random((4, 3))
    w = rng.random((4, 3))
    expected = -(w * (y * np.log(p) + (1 - y) * np.log(1 - p)))
    out = F.binary_cross_entropy(t(p), t(y), weight=t(w), reduction=reduction)
    np.testing.assert_allclose(out.numpy(), reduce(expected, reduction), atol=1e-12)
    assert gradcheck(lambda a: F.binary_cross_entropy(a, t(y), reduction=reduction), (t(p, True),))
    edge = F.binary_cross_entropy(ember.tensor([0.0, 1.0]), ember.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(edge.numpy(), [100.0, 100.0])
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(ember.tensor([1.5]), ember.tensor([1.0]))
    with pytest.raises(ValueError, match="is deprecated. Please ensure they have the same size."):
        F.binary_cross_entropy(ember.ones(2, 1) * 0.5, ember.ones(2))


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_gradient_at_zero_and_one(dtype, reduction, weighted):
    """Probabilities of exactly 0 and 1: the logs clamp at -100 and the gradient is (x - t) / max(x(1 - x), 1e-12)
    (times the weight), finite, where differentiating the clamped logs would give 0 * inf = NaN."""
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 0.25])
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.5, 1.0])
    w = np.array([2.0, 3.0, 0.5, 1.5, 1.0, 2.0]) if weighted else np.ones(6)
    tx = ember.tensor(x, dtype=dtype, requires_grad=True)
    loss = F.binary_cross_entropy(tx, ember.tensor(y, dtype=dtype), ember.tensor(w, dtype=dtype) if weighted else None,
                                  reduction=reduction)
    per_item = w * np.array([0.0, 0.0, 100.0, 100.0, np.log(2.0), np.log(4.0)])
    np.testing.assert_allclose(loss.detach().numpy(), reduce(per_item, reduction), rtol=1e-6)
    loss.sum().backward()
    expected = w * np.array([0.0, 0.0, -1e12, 1e12, 0.0, -4.0]) / (6 if reduction == "mean" else 1)
    assert np.isfinite(tx.grad.numpy()).all()
    np.testing.assert_allclose(tx.grad.numpy(), expected, rtol=1e-6)
    module = nn.BCELoss(weight=ember.tensor(w, dtype=dtype) if weighted else None, reduction=reduction)
    tx.grad = None
    module(tx, ember.tensor(y, dtype=dtype)).sum().backward()
    np.testing.assert_allclose(tx.grad.numpy(), expected, rtol=1e-6)


def test_binary_cross_entropy_target_gradient_and_double_backward():
    p, y = rng.random((3, 4)) * 0.9 + 0.05, rng.random((3, 4))
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b), (t(p, True), t(y, True)))
    assert gradgradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction="sum"), (t(p, True), t(y, True)))
    tp = t([1e-30, 0.5], True)
    ty = t([1.0, 0.25], True)
    F.binary_cross_entropy(tp, ty, reduction="sum").backward()
    np.testing.assert_allclose(ty.grad.numpy(), [np.log(1 - 1e-30) - np.log(1e-30), 0.0], atol=1e-12)
    np.testing.assert_allclose(tp.grad.numpy(), [-1e12, (0.5 - 0.25) / (0.5 * 0.5)], rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits(reduction):
    x = rng.standard_normal((4, 3)) * 4
    y = rng.random((4, 3))
    w = rng.random((4, 3))
    pw = rng.random(3) + 0.5
    sig = 1 / (1 + np.exp(-x))
    expected = -w * (pw * y * np.log(sig) + (1 - y) * np.log(1 - sig))
    out = F.binary_cross_entropy_with_logits(t(x), t(y), weight=t(w), pos_weight=t(pw), reduction=reduction)
    np.testing.assert_allclose(out.numpy(), reduce(expected, reduction), atol=1e-10)
    assert gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=t(pw), reduction=reduction),
                     (t(x, True), t(y, True)))
    big = F.binary_cross_entropy_with_logits(ember.tensor([1000.0, -1000.0]), ember.tensor([0.0, 1.0]),
                                             reduction="none")
    np.testing.assert_allclose(big.numpy(), [1000.0, 1000.0])
    with pytest.raises(ValueError, match=r"Target size \(ember.Size\(\[2\]\)\) must be the same as input size"):
        F.binary_cross_entropy_with_logits(ember.ones(2, 1), ember.ones(2))


@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    logq = ref.log_softmax(rng.standard_normal((3, 4)), 1)
    p = rng.random((3, 4))
    p[0, 0] = 0.0
    p /= p.sum(1, keepdims=True)
    target = np.log(p + 1e-300) if log_target else p
    pointwise = np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - logq), 0.0)
    expected = {"batchmean": pointwise.sum() / 3, "sum": pointwise.sum(), "none": pointwise}[reduction]
    out = F.kl_div(t(logq), t(target), reduction=reduction, log_target=log_target)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-10)
    assert gradcheck(lambda a: F.kl_div(a, t(target), reduction=reduction, log_target=log_target), (t(logq, True),))


def test_kl_div_mean_warns():
    with pytest.warns(UserWarning, match="reduction: 'mean' divides the total loss by both the batch size"):
        F.kl_div(ember.zeros(2, 2), ember.ones(2, 2) / 2)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_and_margin_ranking(reduction):
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    y = np.array([1, -1, 1, -1, -1])
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    expected = np.where(y == 1, 1 - cos, np.maximum(cos - 0.1, 0))
    out = F.cosine_embedding_loss(t(a), t(b), ember.tensor(y), margin=0.1, reduction=reduction)
    np.testing.assert_allclose(out.numpy(), reduce(expected, reduction), atol=1e-12)
    assert gradcheck(lambda u, v: F.cosine_embedding_loss(u, v, ember.tensor(y), 0.1, reduction=reduction),
                     (t(a, True), t(b, True)))
    x1, x2 = rng.standard_normal(5), rng.standard_normal(5)
    expected = np.maximum(0, -y * (x1 - x2) + 0.3)
    out = F.margin_ranking_loss(t(x1), t(x2), t(y.astype(float)), margin=0.3, reduction=reduction)
    np.testing.assert_allclose(out.numpy(), reduce(expected, reduction), atol=1e-12)


def test_other_losses():
    x, y = rng.standard_normal((4, 3)), np.sign(rng.standard_normal((4, 3)))
    np.testing.assert_allclose(F.soft_margin_loss(t(x), t(y)).numpy(), np.mean(np.log1p(np.exp(-y * x))))
    np.testing.assert_allclose(F.hinge_embedding_loss(t(x), t(y), margin=0.5).numpy(),
                               np.mean(np.where(y == 1, x, np.maximum(0, 0.5 - x))))
    labels = (y > 0).astype(float)
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(F.multilabel_soft_margin_loss(t(x), t(labels)).numpy(),
                               np.mean(-(labels * np.log(sig) + (1 - labels) * np.log(1 - sig)).mean(1)))
    a, p, n = (rng.standard_normal((4, 3)) for _ in range(3))
    dist = lambda u, v: np.sqrt(((u - v + 1e-6) ** 2).sum(1))
    np.testing.assert_allclose(F.triplet_margin_loss(t(a), t(p), t(n)).numpy(),
                               np.mean(np.maximum(dist(a, p) - dist(a, n) + 1.0, 0)))
    rate = np.abs(y) * 3
    np.testing.assert_allclose(F.poisson_nll_loss(t(x), t(rate)).numpy(), np.mean(np.exp(x) - rate * x))
    var = rng.random((4, 3)) + 0.1
    np.testing.assert_allclose(F.gaussian_nll_loss(t(x), t(y), t(var)).numpy(),
                               np.mean(0.5 * (np.log(var) + (x - y) ** 2 / var)))


def test_loss_modules_hold_options_and_buffers():
    w = ember.ones(3)
    ce = nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1)
    assert ce.weight is w and "weight" in ce._buffers and ce.ignore_index == 1 and ce.label_smoothing == 0.1
    assert repr(ce) == "CrossEntropyLoss()"
    bce = nn.BCEWithLogitsLoss(pos_weight=ember.ones(3))
    assert list(bce.state_dict()) == ["pos_weight"]
    assert nn.MSELoss(reduction="sum").reduction == "sum"
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.L1Loss(reduce=False).reduction == "none"
    logits = ember.randn(4, 3)
    target = ember.tensor([0, 2, 1, 1])
    assert float(nn.CrossEntropyLoss()(logits, target)) == pytest.approx(float(F.cross_entropy(logits, target)))
    nll = nn.NLLLoss()(F.log_softmax(logits, 1), target)
    assert float(nll) == pytest.approx(float(F.cross_entropy(logits, target)), rel=1e-6)
    assert float(nn.HuberLoss(delta=2.0)(logits, logits * 0)) == pytest.approx(
        float(F.huber_loss(logits, logits * 0, delta=2.0)))
    assert float(nn.KLDivLoss(reduction="batchmean", log_target=True)(logits, logits)) == 0.0
