"""scaled_dot_product_attention, MultiheadAttention and TransformerEncoderLayer against NumPy."""

import math

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

rng = np.random.default_rng(6)


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def sdpa_ref(q, k, v, bias=None, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if bias is not None:
        s = s + bias
    return softmax(s) @ v


def test_sdpa_values_masks_and_causal():
    q, k, v = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((2, 3, 6, 7))
    tq, tk, tv = ember.tensor(q), ember.tensor(k), ember.tensor(v)
    np.testing.assert_allclose(F.scaled_dot_product_attention(tq, tk, tv).numpy(), sdpa_ref(q, k, v), atol=1e-12)
    mask = rng.random((4, 6)) > 0.3
    mask[:, 0] = True
    out = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=ember.tensor(mask))
    np.testing.assert_allclose(out.numpy(), sdpa_ref(q, k, v, np.where(mask, 0, -np.inf)), atol=1e-12)
    fmask = rng.standard_normal((4, 6))
    out = F.scaled_dot_product_attention(tq, tk, tv, attn_mask=ember.tensor(fmask), scale=0.3)
    np.testing.assert_allclose(out.numpy(), sdpa_ref(q, k, v, fmask, 0.3), atol=1e-12)
    qs = rng.standard_normal((1, 4, 5))
    causal = F.scaled_dot_product_attention(ember.tensor(qs), ember.tensor(qs), ember.tensor(qs), is_causal=True)
    np.testing.assert_allclose(causal.numpy(), sdpa_ref(qs, qs, qs, np.where(np.tril(np.ones((4, 4))), 0, -np.inf)),
                               atol=1e-12)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(tq, tk, tv, attn_mask=ember.tensor(mask), is_causal=True)


def test_sdpa_gqa_and_gradcheck():
    q, k, v = rng.standard_normal((1, 4, 3, 2)), rng.standard_normal((1, 2, 3, 2)), rng.standard_normal((1, 2, 3, 2))
    out = F.scaled_dot_product_attention(ember.tensor(q), ember.tensor(k), ember.tensor(v), enable_gqa=True)
    np.testing.assert_allclose(out.numpy(), sdpa_ref(q, np.repeat(k, 2, 1), np.repeat(v, 2, 1)), atol=1e-12)
    args = tuple(ember.tensor(rng.standard_normal((1, 3, 2)), requires_grad=True) for _ in range(3))
    assert gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True), args)


