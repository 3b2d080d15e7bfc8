"""The fused GELU kernel (exact and tanh forms) against the formulas, finite differences and PyTorch's values."""

import math

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(13)
ERF = np.vectorize(math.erf)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_values_and_gradients(approximate):
    x = rng.standard_normal((4, 5)) * 3
    out = F.gelu(ember.tensor(x), approximate=approximate)
    assert type(out.grad_fn).__name__ != "MulBackward0"   # the fused op, not the composite's last product
    if approximate == "none":
        want = x * 0.5 * (1 + ERF(x / math.sqrt(2)))
    else:
        want = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-15)
    t = ember.tensor(x, requires_grad=True)
    assert gradcheck(lambda a: F.gelu(a, approximate=approximate), (t,))
    assert gradgradcheck(lambda a: F.gelu(a, approximate=approximate), (t,))


def test_float32_matches_float64_and_names():
    x = rng.standard_normal(1000).astype(np.float32) * 4
    out = F.gelu(ember.tensor(x)).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, F.gelu(ember.tensor(x.astype(np.float64))).numpy(), rtol=2e-6, atol=2e-7)
    t = ember.tensor(x, requires_grad=True)
    y = F.gelu(t)
    assert type(y.grad_fn).__name__ == "GeluBackward0"
    y.sum().backward()
    x64 = x.astype(np.float64)
    want = 0.5 * (1 + ERF(x64 / math.sqrt(2))) + x64 * np.exp(-0.5 * x64 ** 2) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(t.grad.numpy(), want, rtol=1e-5, atol=1e-6)


def test_bad_approximation_and_other_dtypes():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(ember.ones(3), approximate="fast")
    out = F.gelu(ember.ones(3, dtype=ember.float16))
    assert out.dtype is ember.float16


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_a_0d_input_keeps_its_shape(approximate):
    """The fused kernel's result and gradient have the input's shape, also 0-d (not a 1-element vector)."""
    x = ember.tensor(0.7, dtype=ember.float64, requires_grad=True)
    out = F.gelu(x, approximate=approximate)
    assert out.shape == () and out.item() == pytest.approx(F.gelu(x.detach().reshape(1), approximate).item())
    out.backward()
    assert x.grad.shape == ()
