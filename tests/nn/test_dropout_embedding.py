"""Dropout (elementwise and channel-wise) and Embedding."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck


def test_dropout_zeroes_with_probability_p_and_rescales():
    ember.manual_seed(0)
    x = ember.ones(200, 500)
    out = F.dropout(x, 0.3).numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    assert F.dropout(x, 0.3, training=False) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0.0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.dropout(x, 1.5)


def test_dropout_gradient_uses_the_same_mask():
    x = ember.ones(50, 40, requires_grad=True)
    out = F.dropout(x, 0.5)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())


def test_dropout_module_modes_and_inplace():
    d = nn.Dropout(0.5)
    x = ember.ones(100)
    assert d.eval()(x) is x
    d.train()
    y = ember.ones(100)
    assert nn.Dropout(0.5, inplace=True)(y) is y and (y.numpy() != 1).any()
    assert repr(d) == "Dropout(p=0.5, inplace=False)"
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.Dropout(-0.1)


def test_seeded_dropout_is_reproducible():
    ember.manual_seed(5)
    a = F.dropout(ember.ones(20), 0.5).numpy()
    ember.manual_seed(5)
    np.testing.assert_array_equal(a, F.dropout(ember.ones(20), 0.5).numpy())


def test_dropout2d_and_dropout1d_drop_whole_channels():
    ember.manual_seed(1)
    out = F.dropout2d(ember.ones(8, 50, 3, 3), 0.5).numpy()
    per_channel = out.reshape(8, 50, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1)).all()
    assert 0.35 < (per_channel[..., 0] == 0).mean() < 0.65
    out1 = F.dropout1d(ember.ones(4, 30, 5), 0.5).numpy()
    assert ((out1 == 0).all(-1) | (out1 == 2.0).all(-1)).all()
    assert F.dropout1d(ember.ones(30, 5), 0.5).shape == (30, 5)
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        F.dropout2d(ember.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(ember.ones(1, 2, 3, 4))
    assert repr(nn.Dropout2d(0.3, True)) == "Dropout2d(p=0.3, inplace=True)"


def test_alpha_dropout_keeps_mean_and_variance():
    ember.manual_seed(2)
    x = ember.randn(400, 500)
    out = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02


def test_embedding_lookup_and_gradient():
    w = ember.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    idx = ember.tensor([[0, 2], [2, 3]])
    out = F.embedding(idx, w)
    np.testing.assert_array_equal(out.detach().numpy(), np.arange(12.0).reshape(4, 3)[[[0, 2], [2, 3]]])
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1, 0, 2, 1])
    assert type(out.grad_fn).__name__ == "EmbeddingBackward0"


def test_embedding_padding_idx_gets_no_gradient():
    w = ember.ones(4, 2, requires_grad=True)
    F.embedding(ember.tensor([1, 1, 3, 0]), w, padding_idx=1).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1, 0, 0, 1])
    w.grad = None
    F.embedding(ember.tensor([3, 0]), w, padding_idx=-1).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1, 0, 0, 0])


def test_embedding_gradcheck_and_double_backward():
    w = ember.randn(5, 3, dtype=ember.float64, requires_grad=True)
    idx = ember.tensor([[4, 0, 4], [1, 2, 0]])
    assert gradcheck(lambda t: F.embedding(idx, t), (w,))
    assert gradgradcheck(lambda t: F.embedding(idx, t, padding_idx=3) ** 2, (w,))


def test_embedding_max_norm_renormalises_used_rows_in_place():
    w = ember.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    out = F.embedding(ember.tensor([0, 1]), w, max_norm=1.0)
    np.testing.assert_allclose(w.numpy()[0], [0.6, 0.8], rtol=1e-5)
    np.testing.assert_allclose(w.numpy()[1], [0.3, 0.4])
    np.testing.assert_allclose(w.numpy()[2], [6.0, 8.0])
    np.testing.assert_allclose(out.numpy()[0], [0.6, 0.8], rtol=1e-5)


def test_embedding_errors():
    with pytest.raises(IndexError, match="index out of range in self"):
        F.embedding(ember.tensor([5]), ember.ones(3, 2))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices' to have one of the following "
                                           "scalar types: Long, Int"):
        F.embedding(ember.tensor([1.0]), ember.ones(3, 2))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=3)


def test_embedding_module():
    emb = nn.Embedding(10, 3, padding_idx=0)
    assert (emb.weight.detach().numpy()[0] == 0).all()
    assert emb(ember.tensor([[1, 2], [0, 9]])).shape == (2, 2, 3)
    assert repr(emb) == "Embedding(10, 3, padding_idx=0)"
    assert repr(nn.Embedding(10, 3, max_norm=2.0)) == "Embedding(10, 3, max_norm=2.0)"
    pre = nn.Embedding.from_pretrained(ember.ones(4, 2))
    assert not pre.weight.requires_grad and pre.num_embeddings == 4
    assert nn.Embedding.from_pretrained(ember.ones(4, 2), freeze=False).weight.requires_grad
