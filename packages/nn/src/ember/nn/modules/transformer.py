"""The transformer of "Attention Is All You Need": encoder and decoder layers, their stacks, and
``Transformer``. Submodule and parameter names are PyTorch's, so state dicts move both ways."""

from __future__ import annotations

import copy

import ember
from ember import dtypes
from ember.grad_mode import is_grad_enabled
from ember.nn import functional as F
from ember.nn.init import xavier_uniform_
from ember.nn.modules.activation import GELU, ReLU
from ember.nn.modules.attention import MultiheadAttention
from ember.nn.modules.container import ModuleList
from ember.nn.modules.dropout import Dropout
from ember.nn.modules.linear import Linear
from ember.nn.modules.module import Module
from ember.nn.modules.normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder", "TransformerEncoderLayer",
           "TransformerDecoderLayer"]


def _generate_square_subsequent_mask(sz: int, device=None, dtype=None):
    """A (sz, sz) float mask: -inf above the diagonal (the future), 0 elsewhere."""
    return ember.triu(ember.full((sz, sz), float("-inf"), dtype=dtype, device=device), diagonal=1)


def _get_activation_fn(activation: str):
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


def _get_clones(module: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _get_seq_len(src, batch_first: bool):
    if src.ndim == 2:
        return src.shape[0]
    return src.shape[1 if batch_first else 0]


def _detect_is_causal_mask(mask, is_causal=None, size=None) -> bool:
    """``is_causal`` when given; otherwise whether ``mask`` is the causal mask of ``size`` (a hint only:
    ember applies ``mask`` either way)."""
    if is_causal is not None or mask is None:
        return is_causal is True
    sz = size if size is not None else mask.shape[-2]
    causal = _generate_square_subsequent_mask(sz, device=mask.device, dtype=mask.dtype)
    if tuple(mask.shape) != tuple(causal.shape):
        return False
    return bool((mask == causal).all())


def _check_mask_dtype(mask, name: str) -> None:
    if mask is not None and mask.dtype is not dtypes.bool and not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported, got {mask.dtype}")


def _left_aligned(key_padding_mask) -> bool:
    """True when every row of a (N, S) bool padding mask pads only at its end."""
    keep = key_padding_mask.logical_not().to(dtypes.int64)
    return bool((keep[:, 1:] <= keep[:, :-1]).all()) if keep.shape[1] > 1 else True


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward network, each with a residual connection and LayerNorm.

    Args:
        d_model: model size.
        nhead: attention heads.
        dim_feedforward: hidden size of the feed-forward network. Default: 2048.
        dropout: dropout rate. Default: 0.1.
        activation: ``"relu"`` (default), ``"gelu"`` or a callable.
        layer_norm_eps: LayerNorm eps. Default: 1e-5.
        batch_first: (N, L, E) instead of (L, N, E). Default: ``False``.
        norm_first: LayerNorm before each block instead of after. Default: ``False``.
        bias: biases in the linear layers and norms. Default: ``True``.

    Example::

        >>> layer = nn.TransformerEncoderLayer(d_model=512, nhead=8)
        >>> layer(ember.rand(10, 32, 512)).shape
        ember.Size([10, 32, 512])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation=F.relu, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            activation = _get_activation_fn(activation)
        if activation is F.relu or isinstance(activation, ReLU):
            self.activation_relu_or_gelu = 1
        elif activation is F.gelu or isinstance(activation, GELU):
            self.activation_relu_or_gelu = 2
        else:
            self.activation_relu_or_gelu = 0
        self.activation = activation

    def __setstate__(self, state) -> None:
        super().__setstate__(state)
        if not hasattr(self, "activation"):
            self.activation = F.relu

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal: bool = False):
        """Args: src (S, N, E) or (N, S, E) or unbatched (S, E); src_mask (S, S) or (N*nhead, S, S), bool
        (True = may not attend) or float (added to the scores); src_key_padding_mask (N, S) or (S,), bool
        (True = padding) or float; is_causal: a hint that ``src_mask`` is the causal mask."""
        _check_mask_dtype(src_key_padding_mask, "src_key_padding_mask")
        _check_mask_dtype(src_mask, "src_mask")
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal: bool = False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention over the target, attention over the encoder's output (memory), then a
    feed-forward network; each block has a residual connection and LayerNorm.

    Args: as :class:`TransformerEncoderLayer`.

    Example::

        >>> layer = nn.TransformerDecoderLayer(d_model=512, nhead=8)
        >>> layer(ember.rand(20, 32, 512), ember.rand(10, 32, 512)).shape
        ember.Size([20, 32, 512])
    """

    __constants__ = ["norm_first"]

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation=F.relu, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias,
                                                 **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _get_activation_fn(activation) if isinstance(activation, str) else activation

    def __setstate__(self, state) -> None:
        state.setdefault("activation", F.relu)
        super().__setstate__(state)

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False, memory_is_causal: bool = False):
        """Args: tgt (T, N, E), memory (S, N, E) (batch first with ``batch_first``); tgt_mask (T, T),
        memory_mask (T, S); tgt/memory_key_padding_mask (N, T)/(N, S); bool masks mark positions that
        may NOT be attended, float masks are added to the scores."""
        for mask, name in ((tgt_mask, "tgt_mask"), (memory_mask, "memory_mask"),
                           (tgt_key_padding_mask, "tgt_key_padding_mask"),
                           (memory_key_padding_mask, "memory_key_padding_mask")):
            _check_mask_dtype(mask, name)
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal: bool = False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal: bool = False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """A stack of ``num_layers`` copies of ``encoder_layer``, optionally followed by ``norm``.

    Args:
        encoder_layer: the layer to copy (every copy starts with the same weights, as in PyTorch).
        num_layers: how many copies.
        norm: applied to the last layer's output (``nn.Transformer`` passes a LayerNorm). Default: None.
        enable_nested_tensor: in inference with a ``src_key_padding_mask``, PyTorch skips the padded
            positions and returns zeros there (before ``norm``); ember returns the same values
            (see the package README). Default: ``True``.
        mask_check: only do that when every sequence's padding is at its end, as PyTorch checks.

    Example::

        >>> layer = nn.TransformerEncoderLayer(d_model=512, nhead=8)
        >>> encoder = nn.TransformerEncoder(layer, num_layers=6)
        >>> encoder(ember.rand(10, 32, 512)).shape
        ember.Size([10, 32, 512])
    """

    __constants__ = ["norm"]

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor and self._sparsity_path_possible(encoder_layer)
        self.mask_check = mask_check

    @staticmethod
    def _sparsity_path_possible(layer) -> bool:
        """The layer configurations for which PyTorch's inference skips padded positions."""
        return (isinstance(layer, TransformerEncoderLayer) and not layer.norm_first and layer.self_attn.batch_first
                and layer.self_attn._qkv_same_embed_dim and layer.self_attn.in_proj_bias is not None
                and bool(layer.activation_relu_or_gelu) and layer.norm1.eps == layer.norm2.eps
                and layer.self_attn.num_heads % 2 == 0)

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        """Args: src (S, N, E) (or (N, S, E) with batch_first, or (S, E)); mask (S, S); src_key_padding_mask
        (N, S); is_causal: a hint that ``mask`` is causal (None: detected from ``mask``)."""
        _check_mask_dtype(src_key_padding_mask, "src_key_padding_mask")
        _check_mask_dtype(mask, "mask")
        first = self.layers[0]
        batch_first = first.self_attn.batch_first
        is_causal = _detect_is_causal_mask(mask, is_causal, _get_seq_len(src, batch_first))
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, is_causal=is_causal, src_key_padding_mask=src_key_padding_mask)
        if self._skips_padding(src, mask, src_key_padding_mask):
            padding = src_key_padding_mask if src_key_padding_mask.dtype is dtypes.bool \
                else src_key_padding_mask == float("-inf")
            output = output.masked_fill(padding.unsqueeze(-1), 0.0)
        if self.norm is not None:
            output = self.norm(output)
        return output

    def _skips_padding(self, src, mask, key_padding_mask) -> bool:
        """Whether PyTorch would run this call on nested tensors (inference, padded batch, no grad)."""
        if not getattr(self, "use_nested_tensor", False) or self.layers[0].training or src.ndim != 3:
            return False
        if key_padding_mask is None or mask is not None:
            return False
        if is_grad_enabled() and (src.requires_grad or any(p.requires_grad for p in self.layers[0].parameters())):
            return False
        padding = key_padding_mask if key_padding_mask.dtype is dtypes.bool else key_padding_mask == float("-inf")
        return not getattr(self, "mask_check", True) or _left_aligned(padding)


