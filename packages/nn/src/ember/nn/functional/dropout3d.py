"""Channel-wise dropout of volumes (``dropout3d``) and the alpha dropout of whole channels
(``feature_alpha_dropout``)."""

from __future__ import annotations

import warnings

import ember
from ember import _core

__all__ = ["dropout3d", "feature_alpha_dropout"]

_ALPHA_P = -1.7580993408473766   # -scale * alpha of SELU: where a dropped SELU unit sits


def _check_p(p: float) -> None:
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _channel_mask(input, p: float):
    """One Bernoulli(1 - p) draw per (sample, channel), broadcast over the other dims."""
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return ember.empty(shape, dtype=input.dtype, device=input.device).bernoulli_(1 - p)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability ``p``, scaling the rest
    by 1/(1-p), when ``training``."""
    _check_p(p)
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will result "
                      f"in an error in a future release. To retain the behavior and silence this warning, please use "
                      f"dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      f"spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      f"inputs).", stacklevel=2)
    if not training or p == 0:
        return input
    x = input.unsqueeze(0) if input.ndim == 4 else input
    out = x * 0.0 if p == 1 else x * _channel_mask(x, p) / (1 - p)
    out = out.squeeze(0) if input.ndim == 4 else out
    return _core.assign(input, out) if inplace else out


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Alpha dropout of whole channels: a dropped channel takes SELU's saturation value, and the output is
    rescaled to keep the mean and variance of SELU activations."""
    _check_p(p)
    if not training or p == 0:
        return input
    if p == 1:
        out = input * 0.0
    else:
        keep = _channel_mask(input, p)
        a = ((1 - p) * (1 + p * _ALPHA_P ** 2)) ** -0.5
        b = -a * _ALPHA_P * p
        out = (input * keep + (1 - keep) * _ALPHA_P) * a + b
    return _core.assign(input, out) if inplace else out
