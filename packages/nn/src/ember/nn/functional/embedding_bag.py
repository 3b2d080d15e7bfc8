"""``embedding_bag``: the sum, mean or maximum of the embeddings of each bag of indices, without building
the (bags, length, dim) tensor of all of them."""

from __future__ import annotations

import ember
from ember import dtypes
from ember.nn.functional.sparse import embedding

__all__ = ["embedding_bag"]


def _bags(input, offsets, include_last_offset: bool):
    """The flat indices and, for each, the number of its bag; and the number of bags."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type Tensor")
        b, n = input.shape
        bag = ember.arange(b, device=input.device).unsqueeze(1).expand(b, n).reshape(-1)
        return input.reshape(-1), bag, b
    if input.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.ndim != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    starts = offsets[:-1] if include_last_offset else offsets
    count = starts.shape[0]
    if offsets.numel() and (int(offsets[0]) != 0 or bool((offsets[1:] < offsets[:-1]).any())
                            or int(offsets[-1]) > input.shape[0]):
        raise RuntimeError(f"offsets must start at 0, be non-decreasing and not exceed the number of indices "
                           f"({input.shape[0]}); got {offsets.tolist()}")
    positions = ember.arange(input.shape[0], device=input.device)
    bag = ember.searchsorted(starts, positions, right=True) - 1 if count else positions * 0
    return input, bag, count


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2, scale_grad_by_freq: bool = False,
                  mode: str = "mean", sparse: bool = False, per_sample_weights=None, include_last_offset: bool = False,
                  padding_idx=None):
    """The ``mode`` (``"sum"``, ``"mean"`` or ``"max"``) of the rows of ``weight`` in each bag.

    Args:
        input: a (B, N) tensor of B bags of N indices, or a 1-D tensor of indices cut into bags by ``offsets``
            (the start of each bag; with ``include_last_offset`` the last entry ends the last bag).
        per_sample_weights: one weight per index, multiplying its row (``mode="sum"`` only).
        padding_idx: indices equal to it are left out of their bags (and of the mean's count).

    An empty bag gives zeros. Returns (B, dim).
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if input.dtype.is_floating_point or input.dtype is dtypes.bool:
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead")
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                      f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                      f"on GitHub.")
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({list(per_sample_weights.shape)}) is not None, "
                             f"then it must have the same shape as the input ({list(input.shape)})")
    flat, bag, count = _bags(input, offsets, include_last_offset)
    if flat.numel() and (bool((flat < 0).any()) or bool((flat >= weight.shape[0]).any())):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)
    keep = (flat != padding_idx) if padding_idx is not None else ember.ones_like(flat, dtype=dtypes.bool)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1).to(rows.dtype)
    dim = weight.shape[1]
    out = ember.zeros((count, dim), dtype=weight.dtype, device=weight.device)
    if mode == "max":
        rows = ember.where(keep.unsqueeze(1), rows, ember.full_like(rows, float("-inf")))
        index = bag.unsqueeze(1).expand(bag.shape[0], dim)
        pooled = ember.full((count, dim), float("-inf"), dtype=weight.dtype, device=weight.device).scatter_reduce(
            0, index, rows, "amax")
        return ember.where(ember.isinf(pooled) & (pooled < 0), out, pooled)
    rows = rows * keep.unsqueeze(1).to(rows.dtype)
    total = out.index_add(0, bag, rows)
    if mode == "sum":
        return total
    sizes = ember.zeros(count, dtype=weight.dtype, device=weight.device).index_add(0, bag, keep.to(weight.dtype))
    return total / sizes.clamp(min=1).unsqueeze(1)
