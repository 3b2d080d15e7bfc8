"""Resizing: ``pad`` (constant, reflect, replicate, circular) and ``interpolate``.

Both are built from differentiable shape ops (``cat``, ``narrow``, ``flip``,
``index_select``), so autograd needs no rules of its own for them.
"""

from __future__ import annotations

import math
import operator

import numpy as np

import ember
from ember import dtypes
from ember.nn.functional.pooling import adaptive_avg_pool1d, adaptive_avg_pool2d
from ember.nn.functional.pooling3d import adaptive_avg_pool3d

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle",
           "pixel_unshuffle"]


def _full(input, dim: int, length: int, value):
    shape = list(input.shape)
    shape[dim] = length
    return ember.full(shape, value, dtype=input.dtype, device=input.device)


def _crop(input, dim: int, left: int, right: int):
    """Negative padding crops, in every mode (as in PyTorch, the other side then pads what is left)."""
    size = input.shape[dim]
    if left < 0:
        input, size, left = input.narrow(dim, -left, size + left), size + left, 0
    if right < 0:
        input, right = input.narrow(dim, 0, size + right), 0
    return input, left, right


def _pad_dim(input, dim: int, left: int, right: int, mode: str, value):
    size = input.shape[dim]
    if mode == "constant":
        parts = [_full(input, dim, left, value)] if left else []
        parts.append(input)
        if right:
            parts.append(_full(input, dim, right, value))
    elif mode == "reflect":
        parts = [input.narrow(dim, 1, left).flip(dim)] if left else []
        parts.append(input)
        if right:
            parts.append(input.narrow(dim, size - 1 - right, right).flip(dim))
    elif mode == "replicate":
        parts = [_expand_edge(input, dim, 0, left)] if left else []
        parts.append(input)
        if right:
            parts.append(_expand_edge(input, dim, size - 1, right))
    else:  # circular
        parts = [input.narrow(dim, size - left, left)] if left else []
        parts.append(input)
        if right:
            parts.append(input.narrow(dim, 0, right))
    return ember.cat(parts, dim) if len(parts) > 1 else input


def _expand_edge(input, dim: int, index: int, length: int):
    shape = list(input.shape)
    shape[dim] = length
    return input.narrow(dim, index, 1).expand(shape)


def pad(input, pad, mode: str = "constant", value=None):
    """Pad the last ``len(pad) // 2`` dims of ``input``.

    Args:
        pad: (left, right) for the last dim, then (top, bottom) for the one before, and so on.
            Negative values crop (constant mode).
        mode: ``"constant"`` (fill with ``value``, default 0), ``"reflect"`` (mirror without the
            edge), ``"replicate"`` (repeat the edge) or ``"circular"`` (wrap around).

    Example::

        >>> F.pad(ember.ones(1, 2, 2), (1, 1)).shape
        ember.Size([1, 2, 4])
    """
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if mode != "constant":
        if value is not None and value != 0:
            raise ValueError(f"Padding mode \"{mode}\" doesn't take in value argument")
        k = len(pad) // 2
        if k > 3 or input.ndim not in (k + 1, k + 2):
            raise NotImplementedError("Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for "
                                      "now")
    value = 0 if value is None else value
    for i in range(len(pad) // 2):
        dim = input.ndim - 1 - i
        left, right = pad[2 * i], pad[2 * i + 1]
        size = input.shape[dim]
        if size + min(left, 0) + min(right, 0) < 0:
            raise RuntimeError(f"The input size {size}, plus negative padding {left} and {right} resulted in a "
                               f"negative output size, which is invalid. Check dimension {dim} of your input.")
        input, left, right = _crop(input, dim, left, right)
        size = input.shape[dim]
        if mode == "reflect" and (left >= size or right >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, "
                               f"but got: padding ({left}, {right}) at dimension {dim} of input {list(input.shape)}")
        if mode == "circular" and (left > size or right > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and size == 0 and (left or right):
            raise RuntimeError(f"padding size is expected to be 0 for dimension {dim}")
        if left or right:
            input = _pad_dim(input, dim, left, right, mode, value)
    return input


# -- interpolate -----------------------------------------------------------------------------

_MODE_DIMS = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _output_size(input, spatial: int, size, scale_factor):
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        sizes = [size] * spatial if isinstance(size, int) else list(size)
        if len(sizes) != spatial:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(input.shape[2:])} and output size of {sizes}. Please "
                             f"provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, "
                             f"...,oK) format.")
        return [int(s) for s in sizes], None
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    scales = [scale_factor] * spatial if isinstance(scale_factor, (int, float)) else list(scale_factor)
    if len(scales) != spatial:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
                         f"spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {scales}. Please "
                         f"provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, "
                         f"...,sK) format.")
    sizes = [int(math.floor(float(input.shape[2 + i]) * scales[i])) for i in range(spatial)]
    return sizes, [float(s) for s in scales]


def _check_sizes(in_sizes, out_sizes) -> None:
    """Resampling needs pixels to read and to write (adaptive pooling, mode "area", takes an empty output)."""
    if min(in_sizes) > 0 and min(out_sizes) > 0:
        return
    names = "DHW"[3 - len(in_sizes):]
    show = lambda sizes: ", ".join(f"{n}: {v}" for n, v in zip(names, sizes))
    sep = " and" if len(in_sizes) == 1 else ""
    raise RuntimeError(f"Input and output sizes should be greater than 0, but got input ({show(in_sizes)}){sep} "
                       f"output ({show(out_sizes)})")


