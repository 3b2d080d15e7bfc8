"""Fractional max pooling (Graham, 2014): windows of a fixed size at pseudo-random, increasing starts, so
that the output can be any size between the input's and the input's minus the window's. The starts come
from one uniform sample per (sample, channel, dim), as in PyTorch; the maxima are gathered, so autograd
routes gradients to them."""

from __future__ import annotations

import numpy as np

import ember
from ember import dtypes
from ember.ops import nn_ops

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]


def _starts(sample: np.ndarray, in_size: int, out_size: int, k: int, ftype) -> np.ndarray:
    """Window starts for each sample (..., out_size), PyTorch's ``generate_intervals`` in the input's float
    type."""
    starts = np.empty(sample.shape + (out_size,), dtype=np.int64)
    if out_size > 1:
        alpha = ftype(in_size - k) / ftype(out_size - 1)
        i = np.arange(out_size - 1, dtype=ftype)
        s = sample.astype(ftype)[..., None]
        starts[..., :-1] = ((i + s) * alpha).astype(np.int64) - (s * alpha).astype(np.int64)
    if out_size > 0:
        starts[..., -1] = in_size - k
    return starts


def _fractional(fn: str, dims: int, input, kernel_size, output_size, output_ratio, random_samples):
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fn} requires specifying either an output_size or an output_ratio")
    nn_ops._check_float(fn, input)
    kernel = nn_ops._tuple(kernel_size, dims, "kernel_size", fn)
    x, unbatched = nn_ops._as_planes(fn, input, dims=dims)
    sizes = list(x.shape[2:])
    if output_size is None:
        ratio = tuple(output_ratio) if isinstance(output_ratio, (tuple, list)) else (output_ratio,) * dims
        out = [int(sizes[d] * ratio[d]) for d in range(dims)]
    else:
        out = list(nn_ops._tuple(output_size, dims, "output_size", fn))
    names = ("time", "height", "width")[3 - dims:]
    for d in range(dims):
        if out[d] + kernel[d] - 1 > sizes[d]:
            raise RuntimeError(f"{fn}(): pool {names[d]} {kernel[d]} too large relative to input {names[d]} "
                               f"{sizes[d]}")
    n, c = x.shape[:2]
    ftype = np.float64 if x.dtype is dtypes.float64 else np.float32
    if random_samples is None:
        samples = np.asarray(ember.rand(n, c, dims, dtype=x.dtype).numpy())
    else:
        samples = random_samples.detach().cpu().numpy()
        if samples.shape != (n, c, dims):
            raise RuntimeError(f"{fn}(): expected _random_samples of shape [{n}, {c}, {dims}], got "
                               f"{list(samples.shape)}")
    # PyTorch's sample order: the last spatial dim (width) first, then height (then time)
    positions = None
    for d in range(dims):
        sample = samples[..., dims - 1 - d] if dims == 2 else samples[..., d]
        starts = _starts(sample, sizes[d], out[d], kernel[d], ftype)                     # (n, c, out_d)
        coords = starts[..., None] + np.arange(kernel[d])                                # (n, c, out_d, k_d)
        shape = [n, c] + [1] * dims + [1] * dims
        shape[2 + d] = out[d]
        shape[2 + dims + d] = kernel[d]
        coords = coords.reshape(shape)
        positions = coords if positions is None else positions * sizes[d] + coords
    positions = np.broadcast_to(positions, [n, c] + out + list(kernel)).reshape(n, c, -1)
    index = ember.tensor(np.ascontiguousarray(positions), device=x.device)
    window = x.reshape(n, c, -1).gather(2, index).reshape([n, c] + out + [-1])
    values, which = window.max(dim=-1)
    flat_index = index.reshape([n, c] + out + [-1]).gather(-1, which.unsqueeze(-1)).squeeze(-1)
    return (values.squeeze(0), flat_index.squeeze(0)) if unbatched else (values, flat_index)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None):
    """``(output, indices)`` of 2-D fractional max pooling; indices are flat (h * W + w)."""
    return _fractional("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                          _random_samples=None):
    """Fractional max pooling of (N, C, H, W) or (C, H, W) to ``output_size`` (or ``output_ratio`` times the
    input size) with ``kernel_size`` windows at pseudo-random starts."""
    out, idx = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio, True,
                                                  _random_samples)
    return (out, idx) if return_indices else out


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices: bool = False, _random_samples=None):
    """``(output, indices)`` of 3-D fractional max pooling; indices are flat (t * H * W + h * W + w)."""
    return _fractional("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices: bool = False,
                          _random_samples=None):
    """Fractional max pooling of (N, C, T, H, W) or (C, T, H, W)."""
    out, idx = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio, True,
                                                  _random_samples)
    return (out, idx) if return_indices else out
