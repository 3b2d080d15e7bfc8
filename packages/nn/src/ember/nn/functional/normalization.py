"""Normalisation: batch, layer and group norm, and ``normalize`` (to unit norm)."""

from __future__ import annotations

import math

import ember

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "normalize", "local_response_norm"]


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Normalise (N, C, *) per channel with batch statistics (``training``) or the running ones.

    In training, ``running_mean``/``running_var`` (if given) are updated in place with ``momentum``.
    """
    return ember.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalise over the trailing ``normalized_shape`` dims, then apply the elementwise affine."""
    return ember.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalise (N, C, *) over groups of channels, then apply the per-channel affine."""
    if input.ndim >= 2 and num_groups > 0:
        per_group = input.shape[0] * input.shape[1] // num_groups * math.prod(input.shape[2:])
        if per_group == 1:   # PyTorch's check (it counts the batch times the channels per group)
            raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                             f"{list(input.shape)} with num_groups={num_groups}")
    return ember.group_norm(input, num_groups, weight, bias, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5):
    """Normalise each (sample, channel) plane of (N, C, *) over its spatial dims."""
    if use_input_stats:
        out = ember.group_norm(input, input.shape[1], weight, bias, eps)
        if running_mean is not None or running_var is not None:
            dims = tuple(range(2, input.ndim))
            count = 1
            for d in dims:
                count *= input.shape[d]
            with ember.no_grad():
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(input.detach().mean(dims).mean(0) * momentum)
                if running_var is not None:
                    var = input.detach().var(dims, correction=1).mean(0)
                    running_var.mul_(1 - momentum).add_(var * momentum)
        return out
    shape = (1, input.shape[1]) + (1,) * (input.ndim - 2)
    out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """``input`` divided by its ``p``-norm along ``dim`` (at least ``eps``)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    result = input / denom
    if out is not None:
        out.copy_(result)
        return out
    return result


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
    """Normalise each value by the sum of squares over ``size`` neighbouring channels."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    from ember.nn.functional.shape import pad
    n, c = input.shape[:2]
    sq = (input * input).reshape(n, c, -1)
    padded = pad(sq, (0, 0, size // 2, (size - 1) // 2))
    div = sum(padded[:, i:i + c] for i in range(size)) / size
    return input / (div.reshape(input.shape) * alpha + k).pow(beta)