class TransformerDecoder(Module):
    """A stack of ``num_layers`` copies of ``decoder_layer``, optionally followed by ``norm``.

    Example::

        >>> layer = nn.TransformerDecoderLayer(d_model=512, nhead=8)
        >>> decoder = nn.TransformerDecoder(layer, num_layers=6)
        >>> decoder(ember.rand(20, 32, 512), ember.rand(10, 32, 512)).shape
        ember.Size([20, 32, 512])
    """

    __constants__ = ["norm"]

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None) -> None:
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal: bool = False):
        """Arguments as :meth:`TransformerDecoderLayer.forward`; ``tgt_is_causal=None`` detects a causal
        ``tgt_mask``."""
        _check_mask_dtype(tgt_mask, "tgt_mask")
        seq_len = _get_seq_len(tgt, self.layers[0].self_attn.batch_first)
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal, seq_len)
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            output = self.norm(output)
        return output


class Transformer(Module):
    """An encoder-decoder transformer: ``decoder(tgt, encoder(src))``.

    Args:
        d_model: model size. Default: 512.
        nhead: attention heads. Default: 8.
        num_encoder_layers, num_decoder_layers: stack depths. Default: 6 each.
        dim_feedforward: feed-forward hidden size. Default: 2048.
        dropout: Default: 0.1.
        activation: ``"relu"`` (default), ``"gelu"`` or a callable.
        custom_encoder, custom_decoder: modules used instead of the built stacks.
        layer_norm_eps: Default: 1e-5.
        batch_first: (N, S, E) instead of (S, N, E). Default: ``False``.
        norm_first: LayerNorm before each block. Default: ``False``.
        bias: biases in linear layers and norms. Default: ``True``.

    Every parameter with more than one dim is drawn by ``xavier_uniform_``, as in PyTorch.

    Example::

        >>> model = nn.Transformer(nhead=16, num_encoder_layers=12)
        >>> out = model(ember.rand(10, 32, 512), ember.rand(20, 32, 512))   # (20, 32, 512)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1, activation=F.relu, custom_encoder=None,
                 custom_decoder=None, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        kw = dict(device=device, dtype=dtype)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                                            batch_first, norm_first, bias, **kw)
            self.encoder = TransformerEncoder(layer, num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                                            batch_first, norm_first, bias, **kw)
            self.decoder = TransformerDecoder(layer, num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, src_key_padding_mask=None,
                tgt_key_padding_mask=None, memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal: bool = False):
        """src (S, N, E), tgt (T, N, E) (batch first with ``batch_first``; (S, E), (T, E) unbatched) ->
        (T, N, E). Masks as in :meth:`TransformerEncoder.forward` and :meth:`TransformerDecoder.forward`."""
        is_batched = src.ndim == 3
        if is_batched and src.shape[0 if self.batch_first else 1] != tgt.shape[0 if self.batch_first else 1]:
            raise RuntimeError(f"the batch number of src and tgt must be equal, got src {tuple(src.shape)} and tgt "
                               f"{tuple(tgt.shape)} (batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"the feature number of src and tgt must be equal to d_model={self.d_model}, got "
                               f"{src.shape[-1]} and {tgt.shape[-1]}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device=None, dtype=None):
        """A (sz, sz) float mask with -inf above the diagonal (causal attention), 0 elsewhere."""
        return _generate_square_subsequent_mask(sz, device=device, dtype=dtype)

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                xavier_uniform_(p)
