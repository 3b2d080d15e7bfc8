"""Attention: ``scaled_dot_product_attention`` and the multi-head attention forward pass."""

from __future__ import annotations

import math

import ember
from ember import dtypes
from ember.nn.functional.dropout import dropout
from ember.nn.functional.linear import linear
from ember.nn.functional.shape import pad
from ember.ops.attention import attention_softmax

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _bias_from_bool(mask, dtype):
    """A float mask: 0 where ``mask`` is True (may attend), -inf where False."""
    zeros = ember.zeros(mask.shape, dtype=dtype, device=mask.device)
    return zeros.masked_fill(mask.logical_not(), float("-inf"))


def _repeat_heads(x, repeat: int):
    """Each head (dim -3) repeated ``repeat`` times in place: ``x.repeat_interleave(repeat, -3)``."""
    shape = tuple(x.shape)
    expanded = x.unsqueeze(-3).expand(shape[:-2] + (repeat,) + shape[-2:])
    return expanded.reshape(shape[:-3] + (shape[-3] * repeat,) + shape[-2:])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0, is_causal: bool = False,
                                 scale=None, enable_gqa: bool = False):
    """softmax(Q K^T * scale + mask) V over the last two dims of (..., L, E), (..., S, E), (..., S, Ev).

    Args:
        attn_mask: a bool mask (True = may attend) or a float mask added to the scores;
            broadcast to (..., L, S). A query that may attend nothing gets zeros (not NaN).
        dropout_p: dropout on the attention weights (always applied when > 0, as in PyTorch).
        is_causal: mask out keys after each query (upper triangle); not with ``attn_mask``.
        scale: defaults to 1/sqrt(E).
        enable_gqa: let query heads share key/value heads (dim -3 of key/value divides query's).
    """
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        repeat = query.shape[-3] // key.shape[-3]
        key, value = _repeat_heads(key, repeat), _repeat_heads(value, repeat)
    scores = query.matmul(key.transpose(-2, -1))
    bias = None
    if is_causal:
        rows = ember.arange(L, device=query.device).unsqueeze(1)
        allowed = rows >= ember.arange(S, device=query.device)     # the lower triangle
        bias = _bias_from_bool(allowed, scores.dtype)
    elif attn_mask is not None:
        bias = _bias_from_bool(attn_mask, scores.dtype) if attn_mask.dtype is dtypes.bool else attn_mask
        if bias.dtype is not scores.dtype:
            bias = bias.to(scores.dtype)
    # scale, mask and softmax as one op; a query that may attend nothing gets zeros, not NaN
    weights = attention_softmax(scores, bias, scale)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return weights.matmul(value)


def _canonical_mask(mask, name: str, dtype):
    """An MHA mask as a float bias: bool True (= masked out) becomes -inf."""
    if mask is None:
        return None
    if mask.dtype is dtypes.bool:
        zeros = ember.zeros(mask.shape, dtype=dtype, device=mask.device)
        return zeros.masked_fill(mask, float("-inf"))
    if not mask.dtype.is_floating_point:
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def multi_head_attention_forward(query, key, value, embed_dim_to_check: int, num_heads: int, in_proj_weight,
                                 in_proj_bias, bias_k, bias_v, add_zero_attn: bool, dropout_p: float,
                                 out_proj_weight, out_proj_bias, training: bool = True, key_padding_mask=None,
                                 need_weights: bool = True, attn_mask=None, use_separate_proj_weight: bool = False,
                                 q_proj_weight=None, k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights: bool = True, is_causal: bool = False):
    """Multi-head attention on sequence-first inputs (L, N, E), as ``nn.MultiheadAttention`` runs it.

    Returns ``(attn_output (L, N, E), attn_weights)``; the weights are (N, L, S) averaged over
    heads (or (N, heads, L, S)) when ``need_weights``, else None.
    """
    is_batched = query.ndim == 3
    if not is_batched:
        if query is key and key is value:
            query = key = value = query.unsqueeze(1)
        else:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the Transformer module "
                           "method `generate_square_subsequent_mask` to create this mask.")
    attn_mask = _canonical_mask(attn_mask, "attn_mask", query.dtype)
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if not use_separate_proj_weight:
        if key.shape != value.shape:
            raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")
        w_q, w_k, w_v = in_proj_weight.chunk(3)
        b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
    else:
        w_q, w_k, w_v = q_proj_weight, k_proj_weight, v_proj_weight
        b_q, b_k, b_v = in_proj_bias.chunk(3) if in_proj_bias is not None else (None, None, None)
    if not use_separate_proj_weight and query is key and key is value:
        # self-attention: the three projections are one product with the packed weight
        q, k, v = linear(query, in_proj_weight, in_proj_bias).chunk(3, -1)
    else:
        q, k, v = linear(query, w_q, b_q), linear(key, w_k, b_k), linear(value, w_v, b_v)
    if attn_mask is not None:
        src_len = key.shape[0]
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.ndim == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but should be "
                                   f"{(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.ndim} is not supported")
    if bias_k is not None and bias_v is not None:
        k = ember.cat([k, bias_k.repeat(1, bsz, 1)])
        v = ember.cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = (k.reshape(k.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_k is None else static_k)
    v = (v.reshape(v.shape[0], bsz * num_heads, head_dim).transpose(0, 1) if static_v is None else static_v)
    if add_zero_attn:
        zeros = ember.zeros(bsz * num_heads, 1, head_dim, dtype=k.dtype, device=k.device)
        k = ember.cat([k, zeros], dim=1)
        v = ember.cat([v, zeros], dim=1)
        if attn_mask is not None:
            attn_mask = pad(attn_mask, (0, 1))
        if key_padding_mask is not None:
            key_padding_mask = pad(key_padding_mask, (0, 1))
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise AssertionError(f"expecting key_padding_mask shape of {(bsz, src_len)}, but got "
                                 f"{key_padding_mask.shape}")
        kpm = key_padding_mask.reshape(bsz, 1, 1, src_len).expand(bsz, num_heads, 1, src_len)
        kpm = kpm.reshape(bsz * num_heads, 1, src_len)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    scores = q.matmul(k.transpose(-2, -1))
    if attn_mask is not None and attn_mask.dtype is not scores.dtype:
        attn_mask = attn_mask.to(scores.dtype)
    # PyTorch's need_weights=False path runs scaled_dot_product_attention: fully masked rows give zeros.
    # With need_weights it takes an explicit softmax, whose fully masked rows are NaN.
    weights = attention_softmax(scores, attn_mask, math.sqrt(1.0 / head_dim), zero_dead_rows=not need_weights)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p)
    out = weights.matmul(v).transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(tgt_len, bsz, -1)
    if not need_weights:
        return (out if is_batched else out.squeeze(1)), None
    weights = weights.reshape(bsz, num_heads, tgt_len, src_len)
    if average_attn_weights:
        weights = weights.mean(1)
    if not is_batched:
        return out.squeeze(1), weights.squeeze(0)
    return out, weights
