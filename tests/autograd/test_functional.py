"""ember.autograd.functional: vjp, jvp, jacobian, hessian, vhp, hvp against hand-derived values."""

import numpy as np
import pytest

import ember
from ember.autograd import functional as F


def t(values):
    return ember.tensor(values, dtype=ember.float64)


def test_jacobian_of_one_input_one_output():
    x = t([1.0, 2.0, 3.0])
    J = F.jacobian(lambda v: v ** 2 * v[0], x)
    expected = np.diag(2 * x.numpy() * x[0].item())
    expected[:, 0] += x.numpy() ** 2
    np.testing.assert_allclose(J.numpy(), expected)
    assert not J.requires_grad


def test_jacobian_nested_tuples_and_shapes():
    a, b = t([[1.0, 2.0], [3.0, 4.0]]), t([0.5, -1.0])
    (ja, jb), (ka, kb) = F.jacobian(lambda a, b: (a @ b, (a * a).sum()), (a, b))
    assert tuple(ja.shape) == (2, 2, 2) and tuple(jb.shape) == (2, 2)
    np.testing.assert_allclose(jb.numpy(), a.numpy())
    np.testing.assert_allclose(ka.numpy(), 2 * a.numpy())
    assert kb.tolist() == [0.0, 0.0]       # independent input: zeros
    with pytest.raises(RuntimeError, match="independent of input 1"):
        F.jacobian(lambda a, b: (a * a).sum(), (a, b), strict=True)


def test_hessian_of_quadratic_and_cubic():
    A = t([[2.0, 1.0], [1.0, 3.0]])
    x = t([1.0, -1.0])
    H = F.hessian(lambda v: 0.5 * (v @ A @ v), x)
    np.testing.assert_allclose(H.numpy(), A.numpy())
    H3 = F.hessian(lambda v: (v ** 3).sum(), x)
    np.testing.assert_allclose(H3.numpy(), np.diag(6 * x.numpy()))


def test_vjp_jvp_hvp_vhp():
    x = t([1.0, 2.0])
    f = lambda v: ember.stack([v[0] * v[1], v[0] + v[1] ** 2])  # noqa: E731
    J = np.array([[2.0, 1.0], [1.0, 4.0]])
    out, vjp = F.vjp(f, x, t([1.0, -1.0]))
    np.testing.assert_allclose(out.numpy(), [2.0, 5.0])
    np.testing.assert_allclose(vjp.numpy(), np.array([1.0, -1.0]) @ J)
    _, jvp = F.jvp(f, x, t([1.0, -1.0]))
    np.testing.assert_allclose(jvp.numpy(), J @ np.array([1.0, -1.0]))
    g = lambda v: (v[0] ** 2 * v[1] ** 3)  # noqa: E731
    H = np.array([[2 * 8.0, 2 * 3 * 4.0], [2 * 3 * 4.0, 6 * 2.0]])
    _, hv = F.hvp(g, x, t([1.0, 2.0]))
    np.testing.assert_allclose(hv.numpy(), H @ np.array([1.0, 2.0]))
    _, vh = F.vhp(g, x, t([1.0, 2.0]))
    np.testing.assert_allclose(vh.numpy(), np.array([1.0, 2.0]) @ H)


def test_create_graph_keeps_results_differentiable():
    x = t([1.0, 2.0]).requires_grad_()
    J = F.jacobian(lambda v: v ** 3, x, create_graph=True)
    assert J.requires_grad
    J.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.detach().numpy())


def test_errors():
    x = t([1.0, 2.0])
    with pytest.raises(RuntimeError, match="The vector v can only be None if the user-provided function returns"):
        F.vjp(lambda v: v * 2, x)
    with pytest.raises(TypeError, match="must be either a Tensor or a tuple of Tensors"):
        F.jacobian(lambda v: v, [1.0])
    with pytest.raises(RuntimeError, match="should return a single Tensor with a single element"):
        F.hessian(lambda v: v * 2, x)


def test_strategies_ember_does_not_have_raise():
    x = ember.tensor([1.0, 2.0])
    assert F.jacobian(lambda t: t * 2, x, vectorize=True).tolist() == [[2.0, 0.0], [0.0, 2.0]]
    with pytest.raises(NotImplementedError, match='^jacobian: strategy="forward-mode" is not supported'):
        F.jacobian(lambda t: t * 2, x, vectorize=True, strategy="forward-mode")
    with pytest.raises(ValueError, match='^Expected strategy to be either "forward-mode" or "reverse-mode"'):
        F.jacobian(lambda t: t * 2, x, strategy="backward")
    with pytest.raises(NotImplementedError, match='^hessian: strategy="forward-mode" is not supported'):
        F.hessian(lambda t: (t ** 3).sum(), x, outer_jacobian_strategy="forward-mode")

