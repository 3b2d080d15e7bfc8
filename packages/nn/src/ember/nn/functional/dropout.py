"""Dropout: elementwise, and channel-wise (whole feature maps) for 1-D and 2-D inputs."""

from __future__ import annotations

import warnings

import ember
from ember import _core
from ember.ops.creation import empty

__all__ = ["dropout", "dropout1d", "dropout2d", "alpha_dropout"]


def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p), when ``training``."""
    _check_p(p)
    out = ember.dropout(input, p, training)
    return _core.assign(input, out) if inplace and out is not input else out


def _feature_dropout(input, p: float, training: bool, inplace: bool):
    """Drop whole channels: one Bernoulli draw per (sample, channel), shared over the other dims."""
    if not training or p == 0:
        return input
    keep = empty(tuple(input.shape[:2]) + (1,) * (input.ndim - 2), dtype=input.dtype, device=input.device)
    keep = keep.bernoulli_(1 - p) if p < 1 else keep.zero_()
    out = input * (keep.mul_(1.0 / (1 - p)) if p < 1 else keep)
    return _core.assign(input, out) if inplace else out


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Channel-wise dropout of (N, C, L) or (C, L) input."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if input.ndim == 2:
        out = _feature_dropout(input.unsqueeze(0), p, training, False).squeeze(0)
        return _core.assign(input, out) if inplace and out is not input else out
    return _feature_dropout(input, p, training, inplace)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Channel-wise dropout of (N, C, H, W) input: each feature map is zeroed with probability ``p``."""
    _check_p(p)
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead. Note that dropout2d exists to provide channel-wise dropout on "
                      "inputs with 2 spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
                      "switch to using dropout1d instead.", stacklevel=2)
    return _feature_dropout(input, p, training, inplace)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout that keeps the mean and variance of SELU activations (dropped values go to -alpha*scale)."""
    _check_p(p)
    if not training or p == 0:
        return input
    alpha_p = -1.7580993408473766
    if p == 1:
        out = input * 0.0
        return _core.assign(input, out) if inplace else out
    keep = empty(tuple(input.shape), dtype=input.dtype, device=input.device).bernoulli_(1 - p)
    a = ((1 - p) * (1 + p * alpha_p ** 2)) ** -0.5
    b = -a * alpha_p * p
    out = (input * keep + (1 - keep) * alpha_p) * a + b
    return _core.assign(input, out) if inplace else out
