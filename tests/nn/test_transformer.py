"""nn.Transformer, TransformerDecoder(Layer) and TransformerEncoder behaviour: shapes, arguments, errors,
mask handling, inference on padded batches, and attention rows with nothing to attend."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

rng = np.random.default_rng(8)


def small(**kw):
    args = dict(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=16, dropout=0.0)
    args.update(kw)
    return nn.Transformer(**args)


def test_transformer_shapes_batch_first_and_unbatched():
    model = small()
    assert tuple(model(ember.randn(5, 3, 8), ember.randn(4, 3, 8)).shape) == (4, 3, 8)
    assert tuple(small(batch_first=True)(ember.randn(3, 5, 8), ember.randn(3, 4, 8)).shape) == (3, 4, 8)
    assert tuple(model(ember.randn(5, 8), ember.randn(4, 8)).shape) == (4, 8)
    assert model.d_model == 8 and model.nhead == 2 and model.batch_first is False
    assert isinstance(model.encoder.norm, nn.LayerNorm) and isinstance(model.decoder.norm, nn.LayerNorm)
    assert len(model.encoder.layers) == 1 and len(model.decoder.layers) == 2


def test_transformer_parameter_names_are_pytorchs():
    names = list(small().state_dict())
    assert "decoder.layers.1.multihead_attn.in_proj_weight" in names
    assert "decoder.layers.0.norm3.bias" in names and "encoder.norm.weight" in names
    assert len([n for n in small(bias=False).state_dict() if "bias" in n]) == 0


def test_transformer_argument_errors():
    model = small()
    with pytest.raises(RuntimeError, match="the batch number of src and tgt must be equal"):
        model(ember.randn(5, 3, 8), ember.randn(4, 2, 8))
    with pytest.raises(RuntimeError, match="must be equal to d_model=8, got 8 and 6"):
        model(ember.randn(5, 3, 8), ember.randn(4, 3, 6))
    with pytest.raises(AssertionError, match="only bool and floating types of tgt_mask"):
        model(ember.randn(5, 3, 8), ember.randn(4, 3, 8), tgt_mask=ember.zeros(4, 4, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not swish"):
        small(activation="swish")


def test_custom_encoder_and_decoder_are_used():
    class Scale(nn.Module):
        def forward(self, x, *args, **kwargs):
            return x * 2

    class FirstMemory(nn.Module):
        def forward(self, tgt, memory, **kwargs):
            return memory[: tgt.shape[0]] + tgt

    model = small(custom_encoder=Scale(), custom_decoder=FirstMemory())
    src, tgt = ember.randn(5, 1, 8), ember.randn(3, 1, 8)
    np.testing.assert_allclose(model(src, tgt).numpy(), (src[:3] * 2 + tgt).numpy())
    assert list(model.state_dict()) == []


def test_generate_square_subsequent_mask():
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    expected = np.array([[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]], dtype=np.float32)
    np.testing.assert_array_equal(mask.numpy(), expected)
    assert mask.dtype is ember.float32


def test_decoder_detects_a_causal_tgt_mask():
    seen = []

    class Recording(nn.TransformerDecoderLayer):
        def forward(self, tgt, memory, *args, tgt_is_causal=False, **kwargs):
            seen.append(tgt_is_causal)
            return super().forward(tgt, memory, *args, tgt_is_causal=tgt_is_causal, **kwargs)

    decoder = nn.TransformerDecoder(Recording(8, 2, 16, 0.0), 1)
    tgt, memory = ember.randn(4, 2, 8), ember.randn(3, 2, 8)
    decoder(tgt, memory, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4))
    decoder(tgt, memory, tgt_mask=ember.zeros(4, 4))
    decoder(tgt, memory, tgt_mask=ember.zeros(4, 4), tgt_is_causal=False)
    assert seen == [True, False, False]


def test_decoder_layer_masks_match_a_hand_built_equivalent():
    """A bool memory mask is the same as the float mask with -inf where it is True."""
    layer = nn.TransformerDecoderLayer(8, 2, 16, 0.0).double()
    tgt, memory = ember.tensor(rng.standard_normal((3, 2, 8))), ember.tensor(rng.standard_normal((4, 2, 8)))
    bool_mask = ember.tensor(rng.random((3, 4)) > 0.6)
    float_mask = ember.zeros(3, 4, dtype=ember.float64).masked_fill(bool_mask, float("-inf"))
    kpm = ember.tensor([[False, False, False, True], [False, False, False, False]])
    a = layer(tgt, memory, memory_mask=bool_mask, memory_key_padding_mask=kpm)
    b = layer(tgt, memory, memory_mask=float_mask, memory_key_padding_mask=kpm)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-12)


def test_clones_start_equal_and_train_independently():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2)
    w0, w1 = encoder.layers[0].linear1.weight, encoder.layers[1].linear1.weight
    assert w0 is not w1 and bool((w0 == w1).all())
    with ember.no_grad():
        w0.add_(1.0)
    assert not bool((w0 == w1).any())


def test_encoder_inference_zeroes_padded_positions_before_the_norm():
    """PyTorch runs padded batches in inference as nested tensors: padded positions come out as zeros, so
    with a final LayerNorm they equal the norm's bias. Training, grad mode and seq-first layouts compute them."""
    layer = nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
    norm = nn.LayerNorm(8)
    with ember.no_grad():
        norm.bias.copy_(ember.arange(8.0))
    encoder = nn.TransformerEncoder(layer, 2, norm=norm).eval()
    assert encoder.use_nested_tensor
    x = ember.randn(2, 5, 8)
    pad = ember.tensor([[False] * 5, [False, False, False, True, True]])
    with ember.no_grad():
        out = encoder(x, src_key_padding_mask=pad)
    np.testing.assert_allclose(out[1, 3:].numpy(), np.tile(np.arange(8.0), (2, 1)), atol=1e-6)
    computed = encoder(x, src_key_padding_mask=pad)         # grad enabled: every position computed
    assert float((computed[1, 3:] - out[1, 3:]).abs().max()) > 1e-3
    np.testing.assert_allclose(computed[:, :3].detach().numpy(), out[:, :3].numpy(), atol=1e-5)
    assert not nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1).use_nested_tensor   # seq-first
    assert not nn.TransformerEncoder(layer, 1, enable_nested_tensor=False).use_nested_tensor


def test_attention_rows_with_nothing_to_attend_give_zeros_and_finite_gradients():
    q = ember.tensor(rng.standard_normal((1, 3, 4)), requires_grad=True)
    mask = ember.tensor([[True, True, False], [False, False, False], [True, False, True]])
    out = F.scaled_dot_product_attention(q, q, q, attn_mask=mask)
    assert float(out[0, 1].abs().sum()) == 0.0
    assert gradcheck(lambda t: F.scaled_dot_product_attention(t, t, t, attn_mask=mask), (q,))
    mha = nn.MultiheadAttention(4, 2).double()
    x = ember.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    kpm = ember.tensor([[True, True, True], [False, False, True]])
    out, _ = mha(x, x, x, key_padding_mask=kpm, need_weights=False)
    assert float(out[:, 0].abs().sum()) == 0.0 and np.isfinite(out.detach().numpy()).all()
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    weighted, weights = mha(x, x, x, key_padding_mask=kpm)        # as PyTorch: the explicit softmax is NaN
    assert np.isnan(weights[0].detach().numpy()).all()
