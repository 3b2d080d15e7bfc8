"""Linear, Bilinear, Identity, Flatten, Unflatten, and the activation layers and functions."""

import math
import re

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

rng = np.random.default_rng(3)


def t64(*shape, requires_grad=True, scale=1.0):
    return ember.tensor(rng.standard_normal(shape) * scale, dtype=ember.float64, requires_grad=requires_grad)


def test_linear_values_grad_fn_and_shapes():
    lin = nn.Linear(3, 2)
    x = ember.randn(4, 3)
    expected = x.numpy() @ lin.weight.detach().numpy().T + lin.bias.detach().numpy()
    out = lin(x)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert type(out.grad_fn).__name__ == "AddmmBackward0"
    assert lin(ember.randn(5, 4, 3)).shape == (5, 4, 2)
    assert lin(ember.randn(3)).shape == (2,)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert gradcheck(F.linear, (t64(4, 3), t64(2, 3), t64(2)))
    assert gradcheck(F.linear, (t64(2, 4, 3), t64(2, 3)))
    assert repr(lin) == "Linear(in_features=3, out_features=2, bias=True)"


def test_linear_module_gradients_and_errors():
    lin = nn.Linear(3, 2, dtype=ember.float64)
    x = t64(4, 3)
    lin(x).sum().backward()
    w = lin.weight.detach().numpy()
    np.testing.assert_allclose(lin.weight.grad.numpy(), np.ones((2, 4)) @ x.detach().numpy())
    np.testing.assert_allclose(lin.bias.grad.numpy(), [4.0, 4.0])
    np.testing.assert_allclose(x.grad.numpy(), np.ones((4, 2)) @ w)
    with pytest.raises(RuntimeError, match=re.escape("mat1 and mat2 shapes cannot be multiplied (4x5 and 3x2)")):
        lin(ember.randn(4, 5, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="mat1 and mat2 must have the same dtype, but got Float and Double"):
        lin(ember.randn(4, 3))


def test_bilinear():
    x1, x2 = rng.standard_normal((4, 3)), rng.standard_normal((4, 5))
    w, b = rng.standard_normal((2, 3, 5)), rng.standard_normal(2)
    out = F.bilinear(ember.tensor(x1), ember.tensor(x2), ember.tensor(w), ember.tensor(b))
    np.testing.assert_allclose(out.numpy(), np.einsum("ni,oij,nj->no", x1, w, x2) + b, atol=1e-12)
    assert gradcheck(F.bilinear, (t64(2, 3), t64(2, 4), t64(5, 3, 4), t64(5)))
    assert nn.Bilinear(3, 4, 5)(ember.randn(6, 2, 3), ember.randn(6, 2, 4)).shape == (6, 2, 5)
    assert repr(nn.Bilinear(2, 3, 4)) == "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)"


def test_identity_flatten_unflatten():
    x = ember.randn(2, 3, 4, 5)
    assert nn.Identity(54, unused="x")(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 1, 4))(ember.randn(2, 12)).shape == (2, 3, 1, 4)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"
    with pytest.raises(TypeError, match="unflattened_size must be a tuple of ints"):
        nn.Unflatten(1, 3)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


