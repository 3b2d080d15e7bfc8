"""Multi-class margin losses (``multi_margin_loss``, ``multilabel_margin_loss``) and the triplet loss with
any distance (``triplet_margin_with_distance_loss``)."""

from __future__ import annotations

import ember
from ember import dtypes
from ember.nn.functional.loss import _reduce, _reduction, pairwise_distance

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss"]


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, size_average=None, reduce=None,
                      reduction: str = "mean"):
    """Per sample, sum over the wrong classes i of max(0, margin - x[y] + x[i])^p (times ``weight[y]``), divided
    by the number of classes."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if input.ndim not in (1, 2) or (input.ndim == 2 and input.shape[1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    x = input.unsqueeze(0) if input.ndim == 1 else input
    y = target.reshape(-1)
    if y.shape[0] != x.shape[0]:
        raise RuntimeError(f"inconsistent target size, expected {x.shape[0]} but got {list(target.shape)}")
    c = x.shape[1]
    if y.numel() and (bool((y < 0).any()) or bool((y >= c).any())):
        raise RuntimeError("target out of range")
    picked = x.gather(1, y.unsqueeze(1))
    loss = ember.clamp(margin - picked + x, min=0.0)
    if p == 2:
        loss = loss * loss
    if weight is not None:
        loss = loss * weight[y].unsqueeze(1)
    others = ember.ones_like(x).scatter(1, y.unsqueeze(1), 0.0)
    per_sample = (loss * others).sum(1) / c
    if input.ndim == 1:
        per_sample = per_sample.reshape(())
    return _reduce(per_sample, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """Per sample, the sum over its target classes j (the entries of ``target`` before the first -1) and its
    other classes i of max(0, 1 - (x[j] - x[i])), divided by the number of classes."""
    reduction = _reduction(reduction, size_average, reduce)
    if input.ndim not in (1, 2) or tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    x = input.unsqueeze(0) if input.ndim == 1 else input
    y = target.reshape(x.shape).to(dtypes.int64)
    c = x.shape[1]
    if y.numel() and (bool((y < -1).any()) or bool((y >= c).any())):
        raise RuntimeError("target out of range")
    valid = (y >= 0).to(dtypes.int64).cumprod(1).to(dtypes.bool)      # the targets before the first -1
    safe = ember.where(valid, y, ember.zeros_like(y))
    classes = ember.arange(c, device=x.device)
    is_target = ((safe.unsqueeze(2) == classes) & valid.unsqueeze(2)).any(1)   # class i is a target of the sample
    picked = x.gather(1, safe)                                              # x[j] for each target slot
    hinge = ember.clamp(1 - (picked.unsqueeze(2) - x.unsqueeze(1)), min=0.0)   # (N, slot j, class i)
    mask = valid.unsqueeze(2) & ~is_target.unsqueeze(1)
    per_sample = (hinge * mask.to(x.dtype)).sum((1, 2)) / c
    if input.ndim == 1:
        per_sample = per_sample.reshape(())
    return _reduce(per_sample, reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin: float = 1.0,
                                      swap: bool = False, reduction: str = "mean"):
    """max(d(a, p) - d(a, n) + margin, 0) with ``distance_function`` (default: the Euclidean pairwise
    distance); with ``swap``, d(a, n) is the smaller of d(a, n) and d(p, n)."""
    reduction = _reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = {anchor.ndim, positive.ndim, negative.ndim}
    if len(dims) != 1 or anchor.ndim not in (1, 2):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = ember.minimum(d_neg, dist(positive, negative))
    return _reduce(ember.clamp(margin + d_pos - d_neg, min=0.0), reduction)
