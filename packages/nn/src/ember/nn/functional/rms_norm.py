"""``rms_norm``: scale by the reciprocal root mean square over the last dims (no centring)."""

from __future__ import annotations

import ember

__all__ = ["rms_norm"]


def rms_norm(input, normalized_shape, weight=None, eps: float | None = None):
    """``input / sqrt(mean(input**2 over normalized_shape) + eps) * weight``; ``eps`` defaults to the
    machine epsilon of ``input``'s dtype."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape or len(shape) > input.ndim:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {list(shape)}")
    if eps is None:
        eps = ember.finfo(input.dtype).eps
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * ember.rsqrt((input * input).mean(dim=dims, keepdim=True) + eps)
    return out * weight if weight is not None else out
