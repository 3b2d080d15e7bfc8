"""The fused LSTM/GRU layer ops (ember.ops.recurrent) against their step-by-step composites."""

import numpy as np
import pytest

import ember
import ember.autograd
import ember.nn as nn
from ember.autograd import gradcheck, gradgradcheck
from ember.ops.recurrent import gru_layer, gru_layer_reference, lstm_layer, lstm_layer_reference

rng = np.random.default_rng(11)


def _t(*shape, dtype=np.float64):
    return ember.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


def _lstm_args(steps=4, n=3, hidden=5, dtype=np.float64):
    return _t(steps, n, 4 * hidden, dtype=dtype), _t(n, hidden, dtype=dtype), _t(n, hidden, dtype=dtype), \
        _t(4 * hidden, hidden, dtype=dtype)


def _gru_args(steps=4, n=3, hidden=5, dtype=np.float64):
    return _t(steps, n, 3 * hidden, dtype=dtype), _t(n, hidden, dtype=dtype), _t(3 * hidden, hidden, dtype=dtype), \
        _t(3 * hidden, dtype=dtype)


def _grads(outputs, inputs, seed):
    weights = [ember.tensor(np.random.default_rng(seed).standard_normal(o.shape)) for o in outputs]
    total = sum((o * w.to(o.dtype)).sum() for o, w in zip(outputs, weights))
    return ember.autograd.grad(total, inputs)


@pytest.mark.parametrize("reverse", [False, True])
def test_lstm_layer_matches_the_step_by_step_composite(reverse):
    args = _lstm_args()
    fused = lstm_layer(*args, reverse=reverse)
    ref = lstm_layer_reference(*args, reverse=reverse)
    assert fused[0].grad_fn is not None and type(fused[0].grad_fn).__name__ == "MkldnnRnnLayerBackward0"
    for a, b in zip(fused, ref):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
    for a, b in zip(_grads(fused, args, 1), _grads(ref, args, 1)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reverse", [False, True])
def test_gru_layer_matches_the_step_by_step_composite(reverse):
    args = _gru_args()
    fused = gru_layer(*args, reverse=reverse)
    ref = gru_layer_reference(*args, reverse=reverse)
    for a, b in zip(fused, ref):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-12)
    for a, b in zip(_grads(fused, args, 2), _grads(ref, args, 2)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_float32_layers_agree_with_float64():
    args = _lstm_args(dtype=np.float32)
    out32 = lstm_layer(*args)[0].detach().numpy()
    out64 = lstm_layer(*[a.detach().double() for a in args])[0].numpy()
    np.testing.assert_allclose(out32, out64, rtol=1e-5, atol=1e-6)


def test_layers_gradcheck_and_gradgradcheck():
    assert gradcheck(lambda *a: lstm_layer(*a, reverse=True), _lstm_args(3, 2, 2))
    assert gradcheck(lambda *a: gru_layer(*a), _gru_args(3, 2, 2))
    # create_graph: the rules run the backward recurrence with ember ops, differentiable again
    assert gradgradcheck(lambda *a: lstm_layer(*a)[0], _lstm_args(2, 2, 2))
    assert gradgradcheck(lambda *a: gru_layer(*a, reverse=True)[0], _gru_args(2, 2, 2))


def test_only_the_final_state_used():
    """A loss on h_n alone (no gradient reaches the output sequence) still back-propagates through time."""
    args = _lstm_args()
    (g_fused,) = ember.autograd.grad(lstm_layer(*args)[2].sum(), args[0])
    (g_ref,) = ember.autograd.grad(lstm_layer_reference(*args)[2].sum(), args[0])
    np.testing.assert_allclose(g_fused.numpy(), g_ref.numpy(), rtol=1e-10, atol=1e-12)


def test_gru_without_bias_and_modules_use_one_node_per_layer():
    args = _gru_args()[:3]
    np.testing.assert_allclose(gru_layer(*args)[0].detach().numpy(), gru_layer_reference(*args)[0].detach().numpy(),
                               rtol=1e-12)
    lstm = nn.LSTM(3, 4)
    out, _ = lstm(ember.randn(5, 2, 3))
    assert type(out.grad_fn).__name__ == "MkldnnRnnLayerBackward0"


def test_empty_sequence_runs_the_composite():
    pre, h0, c0, w = _lstm_args(steps=0)
    out, h, c = lstm_layer(pre, h0, c0, w)
    assert tuple(out.shape) == (0, 3, 5) and h is h0 and c is c0


def test_bad_arguments_are_refused_before_the_kernel():
    pre, h0, c0, w = _lstm_args()
    with pytest.raises(RuntimeError, match="must be 3-D"):
        lstm_layer(pre[0], h0, c0, w)
    with pytest.raises(RuntimeError, match="does not match"):
        lstm_layer(pre, h0, c0, w[:8])
    with pytest.raises(RuntimeError, match=r"c0 must be \(3, 5\)"):
        lstm_layer(pre, h0, c0[:2], w)
    with pytest.raises(RuntimeError, match="weight_hh must be"):
        lstm_layer(pre, h0, c0, _t(20, 4))
    with pytest.raises(RuntimeError, match="dtype"):
        lstm_layer(pre, h0.float(), c0, w)
    gi, h0, w, b = _gru_args()
    with pytest.raises(RuntimeError, match="bias_hh must be"):
        gru_layer(gi, h0, w, b[:3])
    with pytest.raises(RuntimeError, match="does not match"):
        gru_layer(gi[..., :14], h0, w, b)


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRU])
def test_an_empty_batch_runs_forward_and_backward(cls):
    m = cls(3, 4, num_layers=2, bidirectional=True)
    x = ember.randn(5, 0, 3, requires_grad=True)
    out, _ = m(x)
    out.sum().backward()
    assert tuple(out.shape) == (5, 0, 8) and tuple(x.grad.shape) == (5, 0, 3)
