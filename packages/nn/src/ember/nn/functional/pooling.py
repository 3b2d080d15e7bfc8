"""Max, average and adaptive pooling."""

from __future__ import annotations

import ember
from ember.ops import nn_ops

__all__ = ["max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices", "avg_pool1d",
           "avg_pool2d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices", "lp_pool1d", "lp_pool2d"]

max_pool1d_with_indices = ember.max_pool1d_with_indices
max_pool2d_with_indices = nn_ops.max_pool2d_with_indices
adaptive_max_pool2d_with_indices = nn_ops.adaptive_max_pool2d_with_indices
adaptive_max_pool1d_with_indices = ember.adaptive_max_pool1d


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """1-D max pooling over (N, C, L); with ``return_indices`` also the argmax positions."""
    out, idx = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling over (N, C, H, W); ``stride`` defaults to ``kernel_size``.

    With ``return_indices`` it also returns, per output, the flat index h*W + w of its maximum.
    """
    out, idx = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True):
    """1-D average pooling over (N, C, L)."""
    return ember.avg_pool1d(input, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override=None):
    """2-D average pooling over (N, C, H, W); ``stride`` defaults to ``kernel_size``."""
    return nn_ops.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of (N, C, L) to length ``output_size``."""
    return ember.adaptive_avg_pool1d(input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average pooling of (N, C, H, W) to ``output_size`` (an int or pair; None keeps the input size)."""
    return nn_ops.adaptive_avg_pool2d(input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices: bool = False):
    """Max pooling of (N, C, L) to length ``output_size``."""
    out, idx = ember.adaptive_max_pool1d(input, output_size)
    return (out, idx) if return_indices else out


def adaptive_max_pool2d(input, output_size, return_indices: bool = False):
    """Max pooling of (N, C, H, W) to ``output_size``."""
    out, idx = nn_ops.adaptive_max_pool2d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


def lp_pool2d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
    """Power-average pooling: (sum over the window of x^p)^(1/p)."""
    kh, kw = nn_ops._tuple(kernel_size, 2, "kernel_size", "lp_pool2d")
    out = avg_pool2d(input.pow(norm_type), (kh, kw), stride, 0, ceil_mode)
    return (ember.sign(out) * ember.relu(ember.abs(out))).mul(kh * kw).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
    """Power-average pooling over (N, C, L)."""
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (ember.sign(out) * ember.relu(ember.abs(out))).mul(kernel_size).pow(1.0 / norm_type)
