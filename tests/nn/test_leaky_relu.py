"""LeakyReLU as one fused op for slopes of 0 or more (its gradient read off the output's sign, so in-place use
works), the composite of where for negative slopes; both against NumPy, special values included."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

X = np.array([np.nan, 0.0, -np.inf, np.inf, -2.0, 3.0, -1e-3, 0.5])
G = np.array([1.0, 2.0, 3.0, np.inf, 5.0, 6.0, 7.0, 8.0])


@pytest.mark.parametrize("slope", [0.2, 0.0, 1.5, -0.5])
@pytest.mark.parametrize("inplace", [False, True])
def test_leaky_relu_values_and_gradient_against_numpy(slope, inplace):
    if inplace and slope < 0:
        pytest.skip("in-place with a negative slope has no gradient from the output")
    x = ember.tensor(X, requires_grad=True)
    out = F.leaky_relu(x * 1, slope, inplace)
    np.testing.assert_array_equal(out.detach().numpy(), np.where(X > 0, X, X * slope))
    out.backward(ember.tensor(G))
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(x.grad.numpy(), np.where(X > 0, G, G * slope))   # inf * 0 is NaN, as in PyTorch
    assert type(out.grad_fn).__name__ == ("WhereBackward0" if slope < 0 else "LeakyReluBackward0")


def test_leaky_relu_module_in_place_and_double_backward():
    x = ember.randn(3, 4, dtype=ember.float64, requires_grad=True)
    layer = nn.LeakyReLU(0.2, inplace=True)
    out = layer(x * 1)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.where(x.detach().numpy() > 0, 1.0, 0.2))
    assert gradcheck(lambda t: F.leaky_relu(t, 0.1), (x,))
    assert gradgradcheck(lambda t: F.leaky_relu(t, 0.1), (x,))