def mha_ref(m, q, k, v, key_padding_mask=None, attn_mask=None):
    """Sequence-first (L, N, E) multi-head attention from the module's weights."""
    E, H = m.embed_dim, m.num_heads
    w = m.in_proj_weight.detach().numpy()
    b = m.in_proj_bias.detach().numpy()
    qp, kp, vp = q @ w[:E].T + b[:E], k @ w[E:2 * E].T + b[E:2 * E], v @ w[2 * E:].T + b[2 * E:]
    L, N, _ = q.shape
    S = k.shape[0]
    split = lambda x, n: x.reshape(n, N * H, E // H).transpose(1, 0, 2)
    bias = np.zeros((N * H, L, S))
    if attn_mask is not None:
        bias = bias + np.where(attn_mask, -np.inf, 0.0)
    if key_padding_mask is not None:
        bias = bias + np.repeat(np.where(key_padding_mask, -np.inf, 0.0)[:, None, :], H, 0)
    scores = split(qp, L) @ split(kp, S).transpose(0, 2, 1) / math.sqrt(E // H) + bias
    weights = softmax(scores)
    out = (weights @ split(vp, S)).transpose(1, 0, 2).reshape(L, N, E)
    out = out @ m.out_proj.weight.detach().numpy().T + m.out_proj.bias.detach().numpy()
    return out, weights.reshape(N, H, L, S).mean(1)


def test_multihead_attention_matches_numpy():
    m = nn.MultiheadAttention(8, 2).double()
    q, k = rng.standard_normal((4, 3, 8)), rng.standard_normal((5, 3, 8))
    kpm = np.zeros((3, 5), dtype=bool)
    kpm[1, 3:] = True
    am = np.zeros((4, 5), dtype=bool)
    am[0, 1] = True
    out, w = m(ember.tensor(q), ember.tensor(k), ember.tensor(k), key_padding_mask=ember.tensor(kpm),
               attn_mask=ember.tensor(am))
    exp_out, exp_w = mha_ref(m, q, k, k, kpm, am)
    np.testing.assert_allclose(out.detach().numpy(), exp_out, atol=1e-12)
    np.testing.assert_allclose(w.detach().numpy(), exp_w, atol=1e-12)
    out2, none = m(ember.tensor(q), ember.tensor(k), ember.tensor(k), need_weights=False)
    assert none is None
    np.testing.assert_allclose(out2.detach().numpy(), mha_ref(m, q, k, k)[0], atol=1e-12)


def test_multihead_attention_batch_first_and_per_head_weights():
    m = nn.MultiheadAttention(6, 3, batch_first=True).double()
    x = rng.standard_normal((2, 4, 6))
    out, w = m(ember.tensor(x), ember.tensor(x), ember.tensor(x), average_attn_weights=False)
    exp_out, _ = mha_ref(m, x.transpose(1, 0, 2), x.transpose(1, 0, 2), x.transpose(1, 0, 2))
    np.testing.assert_allclose(out.detach().numpy(), exp_out.transpose(1, 0, 2), atol=1e-12)
    assert w.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(w.sum(-1).detach().numpy(), np.ones((2, 3, 4)), atol=1e-12)


def test_multihead_attention_options():
    m = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True, add_zero_attn=True)
    assert m.in_proj_weight is None and m.k_proj_weight.shape == (4, 3) and m.bias_k.shape == (1, 1, 4)
    out, w = m(ember.randn(2, 1, 4), ember.randn(6, 1, 3), ember.randn(6, 1, 5))
    assert out.shape == (2, 1, 4) and w.shape == (1, 2, 8)
    names = [n for n, _ in nn.MultiheadAttention(4, 2).named_parameters()]
    assert names == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert repr(nn.MultiheadAttention(8, 2)) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear("
                                                  "in_features=8, out_features=8, bias=True)\n)")
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)


def test_multihead_attention_gradcheck():
    m = nn.MultiheadAttention(4, 2).double()
    x = ember.tensor(rng.standard_normal((3, 1, 4)), requires_grad=True)
    assert gradcheck(lambda t: m(t, t, t)[0], (x,))


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_layer(norm_first):
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, norm_first=norm_first).double()
    x = rng.standard_normal((5, 2, 8))

    def ln(v, mod):
        mu, var = v.mean(-1, keepdims=True), v.var(-1, keepdims=True)
        return (v - mu) / np.sqrt(var + 1e-5) * mod.weight.detach().numpy() + mod.bias.detach().numpy()

    def ff(v):
        h = np.maximum(v @ layer.linear1.weight.detach().numpy().T + layer.linear1.bias.detach().numpy(), 0)
        return h @ layer.linear2.weight.detach().numpy().T + layer.linear2.bias.detach().numpy()

    sa = lambda v: mha_ref(layer.self_attn, v, v, v)[0]
    if norm_first:
        h = x + sa(ln(x, layer.norm1))
        expected = h + ff(ln(h, layer.norm2))
    else:
        h = ln(x + sa(x), layer.norm1)
        expected = ln(h + ff(h), layer.norm2)
    np.testing.assert_allclose(layer(ember.tensor(x)).detach().numpy(), expected, atol=1e-10)


def test_transformer_encoder_stack_and_repr():
    layer = nn.TransformerEncoderLayer(8, 2, 16, batch_first=True)
    enc = nn.TransformerEncoder(layer, 2)
    assert enc(ember.randn(3, 5, 8)).shape == (3, 5, 8)
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.numpy().tolist() == [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]]
    assert repr(layer).startswith("TransformerEncoderLayer(\n  (self_attn): MultiheadAttention(\n")
    assert "(norm2): LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)" in repr(layer)