ERF = np.vectorize(math.erf)

ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.ELU(0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    (nn.CELU(2.0), lambda x: np.where(x > 0, x, 2.0 * np.expm1(x / 2.0))),
    (nn.SELU(), lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    (nn.GELU(), lambda x: 0.5 * x * (1 + ERF(x / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    (nn.SiLU(), lambda x: x * _sigmoid(x)),
    (nn.Mish(), lambda x: x * np.tanh(_softplus(x))),
    (nn.Softplus(), _softplus),
    (nn.Softplus(beta=2, threshold=3), lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2)),
    (nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    (nn.Hardtanh(-0.5, 2.0), lambda x: np.clip(x, -0.5, 2.0)),
    (nn.Hardsigmoid(), lambda x: np.clip(x + 3, 0, 6) / 6),
    (nn.Hardswish(), lambda x: x * np.clip(x + 3, 0, 6) / 6),
    (nn.Sigmoid(), _sigmoid),
    (nn.Tanh(), np.tanh),
    (nn.LogSigmoid(), lambda x: -_softplus(-x)),
    (nn.Tanhshrink(), lambda x: x - np.tanh(x)),
    (nn.Softshrink(0.5), lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    (nn.Hardshrink(0.5), lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    (nn.Threshold(0.1, 20.0), lambda x: np.where(x > 0.1, x, 20.0)),
    (nn.Softmax(1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(1), lambda x: x - np.log(np.exp(x).sum(1, keepdims=True))),
    (nn.Softmin(1), lambda x: np.exp(-x) / np.exp(-x).sum(1, keepdims=True)),
    (nn.GLU(1), lambda x: x[:, :2] * _sigmoid(x[:, 2:])),
]


@pytest.mark.parametrize(("module", "reference"), ACTIVATIONS,
                         ids=lambda v: repr(v) if isinstance(v, nn.Module) else "")
def test_activation_values_and_gradients(module, reference):
    x = rng.standard_normal((3, 4)) * 3
    x[np.abs(np.abs(x) - 0.5) < 0.05] += 0.2      # keep finite differences away from kinks
    x[np.abs(x) < 0.05] += 0.2
    np.testing.assert_allclose(module(ember.tensor(x)).numpy(), reference(x), rtol=1e-10, atol=1e-12)
    assert gradcheck(module, (ember.tensor(x, requires_grad=True),))


def test_large_inputs_stay_finite():
    x = ember.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=ember.float32, requires_grad=True)
    for fn in (F.softplus, F.logsigmoid, F.elu, F.silu, F.mish, F.gelu, F.selu, ember.sigmoid):
        out = fn(x)
        out.sum().backward()
        assert np.isfinite(out.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all(), fn
        x.grad = None


def test_prelu():
    x = rng.standard_normal((2, 3, 4))
    w = np.array([0.1, 0.2, 0.3])
    out = F.prelu(ember.tensor(x), ember.tensor(w))
    np.testing.assert_allclose(out.numpy(), np.where(x > 0, x, w.reshape(1, 3, 1) * x))
    assert gradcheck(F.prelu, (t64(2, 3, 4), t64(3)))
    assert gradcheck(F.prelu, (t64(5), t64(1)))
    with pytest.raises(RuntimeError, match="Mismatch of parameter numbers and input channel size. Found parameter "
                                           "numbers = 2 and channel size = 3."):
        F.prelu(ember.ones(2, 3), ember.ones(2))
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"


def test_inplace_activations_write_into_input():
    x = ember.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x) is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    y = ember.tensor([-2.0, 3.0])
    F.leaky_relu_(y, 0.5)
    np.testing.assert_array_equal(y.numpy(), [-1.0, 3.0])
    leaf = ember.tensor([1.0], requires_grad=True)
    z = leaf * 1.0
    F.relu(z, inplace=True).sum().backward()
    assert leaf.grad.numpy().tolist() == [1.0]


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax has been deprecated"):
        out = F.softmax(ember.randn(2, 3))
    np.testing.assert_allclose(out.sum(1).numpy(), [1.0, 1.0], rtol=1e-6)


@pytest.mark.parametrize("call", [lambda x: F.softmax(x), lambda x: F.log_softmax(x), lambda x: F.softmin(x),
                                  lambda x: nn.Softmax()(x), lambda x: nn.LogSoftmax()(x), lambda x: nn.Softmin()(x)])
def test_the_implicit_dim_warning_points_at_the_callers_line(call):
    with pytest.warns(UserWarning, match="Implicit dimension choice") as record:
        call(ember.randn(2, 3))
    assert record[0].filename == __file__


def test_softmax_stacklevel_moves_the_warning_up():
    def helper(x):
        return F.softmax(x, _stacklevel=4)   # the warning names helper's caller
    with pytest.warns(UserWarning, match="Implicit dimension choice") as record:
        helper(ember.randn(2, 3))
    assert record[0].filename == __file__ and record[0].lineno != helper.__code__.co_firstlineno + 1


def test_activation_reprs():
    assert [repr(m) for m in (nn.ReLU(), nn.ReLU(True), nn.LeakyReLU(), nn.LeakyReLU(0.2, True), nn.ELU(),
                              nn.GELU(), nn.GELU("tanh"), nn.Softplus(), nn.Softmax(1), nn.Softmax(), nn.Hardtanh(),
                              nn.Softshrink(), nn.Threshold(0.1, 2.0), nn.GLU(), nn.ReLU6(), nn.Sigmoid())] == [
        "ReLU()", "ReLU(inplace=True)", "LeakyReLU(negative_slope=0.01)", "LeakyReLU(negative_slope=0.2, inplace=True)",
        "ELU(alpha=1.0)", "GELU(approximate='none')", "GELU(approximate='tanh')", "Softplus(beta=1.0, threshold=20.0)",
        "Softmax(dim=1)", "Softmax(dim=None)", "Hardtanh(min_val=-1.0, max_val=1.0)", "Softshrink(0.5)",
        "Threshold(threshold=0.1, value=2.0)", "GLU(dim=-1)", "ReLU6()", "Sigmoid()"]
