"""Lookups by integer index: ``embedding`` and ``one_hot``."""

from __future__ import annotations

import ember
from ember import dtypes
from ember.grad_mode import no_grad

__all__ = ["embedding", "one_hot"]


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False):
    """The rows of ``weight`` (num_embeddings, dim) at the integer ``input``: shape ``input.shape + (dim,)``.

    Args:
        padding_idx: this row gets no gradient (negative counts from the end).
        max_norm: rows looked up are first renormalised in place to at most this ``norm_type``-norm.
    """
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= weight.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -weight.shape[0]:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = weight.shape[0] + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        _renorm_rows(weight, input, max_norm, norm_type)
    return ember.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


def _renorm_rows(weight, input, max_norm: float, norm_type: float) -> None:
    """Scale the rows of ``weight`` used by ``input`` down to norm ``max_norm``, in place (no autograd)."""
    with no_grad():
        rows = ember.unique(input.reshape(-1))
        picked = weight[rows]
        norms = picked.abs().pow(norm_type).sum(1, keepdim=True).pow(1.0 / norm_type)
        scale = ember.where(norms > max_norm, max_norm / (norms + 1e-7), ember.ones_like(norms))
        weight[rows] = picked * scale


def one_hot(tensor, num_classes: int = -1):
    """int64 one-hot encoding: shape ``tensor.shape + (num_classes,)``; -1 means ``tensor.max() + 1``."""
    if tensor.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() == 0:
        if num_classes == -1:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if int(tensor.min()) < 0:
            raise RuntimeError("Class values must be non-negative.")
        top = int(tensor.max())
        if num_classes == -1:
            num_classes = top + 1
        elif top >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    classes = ember.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).to(dtypes.int64)
