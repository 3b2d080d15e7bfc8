"""Batch, layer, group and instance norm: values, running statistics, modes, gradients."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(2)


def t64(*shape, requires_grad=True):
    return ember.tensor(rng.standard_normal(shape), dtype=ember.float64, requires_grad=requires_grad)


def bn_ref(x, w, b, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axis=axes), x.var(axis=axes)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * w.reshape(shape) + b.reshape(shape)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 3, 5, 6)])
def test_batch_norm_training_values_and_running_stats(shape):
    x = rng.standard_normal(shape) * 3 + 1
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    rm, rv = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    out = F.batch_norm(ember.tensor(x), rm, rv, ember.tensor(w), ember.tensor(b), training=True, momentum=0.3)
    np.testing.assert_allclose(out.numpy(), bn_ref(x, w, b), atol=1e-10)
    axes = (0,) + tuple(range(2, x.ndim))
    np.testing.assert_allclose(rm.numpy(), 0.3 * x.mean(axis=axes), atol=1e-12)
    np.testing.assert_allclose(rv.numpy(), 0.7 + 0.3 * x.var(axis=axes, ddof=1), atol=1e-12)


def test_batch_norm_eval_uses_running_stats():
    x = rng.standard_normal((4, 3, 2, 2))
    rm, rv = rng.standard_normal(3), rng.random(3) + 0.5
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    out = F.batch_norm(ember.tensor(x), ember.tensor(rm), ember.tensor(rv), ember.tensor(w), ember.tensor(b))
    s = (1, 3, 1, 1)
    expected = (x - rm.reshape(s)) / np.sqrt(rv.reshape(s) + 1e-5) * w.reshape(s) + b.reshape(s)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-12)


def test_batch_norm_gradcheck():
    for shape in [(5, 3), (3, 2, 4), (3, 2, 3, 3)]:
        x, w, b = t64(*shape), t64(shape[1]), t64(shape[1])
        assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, w, b))
        assert gradcheck(lambda x: F.batch_norm(x, None, None, training=True), (x,))
    x = t64(4, 3)
    assert gradgradcheck(lambda x, w: F.batch_norm(x, None, None, w, None, training=True), (x, t64(3)))
    rm, rv = ember.zeros(2, dtype=ember.float64), ember.ones(2, dtype=ember.float64)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b), (t64(3, 2, 2), t64(2), t64(2)))


def bn_grads_ref(g, x, w, eps=1e-5):
    """NumPy reference for batch norm's (input, weight, bias) gradients with batch statistics."""
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    invstd = 1 / np.sqrt(var + eps)
    xhat = (x - mean) * invstd
    count = x.size // x.shape[1]
    gw, gb = (g * xhat).sum(axis=axes), g.sum(axis=axes)
    gx = (g - gb.reshape(shape) / count - xhat * gw.reshape(shape) / count) * invstd * w.reshape(shape)
    return gx, gw, gb


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
@pytest.mark.parametrize("shape", [(9, 4), (3, 4, 13), (2, 4, 5, 7), (16, 3, 9, 9)])
@pytest.mark.parametrize("affine", [(True, True), (True, False), (False, True), (False, False)])
def test_batch_norm_fused_backward_against_numpy(dtype, tol, shape, affine):
    """The fused CPU kernel (used when not building a graph of the backward) against NumPy."""
    r = np.random.default_rng(7)
    x = (r.standard_normal(shape) * 3 + 2).astype(dtype)
    g = r.standard_normal(shape).astype(dtype)
    w = r.standard_normal(shape[1]).astype(dtype) if affine[0] else np.ones(shape[1], dtype)
    b = r.standard_normal(shape[1]).astype(dtype)
    xt = ember.tensor(x, requires_grad=True)
    wt = ember.tensor(w, requires_grad=True) if affine[0] else None
    bt = ember.tensor(b, requires_grad=True) if affine[1] else None
    out = F.batch_norm(xt, None, None, wt, bt, training=True)
    np.testing.assert_allclose(out.detach().numpy(), bn_ref(x.astype(np.float64), w, b if affine[1] else 0 * b),
                               rtol=tol, atol=tol)
    out.backward(ember.tensor(g))
    gx, gw, gb = bn_grads_ref(g.astype(np.float64), x.astype(np.float64), w.astype(np.float64))
    assert xt.grad.dtype == xt.dtype
    np.testing.assert_allclose(xt.grad.numpy(), gx, rtol=tol, atol=tol)
    if affine[0]:
        np.testing.assert_allclose(wt.grad.numpy(), gw, rtol=tol, atol=tol * 10)
    if affine[1]:
        np.testing.assert_allclose(bt.grad.numpy(), gb, rtol=tol, atol=tol * 10)


