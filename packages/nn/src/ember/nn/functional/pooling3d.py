"""3-D pooling over (N, C, D, H, W), composed from the 2-D pools: a (kD, kH, kW) window is kD planar windows,
one per depth slice it covers; adaptive averages are separable, one averaging matrix per dim."""

from __future__ import annotations

import numpy as np

import ember
from ember.ops import nn_ops

__all__ = ["max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
           "adaptive_max_pool3d_with_indices", "lp_pool3d"]


def _depth_windows(fn, input, kernel_size, stride, padding, dilation, ceil_mode):
    """Validated window numbers, the batched input, whether it was unbatched, and the output sizes."""
    nn_ops._check_float(fn, input)
    kernel, stride, padding, dilation = nn_ops._pool_args(fn, input, kernel_size, stride, padding, dilation, dims=3)
    x, unbatched = nn_ops._as_planes(fn, input, dims=3)
    out = [nn_ops._pool_out(x.shape[2 + i], kernel[i], padding[i], stride[i], dilation[i], ceil_mode)
           for i in range(3)]
    if min(out) <= 0:
        c, d, h, w = x.shape[1:]
        raise RuntimeError(f"Given input size: ({c}x{d}x{h}x{w}). Calculated output size: ({c}x{out[0]}x{out[1]}x"
                           f"{out[2]}). Output size is too small")
    return kernel, stride, padding, dilation, x, unbatched, out


def _pad_depth(x, before: int, after: int, value: float):
    parts = [x]
    for count, front in ((before, True), (after, False)):
        if count > 0:
            fill = ember.full((x.shape[0], x.shape[1], count) + tuple(x.shape[3:]), value, dtype=x.dtype,
                              device=x.device)
            parts.insert(0 if front else len(parts), fill)
    return ember.cat(parts, dim=2) if len(parts) > 1 else x


