"""The scaled, masked softmax of attention scores (one op) against NumPy and its composite."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck
from ember.ops.attention import attention_softmax, attention_softmax_reference

rng = np.random.default_rng(9)


def _np_softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_values_with_scale_and_a_broadcast_mask():
    s = rng.standard_normal((2, 3, 4, 5))
    m = np.where(rng.random((3, 1, 5)) < 0.3, -np.inf, rng.standard_normal((3, 1, 5)))
    m[..., 0] = 0.0   # every row keeps a key
    out = attention_softmax(ember.tensor(s), ember.tensor(m), 0.5)
    np.testing.assert_allclose(out.numpy(), _np_softmax(s * 0.5 + m), rtol=1e-12, atol=1e-15)
    out32 = attention_softmax(ember.tensor(s, dtype=ember.float32), None, 0.5)
    assert out32.dtype is ember.float32
    np.testing.assert_allclose(out32.numpy(), _np_softmax(s * 0.5), rtol=1e-5, atol=1e-6)


def test_rows_that_attend_nothing_give_zeros_or_nan():
    s = ember.tensor(rng.standard_normal((2, 3)))
    mask = ember.tensor([[0.0, float("-inf"), 0.0], [float("-inf")] * 3], dtype=ember.float64)
    out = attention_softmax(s, mask, 1.0)
    assert out.numpy()[1].tolist() == [0.0, 0.0, 0.0]
    np.testing.assert_allclose(out.numpy()[0].sum(), 1.0)
    assert np.isnan(attention_softmax(s, mask, 1.0, zero_dead_rows=False).numpy()[1]).all()
    ref = attention_softmax_reference(s, mask, 1.0)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


def test_gradients_of_scores_and_mask():
    s = ember.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    m = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda a, b: attention_softmax(a, b, 0.7), (s, m))
    assert gradgradcheck(lambda a, b: attention_softmax(a, b, 0.7), (s, m))
    inf = float("-inf")
    dead = ember.tensor([[0.0, 0.0, 0.0, 0.0], [inf] * 4, [0.0, inf, 0.0, 0.0]], dtype=ember.float64)
    s2 = ember.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    attention_softmax(s2, dead, 2.0).pow(2).sum().backward()
    assert s2.grad.numpy()[1].tolist() == [0.0] * 4 and s2.grad.numpy()[2, 1] == 0.0


def test_bad_masks_are_refused():
    s = ember.ones(2, 3, 4)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        attention_softmax(s, ember.zeros(5, 4))
    with pytest.raises(RuntimeError, match="dtype"):
        attention_softmax(s, ember.zeros(4, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="floating point"):
        attention_softmax(ember.ones(2, 3, dtype=ember.int64))


def test_sdpa_runs_the_op_with_its_scale():
    q, k, v = (ember.tensor(rng.standard_normal((2, 4, 3))) for _ in range(3))
    out = F.scaled_dot_product_attention(q, k, v, scale=0.3, is_causal=True)
    qn, kn, vn = q.numpy(), k.numpy(), v.numpy()
    scores = qn @ kn.transpose(0, 2, 1) * 0.3 + np.triu(np.full((4, 4), -np.inf), 1)
    np.testing.assert_allclose(out.numpy(), _np_softmax(scores) @ vn, rtol=1e-12)