def test_batch_norm_fused_backward_only_what_is_needed():
    """Parameters that need a gradient get one; an input that does not require grad gets none."""
    x, w, b = t64(4, 3, 5, requires_grad=False), t64(3), t64(3, requires_grad=False)
    F.batch_norm(x, None, None, w, b, training=True).sum().backward()
    assert x.grad is None and b.grad is None
    np.testing.assert_allclose(w.grad.numpy(), 0, atol=1e-12)   # sum of xhat over each channel is 0


def test_batch_norm_module_momentum_none_counter_and_modes():
    bn = nn.BatchNorm2d(2, momentum=None).double()
    batches = [rng.standard_normal((4, 2, 3, 3)) for _ in range(3)]
    for x in batches:
        bn(ember.tensor(x))
    assert int(bn.num_batches_tracked) == 3
    means = [x.mean(axis=(0, 2, 3)) for x in batches]
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean(means, axis=0), atol=1e-12)
    bn.eval()
    x = ember.tensor(batches[0])
    before = bn.running_mean.numpy().copy()
    out = bn(x).detach().numpy()
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)
    s = (1, 2, 1, 1)
    expected = (batches[0] - before.reshape(s)) / np.sqrt(bn.running_var.numpy().reshape(s) + 1e-5)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_batch_norm_without_running_stats_uses_batch_stats_in_eval():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False).double().eval()
    assert bn.running_mean is None and list(bn.state_dict()) == []
    x = rng.standard_normal((6, 3))
    np.testing.assert_allclose(bn(ember.tensor(x)).numpy(), bn_ref(x, np.ones(3), np.zeros(3)), atol=1e-12)


def test_batch_norm_errors_and_repr():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(ember.ones(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(ember.ones(2, 3, 4, 4))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(ember.ones(1, 3))
    assert repr(nn.BatchNorm1d(3)) == ("BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                                       "track_running_stats=True)")
    assert repr(nn.BatchNorm2d(3, momentum=None, affine=False, track_running_stats=False)) == (
        "BatchNorm2d(3, eps=1e-05, momentum=None, affine=False, bias=False, track_running_stats=False)")


def test_layer_norm():
    x = rng.standard_normal((2, 3, 4, 5))
    w, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    out = F.layer_norm(ember.tensor(x), (4, 5), ember.tensor(w), ember.tensor(b), eps=1e-3)
    mean = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(out.numpy(), (x - mean) / np.sqrt(var + 1e-3) * w + b, atol=1e-12)
    assert gradcheck(lambda x, w, b: F.layer_norm(x, (3,), w, b), (t64(2, 4, 3), t64(3), t64(3)))
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[5\], expected input with shape \[\*, 5\], "
                                           r"but got input of size\[2, 4\]"):
        F.layer_norm(ember.ones(2, 4), (5,))
    ln = nn.LayerNorm(5, elementwise_affine=False)
    assert ln.weight is None and repr(ln) == "LayerNorm((5,), eps=1e-05, elementwise_affine=False, bias=False)"
    assert repr(nn.LayerNorm((3, 4))) == "LayerNorm((3, 4), eps=1e-05, elementwise_affine=True, bias=True)"


def test_group_norm_and_instance_norm():
    x = rng.standard_normal((2, 6, 3, 4))
    w, b = rng.standard_normal(6), rng.standard_normal(6)
    out = F.group_norm(ember.tensor(x), 3, ember.tensor(w), ember.tensor(b))
    g = x.reshape(2, 3, -1)
    norm = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)).reshape(x.shape)
    np.testing.assert_allclose(out.numpy(), norm * w.reshape(1, 6, 1, 1) + b.reshape(1, 6, 1, 1), atol=1e-12)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), (t64(2, 4, 3), t64(4), t64(4)))
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    assert repr(nn.GroupNorm(2, 4)) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    inst = nn.InstanceNorm2d(6).double()
    per = x.reshape(2, 6, -1)
    expected = ((per - per.mean(-1, keepdims=True)) / np.sqrt(per.var(-1, keepdims=True) + 1e-5)).reshape(x.shape)
    np.testing.assert_allclose(inst(ember.tensor(x)).numpy(), expected, atol=1e-12)


def test_local_response_norm():
    x = rng.standard_normal((1, 5, 2, 2))
    out = F.local_response_norm(ember.tensor(x), 3).numpy()
    sq = np.pad(x ** 2, ((0, 0), (1, 1), (0, 0), (0, 0)))
    div = (sq[:, 0:5] + sq[:, 1:6] + sq[:, 2:7]) / 3
    np.testing.assert_allclose(out, x / (1 + 1e-4 * div) ** 0.75, atol=1e-12)
