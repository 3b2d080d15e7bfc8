"""The fused layer norm kernel against its composite, in value, gradient and second gradient."""

import numpy as np
import pytest

import ember
import ember.autograd
from ember.autograd import gradcheck, gradgradcheck
from ember.ops.nn_ops import layer_norm_reference

rng = np.random.default_rng(3)


def _t(*shape, dtype=np.float64):
    return ember.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


@pytest.mark.parametrize("affine", [(True, True), (True, False), (False, True), (False, False)])
def test_fused_matches_the_composite(affine):
    x = _t(4, 3, 6)
    w = _t(3, 6) if affine[0] else None
    b = _t(3, 6) if affine[1] else None
    out = ember.layer_norm(x, (3, 6), w, b, 1e-5)
    assert type(out.grad_fn).__name__ == "NativeLayerNormBackward0"
    ref = layer_norm_reference(x, (3, 6), w, b, 1e-5)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    inputs = [t for t in (x, w, b) if t is not None]
    g = ember.tensor(rng.standard_normal((4, 3, 6)))
    for a, r in zip(ember.autograd.grad((out * g).sum(), inputs), ember.autograd.grad((ref * g).sum(), inputs)):
        np.testing.assert_allclose(a.numpy(), r.numpy(), rtol=1e-10, atol=1e-12)


def test_layer_norm_numpy_values_float32():
    x = rng.standard_normal((5, 7)).astype(np.float32)
    out = ember.layer_norm(ember.tensor(x), (7,)).numpy()
    mean, var = x.mean(1, keepdims=True), x.var(1, keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-5, atol=1e-5)


def test_gradcheck_and_gradgradcheck():
    x, w, b = _t(3, 5), _t(5), _t(5)
    assert gradcheck(lambda *a: ember.layer_norm(a[0], (5,), a[1], a[2]), (x, w, b))
    assert gradgradcheck(lambda *a: ember.layer_norm(a[0], (5,), a[1], a[2]), (x, w, b))


def test_only_weight_needs_a_gradient():
    x = ember.tensor(rng.standard_normal((3, 5)))
    w = _t(5)
    ember.layer_norm(x, (5,), w).sum().backward()
    xhat = layer_norm_reference(x, (5,)).numpy()
    np.testing.assert_allclose(w.grad.numpy(), xhat.sum(0), rtol=1e-10, atol=1e-12)


def test_empty_rows_and_half_precision_take_the_composite():
    assert tuple(ember.layer_norm(ember.ones(0, 4), (4,)).shape) == (0, 4)
    out = ember.layer_norm(ember.ones(2, 4, dtype=ember.float16), (4,))
    assert out.dtype is ember.float16 and out.grad_fn is None