def _slices(x, start: int, count: int, step: int):
    """``count`` depth slices of (N, C, D, H, W) from ``start`` every ``step`` as (N, C*count, H, W) planes."""
    xs = x[:, :, start:start + (count - 1) * step + 1:step]
    return xs.reshape(xs.shape[0], xs.shape[1] * count, xs.shape[3], xs.shape[4])


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
    """3-D max pooling; returns (output, indices), indices flat into each D*H*W volume."""
    kernel, stride, padding, dilation, x, unbatched, (do, ho, wo) = _depth_windows(
        "max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode)
    n, c, d, h, w = x.shape
    reach = (do - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1
    xp = _pad_depth(x, padding[0], reach - d - padding[0], float("-inf"))
    values, places = [], []
    for kd in range(kernel[0]):
        planes = _slices(xp, kd * dilation[0], do, stride[0])
        v, i = nn_ops.max_pool2d_with_indices(planes, kernel[1:], stride[1:], padding[1:], dilation[1:], ceil_mode)
        values.append(v.reshape(n, c, do, ho, wo))
        depth = ember.arange(do, device=x.device).reshape(1, 1, do, 1, 1) * stride[0] + (kd * dilation[0] - padding[0])
        places.append(depth.clamp(0, d - 1) * (h * w) + i.reshape(n, c, do, ho, wo))
    out, which = ember.stack(values).max(dim=0)
    idx = ember.stack(places).gather(0, which.unsqueeze(0)).squeeze(0)
    return (out.squeeze(0), idx.squeeze(0)) if unbatched else (out, idx)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults to ``kernel_size``; NaN
    propagates. With ``return_indices`` it also returns the flat index d*H*W + h*W + w of each maximum."""
    out, idx = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (out, idx) if return_indices else out


def _window_counts(size: int, k: int, s: int, p: int, out: int, include_pad: bool) -> np.ndarray:
    """Per output position along one dim, how many input (or padded, if ``include_pad``) positions its window
    covers."""
    start = np.arange(out) * s - p
    end = np.minimum(start + k, size + p)
    if not include_pad:
        start, end = np.maximum(start, 0), np.minimum(end, size)
    return (end - start).astype(np.float64)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override=None):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W); ``stride`` defaults to ``kernel_size``.

    Args:
        count_include_pad: count the zero padding in each window's divisor. Default: ``True``.
        divisor_override: divide every window's sum by this instead.
    """
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    kernel, stride, padding, _, x, unbatched, (do, ho, wo) = _depth_windows(
        "avg_pool3d", input, kernel_size, stride, padding, 1, ceil_mode)
    n, c, d, h, w = x.shape
    reach = (do - 1) * stride[0] + kernel[0]
    xp = _pad_depth(x, padding[0], reach - d - padding[0], 0.0)
    total = None
    for kd in range(kernel[0]):
        planes = _slices(xp, kd, do, stride[0])
        s = nn_ops.avg_pool2d(planes, kernel[1:], stride[1:], padding[1:], ceil_mode, True, 1)
        total = s if total is None else total + s
    total = total.reshape(n, c, do, ho, wo)
    if divisor_override is not None:
        out = total / divisor_override
    else:
        counts = [_window_counts(x.shape[2 + i], kernel[i], stride[i], padding[i], size, count_include_pad)
                  for i, size in enumerate((do, ho, wo))]
        divisor = np.einsum("i,j,k->ijk", *counts)
        out = total / ember.tensor(divisor, dtype=x.dtype, device=x.device)
    return out.squeeze(0) if unbatched else out


def _averaging_matrix(in_size: int, out_size: int) -> np.ndarray:
    """(out, in): row i averages the adaptive window floor(i*in/out) .. ceil((i+1)*in/out)."""
    m = np.zeros((out_size, in_size))
    for i in range(out_size):
        lo, hi = (i * in_size) // out_size, -(-((i + 1) * in_size) // out_size)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


def _adaptive_args(fn, input, output_size, empty_channels: bool):
    nn_ops._check_float(fn, input)
    x, unbatched = nn_ops._as_planes(fn, input, dims=3, empty_channels=empty_channels)
    size = nn_ops._adaptive_size(output_size, x, 3)
    if any(s < 0 for s in size):
        raise RuntimeError(f"{fn}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{size[0]}, {size[1]}, {size[2]}}}")
    return x, unbatched, size


def adaptive_avg_pool3d(input, output_size):
    """Average pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size`` (an int or triple; None keeps that
    input size)."""
    x, unbatched, size = _adaptive_args("adaptive_avg_pool3d", input, output_size, True)
    out = x
    for i, s in enumerate(size):
        m = ember.tensor(_averaging_matrix(x.shape[2 + i], s), dtype=x.dtype, device=x.device)
        out = (out.movedim(2 + i, -1) @ m.t()).movedim(-1, 2 + i)
    return out.squeeze(0) if unbatched else out.contiguous()


def adaptive_max_pool3d_with_indices(input, output_size):
    """Max pooling to a fixed ``output_size``; returns (output, indices), indices flat into each D*H*W volume."""
    x, unbatched, (do, ho, wo) = _adaptive_args("adaptive_max_pool3d", input, output_size, False)
    n, c, d, h, w = x.shape
    values, places = [], []
    for i in range(do):
        lo, hi = (i * d) // do, -(-((i + 1) * d) // do)
        planes = x[:, :, lo:hi].reshape(n, c * (hi - lo), h, w)
        v, k = nn_ops.adaptive_max_pool2d_with_indices(planes, (ho, wo))
        v, k = v.reshape(n, c, hi - lo, ho, wo), k.reshape(n, c, hi - lo, ho, wo)
        depth = ember.arange(lo, hi, device=x.device).reshape(1, 1, hi - lo, 1, 1)
        best, which = v.max(dim=2, keepdim=True)
        values.append(best)
        places.append((k + depth * (h * w)).gather(2, which))
    if do == 0:
        out = ember.empty((n, c, 0, ho, wo), dtype=x.dtype, device=x.device)
        idx = ember.empty((n, c, 0, ho, wo), dtype=ember.int64, device=x.device)
    else:
        out, idx = ember.cat(values, dim=2), ember.cat(places, dim=2)
    return (out.squeeze(0), idx.squeeze(0)) if unbatched else (out, idx)


def adaptive_max_pool3d(input, output_size, return_indices: bool = False):
    """Max pooling of (N, C, D, H, W) or (C, D, H, W) to ``output_size``."""
    out, idx = adaptive_max_pool3d_with_indices(input, output_size)
    return (out, idx) if return_indices else out


def lp_pool3d(input, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False):
    """Power-average pooling over (N, C, D, H, W): (sum over the window of x^p)^(1/p)."""
    kd, kh, kw = nn_ops._tuple(kernel_size, 3, "kernel_size", "lp_pool3d")
    out = avg_pool3d(input.pow(norm_type), (kd, kh, kw), stride, 0, ceil_mode)
    return (ember.sign(out) * ember.relu(ember.abs(out))).mul(kd * kh * kw).pow(1.0 / norm_type)
