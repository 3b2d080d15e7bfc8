"""``Transform``: the base of every transform, and the random draws they share.

Calling convention (torchvision.transforms.v2 style, for segmentation and detection pipelines)::

    out = t(img)                    # one image in, one image out
    img, mask = t(img, mask)        # the same random parameters for both
    img, mask, label = t(img, mask, label)

Arguments after the first that are PIL images or tensors are *masks*: geometric transforms move
them with the image (nearest interpolation, so class ids survive), photometric transforms
(colour, blur, Normalize, erasing) leave them unchanged, and ``ToTensor``/``PILToTensor`` turn
them into int64 class-index tensors without scaling. Anything else (labels, boxes as lists,
None) passes through untouched.

A subclass implements ``make_params(img)`` (random draws, made once per call),
``transform(img, params)`` and, if it moves pixels, ``transform_mask(mask, params)``.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

import ember


def rand() -> float:
    """A float in [0, 1) from ember's default generator (so ``ember.manual_seed`` governs it)."""
    return ember.rand(1, dtype=ember.float64).item()


def uniform(low: float, high: float) -> float:
    return low + (high - low) * rand()


def randint(low: int, high: int) -> int:
    """An int in [low, high)."""
    return int(ember.randint(low, high, (1,)).item())


def randperm(n: int) -> list[int]:
    return ember.randperm(n).tolist()


def is_mask_like(x) -> bool:
    return isinstance(x, (Image.Image, ember.Tensor))


class Transform:
    """Base class of ember.vision transforms (see the module docstring for the calling convention)."""

    def make_params(self, img) -> object:
        """Random parameters for one call, drawn from ember's generator."""
        return None

    def transform(self, img, params):
        raise NotImplementedError(f"{type(self).__name__} must implement transform(img, params)")

    def transform_mask(self, mask, params):
        """How a mask follows the image; photometric transforms leave it as it is."""
        return mask

    def __call__(self, img, *targets):
        params = self.make_params(img)
        out = self.transform(img, params)
        if not targets:
            return out
        return (out,) + tuple(self.transform_mask(t, params) if is_mask_like(t) else t for t in targets)

    def forward(self, img, *targets):
        return self(img, *targets)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def mask_fill(fill):
    """The fill used for masks: the same value when it is a number, 0 for per-channel colours."""
    return fill if isinstance(fill, (int, float)) else 0


def tensor_to_mask(mask):
    """A mask as an int64 tensor of class indices: (H, W) for one band, else (C, H, W)."""
    if isinstance(mask, ember.Tensor):
        return mask.to(ember.int64)
    arr = np.array(mask, dtype=np.int64)
    if arr.ndim == 3:
        arr = np.ascontiguousarray(arr.transpose(2, 0, 1))
    return ember.from_numpy(arr)
