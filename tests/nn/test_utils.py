"""clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters."""

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def _params_with_grads(grads):
    params = []
    for g in grads:
        p = nn.Parameter(ember.zeros(len(g)))
        p.grad = ember.tensor(g, dtype=ember.float32)
        params.append(p)
    return params


def test_clip_grad_norm_scales_and_returns_total_norm():
    params = _params_with_grads([[3.0, 0.0], [0.0, 4.0, 0.0]])
    total = clip_grad_norm_(params, max_norm=1.0)
    assert float(total) == pytest.approx(5.0)
    assert total.ndim == 0 and total.dtype is ember.float32
    np.testing.assert_allclose(params[0].grad.numpy(), [3 / (5 + 1e-6), 0], rtol=1e-6)
    np.testing.assert_allclose(params[1].grad.numpy(), [0, 4 / (5 + 1e-6), 0], rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients():
    params = _params_with_grads([[0.3, 0.4]])
    assert float(clip_grad_norm_(params, 2.0)) == pytest.approx(0.5)
    np.testing.assert_allclose(params[0].grad.numpy(), [0.3, 0.4], rtol=1e-6)


@pytest.mark.parametrize(("norm_type", "expected"),
                         [(1.0, 10.0), (float("inf"), 4.0), (3.0, (27 + 64 + 27) ** (1 / 3))])
def test_clip_grad_norm_other_norms(norm_type, expected):
    params = _params_with_grads([[3.0, -4.0], [3.0]])
    assert float(clip_grad_norm_(params, 100.0, norm_type=norm_type)) == pytest.approx(expected, rel=1e-6)


def test_clip_grad_norm_nonfinite_and_skips_missing_grads():
    params = _params_with_grads([[float("nan"), 1.0]])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is "
                                           "non-finite, so it cannot be clipped."):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isnan(float(clip_grad_norm_(params, 1.0, foreach=True)))
    lone = nn.Parameter(ember.ones(2))
    assert float(clip_grad_norm_([lone], 1.0)) == 0.0
    single = _params_with_grads([[6.0, 8.0]])[0]
    assert float(clip_grad_norm_(single, 5.0)) == pytest.approx(10.0)


def test_clip_grad_value():
    params = _params_with_grads([[-3.0, 0.5, 2.0]])
    clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.numpy(), [-1.0, 0.5, 1.0])


def test_parameters_to_vector_and_back():
    lin = nn.Linear(3, 2)
    vec = parameters_to_vector(lin.parameters())
    expected = np.concatenate([lin.weight.detach().numpy().ravel(), lin.bias.detach().numpy()])
    np.testing.assert_array_equal(vec.detach().numpy(), expected)
    assert vec.requires_grad
    new = ember.arange(8, dtype=ember.float32)
    vector_to_parameters(new, lin.parameters())
    np.testing.assert_array_equal(lin.weight.detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(lin.bias.detach().numpy(), [6.0, 7.0])
    with pytest.raises(TypeError, match="expected ember.Tensor, but got: list"):
        vector_to_parameters([1.0], lin.parameters())
