"""Linear and matmul on inputs of any rank run as one matrix product over the flattened batch."""

import numpy as np

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck

rng = np.random.default_rng(7)


def test_linear_3d_is_one_addmm_with_values_and_gradients():
    x = ember.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(5), requires_grad=True)
    out = F.linear(x, w, b)
    assert tuple(out.shape) == (2, 3, 5)
    assert type(out.grad_fn).__name__ == "ViewBackward0"
    assert type(out.grad_fn.next_functions[0][0]).__name__ == "AddmmBackward0"
    np.testing.assert_allclose(out.detach().numpy(), x.detach().numpy() @ w.detach().numpy().T + b.detach().numpy(),
                               rtol=1e-12)
    assert gradcheck(lambda *a: F.linear(*a), (x, w, b))
    # PyTorch's node names: no bias, or a non-contiguous input, go through matmul (still one product)
    assert type(F.linear(x, w).grad_fn).__name__ == "UnsafeViewBackward0"
    assert type(F.linear(x.transpose(0, 1), w, b).grad_fn).__name__ == "AddBackward0"
    assert gradcheck(lambda *a: F.linear(*a), (x.detach().transpose(0, 1).requires_grad_(), w))


def test_linear_of_an_empty_batch_and_a_bad_width():
    out = F.linear(ember.ones(0, 3, 4), ember.ones(5, 4), ember.ones(5))
    assert tuple(out.shape) == (0, 3, 5)
    try:
        F.linear(ember.ones(2, 3, 4), ember.ones(5, 3))
    except RuntimeError as e:
        assert "cannot be multiplied" in str(e)
    else:
        raise AssertionError("a width mismatch must raise")


def test_matmul_stack_times_matrix_weight_gradient_is_one_product():
    a = ember.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    b = ember.tensor(rng.standard_normal((4, 5)), requires_grad=True)
    out = a.matmul(b)
    np.testing.assert_allclose(out.detach().numpy(), a.detach().numpy() @ b.detach().numpy(), rtol=1e-12)
    g = ember.tensor(rng.standard_normal((2, 3, 5)))
    (out * g).sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), np.einsum("bik,bim->km", a.detach().numpy(), g.numpy()), rtol=1e-12)
    assert gradcheck(lambda x, y: x.matmul(y), (a, b))
    assert gradcheck(lambda x, y: x.matmul(y), (a.detach().transpose(1, 2).requires_grad_(), b[:3].detach()
                                                .requires_grad_()))
