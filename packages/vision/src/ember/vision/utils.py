"""Image utilities: ``make_grid`` (a batch of images tiled into one) and ``save_image``."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

import ember


def _as_batch(tensor) -> np.ndarray:
    if isinstance(tensor, list):
        for t in tensor:
            if not isinstance(t, ember.Tensor):
                raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        shapes = {tuple(t.shape) for t in tensor}
        if len(shapes) > 1:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {sorted(shapes)}")
        return np.stack([t.detach().cpu().numpy() for t in tensor])
    if not isinstance(tensor, ember.Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    return tensor.detach().cpu().numpy()


def _normalize(arr: np.ndarray, value_range) -> np.ndarray:
    low, high = value_range if value_range is not None else (float(arr.min()), float(arr.max()))
    return (np.clip(arr, low, high) - low) / max(high - low, 1e-5)


def make_grid(tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, value_range=None,
              scale_each: bool = False, pad_value: float = 0.0):
    """Tile a batch of images (B, C, H, W), or a list of (C, H, W) images, into one (C, H', W') image.

    Args:
        tensor (Tensor or list of Tensors): the images; 1-channel images become 3-channel.
        nrow (int): images per row. padding (int): pixels between images and around them.
        normalize (bool): shift and scale to [0, 1] using ``value_range`` (min, max) or the data's
            own min and max (per image if ``scale_each``).
        pad_value (float): value of the padding pixels.

    Example::

        >>> make_grid(ember.rand(10, 3, 32, 32), nrow=5).shape
        ember.Size([3, 70, 172])
    """
    arr = _as_batch(tensor)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 3:
        if arr.shape[0] == 1:
            arr = np.concatenate([arr, arr, arr], 0)
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = np.concatenate([arr, arr, arr], 1)
    if normalize:
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        if scale_each:
            arr = np.stack([_normalize(a, value_range) for a in arr]).astype(arr.dtype)
        else:
            arr = _normalize(arr, value_range).astype(arr.dtype)
    if arr.shape[0] == 1:
        return ember.from_numpy(np.ascontiguousarray(arr[0]))
    nmaps = arr.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = arr.shape[2] + padding, arr.shape[3] + padding
    grid = np.full((arr.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value, dtype=arr.dtype)
    for k in range(nmaps):
        y, x = divmod(k, xmaps)
        grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = arr[k]
    return ember.from_numpy(grid)


def save_image(tensor, fp, format: str | None = None, **kwargs) -> None:
    """Save a tensor image, a batch or a list of them (tiled by ``make_grid(**kwargs)``) to ``fp``.

    Values in [0, 1] are mapped to [0, 255] with rounding. ``format`` overrides the one implied by
    the file name (needed when ``fp`` is a file object).
    """
    grid = make_grid(tensor, **kwargs).numpy()
    ndarr = np.clip(grid * 255 + 0.5, 0, 255).astype(np.uint8).transpose(1, 2, 0)
    Image.fromarray(np.ascontiguousarray(ndarr)).save(fp, format=format)


__all__ = ["make_grid", "save_image"]
