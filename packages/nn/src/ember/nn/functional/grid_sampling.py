"""Spatial transformers: ``affine_grid`` (the sampling grid of an affine map) and ``grid_sample`` (read an
image at grid positions, bilinearly or at the nearest pixel), composed from ``gather`` so that the gradients
reach both the image and the grid."""

from __future__ import annotations

import itertools
import warnings

import ember
from ember import dtypes

__all__ = ["affine_grid", "grid_sample", "GRID_SAMPLE_INTERPOLATION_MODES", "GRID_SAMPLE_PADDING_MODES"]

# the mode numbers of PyTorch's grid sampler kernels
GRID_SAMPLE_INTERPOLATION_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
GRID_SAMPLE_PADDING_MODES = {"zeros": 0, "border": 1, "reflection": 2}

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _base_coordinates(n: int, align_corners: bool, like):
    """The normalized [-1, 1] coordinates of ``n`` pixel centres (or corners with ``align_corners``)."""
    steps = ember.arange(n, dtype=like.dtype, device=like.device)
    if n <= 1:
        return steps * 0
    if align_corners:
        return steps * (2.0 / (n - 1)) - 1
    return (steps * 2 + 1) / n - 1


def affine_grid(theta, size, align_corners=None):
    """The (N, H, W, 2) grid (or (N, D, H, W, 3)) of the positions the affine maps ``theta`` (N, 2, 3) (or
    (N, 3, 4)) send each output pixel of ``size`` to, in [-1, 1] coordinates (x first)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.dtype.is_floating_point:
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    spatial = len(size) - 2
    if spatial not in (2, 3):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (spatial, spatial + 1) or theta.shape[0] != size[0]:
        raise ValueError(f"Expected a batch of {spatial}D affine matrices of shape Nx{spatial}x{spatial + 1} for size "
                         f"{size}. Got {list(theta.shape)}.")
    if min(size[2:]) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    axes = [_base_coordinates(s, align_corners, theta) for s in reversed(size[2:])]   # x, y(, z)
    grids = ember.meshgrid(*reversed(axes), indexing="ij")                           # in (D,) H, W order
    base = ember.stack(list(reversed(grids)) + [ember.ones_like(grids[0])], dim=-1)   # (..., x, y(, z), 1)
    flat = base.reshape(1, -1, spatial + 1)
    out = flat @ theta.transpose(1, 2)
    return out.reshape([size[0]] + size[2:] + [spatial])


def _unnormalize(coord, size: int, align_corners: bool):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, low: float, high: float):
    """``coord`` reflected into [low, high] (as many times as needed)."""
    if high <= low:
        return coord * 0
    span = high - low
    x = (coord - low).abs()
    flips = (x / span).floor()
    extra = x - flips * span
    return ember.where(flips.remainder(2) == 0, extra + low, span - extra + low)


def _source_coordinates(coord, size: int, padding_mode: str, align_corners: bool):
    x = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        x = x.clamp(0, size - 1)
    elif padding_mode == "reflection":
        x = _reflect(x, 0.0, size - 1.0) if align_corners else _reflect(x, -0.5, size - 0.5)
        x = x.clamp(0, size - 1)
    return x


def grid_sample(input, grid, mode: str = "bilinear", padding_mode: str = "zeros", align_corners=None):
    """Sample ``input`` (N, C, H, W) at ``grid`` (N, H_out, W_out, 2), positions in [-1, 1] with x first;
    likewise (N, C, D, H, W) with a (N, D_out, H_out, W_out, 3) grid.

    Args:
        mode: ``"bilinear"`` (trilinear for 5-D input) or ``"nearest"``.
        padding_mode: the value outside the image: ``"zeros"``, ``"border"`` (the edge pixel) or
            ``"reflection"`` (the image mirrored at its border).
    """
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but "
                         f"got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample(mode='bicubic') is not supported by ember")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    spatial = input.ndim - 2
    if spatial not in (2, 3) or grid.ndim != input.ndim or grid.shape[-1] != spatial:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {spatial} in last dimension and input and "
                           f"grid to have the same number of dims (4-D or 5-D), but got input of shape "
                           f"{list(input.shape)} and grid of shape {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    if input.dtype is not grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to have same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    n, c = input.shape[:2]
    sizes = list(input.shape[2:])                                  # (D,) H, W
    out_shape = list(grid.shape[1:-1])
    points = grid.reshape(n, -1, spatial)                          # (N, P, x y (z))
    coords = [_source_coordinates(points[..., k], sizes[spatial - 1 - k], padding_mode, align_corners)
              for k in range(spatial)]                             # x, y(, z) in pixels
    coords = coords[::-1]                                          # (z,) y, x: the order of input's dims
    flat = input.reshape(n, c, -1)

    def gather(index_per_dim, weight):
        inside = None
        linear = None
        for d, idx in enumerate(index_per_dim):
            ok = (idx >= 0) & (idx <= sizes[d] - 1)
            inside = ok if inside is None else inside & ok
            safe = idx.clamp(0, sizes[d] - 1).to(dtypes.int64)
            linear = safe if linear is None else linear * sizes[d] + safe
        values = flat.gather(2, linear.unsqueeze(1).expand(n, c, linear.shape[1]))
        return values * (weight * inside.to(weight.dtype)).unsqueeze(1)

    if mode == "nearest":
        out = gather([x.round() for x in coords], ember.ones_like(coords[0]))
    else:
        lows = [x.floor() for x in coords]
        fracs = [x - lo for x, lo in zip(coords, lows)]
        out = None
        for corner in itertools.product((0, 1), repeat=spatial):
            weight = None
            for d, bit in enumerate(corner):
                w = fracs[d] if bit else 1 - fracs[d]
                weight = w if weight is None else weight * w
            term = gather([lows[d] + bit for d, bit in enumerate(corner)], weight)
            out = term if out is None else out + term
    return out.reshape([n, c] + out_shape)