def _scale(in_size: int, out_size: int, align_corners: bool, scale, ftype):
    """The output-to-input coordinate ratio, as PyTorch computes it (in the input's float type)."""
    if align_corners:
        return ftype(in_size - 1) / ftype(out_size - 1) if out_size > 1 else ftype(0)
    if scale is not None and scale > 0:
        return ftype(1.0 / scale)
    return ftype(in_size) / ftype(out_size)


def _nearest_index(in_size: int, out_size: int, scale, exact: bool, device):
    s = _scale(in_size, out_size, False, scale, np.float32)
    pos = np.arange(out_size, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    idx = np.minimum(np.floor(pos * s).astype(np.int64), in_size - 1)
    return ember.tensor(idx, device=device)


def _linear_along(x, dim: int, out_size: int, align_corners: bool, scale):
    in_size = x.shape[dim]
    ftype = np.float64 if x.dtype is dtypes.float64 else np.float32
    ratio = _scale(in_size, out_size, align_corners, scale, ftype)
    pos = np.arange(out_size, dtype=ftype)
    src = pos * ratio if align_corners else np.maximum((pos + ftype(0.5)) * ratio - ftype(0.5), ftype(0))
    i0 = np.minimum(src.astype(np.int64), in_size - 1)
    i1 = np.minimum(i0 + 1, in_size - 1)
    shape = [1] * x.ndim
    shape[dim] = out_size
    lam = ember.tensor((src - i0).astype(ftype).reshape(shape), dtype=x.dtype, device=x.device)
    i0, i1 = ember.tensor(i0, device=x.device), ember.tensor(i1, device=x.device)
    return x.index_select(dim, i0) * (1 - lam) + x.index_select(dim, i1) * lam


def interpolate(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None,
                recompute_scale_factor=None, antialias: bool = False):
    """Resize (N, C, *spatial) input to ``size`` or by ``scale_factor``.

    Args:
        mode: ``"nearest"``, ``"nearest-exact"``, ``"linear"`` (3-D input), ``"bilinear"`` (4-D)
            or ``"area"`` (adaptive average pooling).
        align_corners: for the linear modes, map the corner pixels of input and output onto
            each other (True) or their outer edges (False, the default).
        recompute_scale_factor: compute the coordinate scale from the output size instead of
            using ``scale_factor`` directly.
    """
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear "
                             "| bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias:
        raise NotImplementedError("interpolate(antialias=True) is not supported by ember")
    spatial = input.ndim - 2
    if spatial < 1:
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
                                  f"nearest-exact (got {mode})")
    sizes, scales = _output_size(input, spatial, size, scale_factor)
    if mode != "area":
        _check_sizes(input.shape[2:], sizes)
    if recompute_scale_factor:
        scales = None
    if scales is None:
        scales = [None] * spatial
    if mode in ("nearest", "nearest-exact"):
        out = input
        for i in range(spatial):
            idx = _nearest_index(input.shape[2 + i], sizes[i], scales[i], mode == "nearest-exact", input.device)
            out = out.index_select(2 + i, idx)
        return out
    if mode == "area":
        if spatial == 1:
            return adaptive_avg_pool1d(input, sizes[0])
        if spatial == 2:
            return adaptive_avg_pool2d(input, sizes)
        if spatial == 3:
            return adaptive_avg_pool3d(input, sizes)
        raise NotImplementedError(f"interpolate(mode='area') takes 3D, 4D or 5D input, got {input.ndim}D")
    if mode in _MODE_DIMS:
        if _MODE_DIMS[mode] != spatial:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_MODE_DIMS[mode] + 2}D input")
        if mode == "bicubic":
            raise NotImplementedError("interpolate(mode='bicubic') is not supported by ember")
        out = input
        for i in range(spatial):
            out = _linear_along(out, 2 + i, sizes[i], align_corners, scales[i])
        return out
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the "
                              f"modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got "
                              f"{mode})")


def upsample(input, size=None, scale_factor=None, mode: str = "nearest", align_corners=None):
    """Deprecated alias of ``interpolate``."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode="nearest")``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: ``interpolate(..., mode="bilinear", align_corners=True)``."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _shuffle_factor(fn: str, name: str, input, factor) -> int:
    if input.ndim < 3:
        raise RuntimeError(f"{fn} expects input to have at least 3 dimensions, but got input with {input.ndim} "
                           f"dimension(s)")
    factor = operator.index(factor)
    if factor <= 0:
        raise RuntimeError(f"{fn} expects a positive {name}, but got {factor}")
    return factor


def pixel_shuffle(input, upscale_factor: int):
    """(*, C*r², H, W) -> (*, C, H*r, W*r)."""
    r = _shuffle_factor("pixel_shuffle", "upscale_factor", input, upscale_factor)
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    n = len(lead)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor: int):
    """(*, C, H*r, W*r) -> (*, C*r², H, W)."""
    r = _shuffle_factor("pixel_unshuffle", "downscale_factor", input, downscale_factor)
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but got "
                           f"{h} and {w} for downscale_factor={r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)
