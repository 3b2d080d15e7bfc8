"""gradcheck of the fused softmax kernels (the composites are covered op by op), and ReLU's gradient kernel."""

import numpy as np
import pytest
from autograd_checks import check, rand

import ember
from ember.autograd import gradgradcheck


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family(op, dim):
    x = rand(3, 4, low=-2, high=2, contiguous=False)
    y = getattr(ember, op)(x, dim)
    assert y.grad_fn.name() == {"softmax": "SoftmaxBackward0", "log_softmax": "LogSoftmaxBackward0"}[op]
    check(lambda t: getattr(ember, op)(t, dim), x)


def test_softmax_of_0d_tensor():
    x = rand()
    check(lambda t: ember.softmax(t, 0), x)
    check(lambda t: ember.log_softmax(t, 0), x)


@pytest.mark.parametrize("dtype", [ember.float16, ember.float32, ember.float64])
def test_relu_gradient_is_a_select(dtype):
    """ReLU's gradient passes grad where the output is positive or NaN and is 0 elsewhere, even for an
    infinite grad (PyTorch's threshold_backward: not grad * mask, which would give NaN)."""
    x = ember.tensor([float("nan"), -1.0, 2.0, 0.0, -0.0], dtype=dtype, requires_grad=True)
    ember.relu(x).backward(ember.tensor([1.0, float("inf"), 3.0, 5.0, -float("inf")], dtype=dtype))
    assert x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad.numpy(), np.array([1, 0, 3, 0, 0], dtype=x.grad.numpy().dtype))


def test_relu_gradient_without_the_fused_kernel(monkeypatch):
    """A backend without threshold_backward gets the same gradients from ``where``."""
    rng = np.random.default_rng(3)
    data = rng.standard_normal((4, 5))
    data[0, :2] = [np.nan, 0.0]
    g = rng.standard_normal((4, 5))
    g[1, 0] = np.inf
    results = []
    for fused in (True, False):
        if not fused:
            monkeypatch.delitem(ember.zeros(1).device._kernels, "threshold_backward")
        x = ember.tensor(data, requires_grad=True)
        ember.relu(x).backward(ember.tensor(g))
        results.append(x.grad.numpy())
    np.testing.assert_array_equal(results[0], results[1])
    assert results[0][0, 0] == g[0, 0] and results[0][0, 1] == 0


def test_relu_double_backward():
    x = ember.tensor(np.random.default_rng(4).standard_normal((3, 4)) + 0.1, requires_grad=True)
    assert gradgradcheck(ember.relu, (x,))
    y = ember.relu(x)
    (gx,) = ember.autograd.grad(y.sum(), x, create_graph=True)
    assert gx.grad_fn.name() == "ThresholdBackwardBackward0"
