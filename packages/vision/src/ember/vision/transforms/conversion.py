"""Transforms between PIL images, NumPy arrays and tensors, and on tensor values:
``ToTensor``, ``PILToTensor``, ``ToPILImage``, ``ConvertImageDtype``, ``Normalize``."""

from __future__ import annotations

from collections.abc import Sequence

from ember.vision.transforms import functional as F
from ember.vision.transforms._transform import Transform, tensor_to_mask


class ToTensor(Transform):
    """Convert a PIL image or ndarray (H x W x C) to a tensor (C x H x W); 8-bit images are
    scaled to float in [0.0, 1.0]. Masks become int64 class-index tensors (not scaled)."""

    def transform(self, img, params):
        return F.to_tensor(img)

    def transform_mask(self, mask, params):
        return tensor_to_mask(mask)


class PILToTensor(Transform):
    """Convert a PIL image (H x W x C) to a tensor (C x H x W) of the same values."""

    def transform(self, img, params):
        return F.pil_to_tensor(img)

    def transform_mask(self, mask, params):
        return tensor_to_mask(mask)


class ToPILImage(Transform):
    """Convert a tensor (C x H x W) or ndarray (H x W x C) to a PIL image (see ``to_pil_image``)."""

    def __init__(self, mode: str | None = None) -> None:
        self.mode = mode

    def transform(self, img, params):
        return F.to_pil_image(img, self.mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(" + (f"mode={self.mode}" if self.mode is not None else "") + ")"


class ConvertImageDtype(Transform):
    """Convert a tensor image to ``dtype``, scaling the values (see ``convert_image_dtype``)."""

    def __init__(self, dtype) -> None:
        self.dtype = dtype

    def transform(self, img, params):
        return F.convert_image_dtype(img, self.dtype)


class Normalize(Transform):
    """Normalize a float tensor image: ``output[c] = (input[c] - mean[c]) / std[c]``.

    Raises ValueError naming the counts when ``mean``/``std`` do not have one value per channel.
    """

    def __init__(self, mean: Sequence[float], std: Sequence[float], inplace: bool = False) -> None:
        self.mean = mean
        self.std = std
        self.inplace = inplace

    def transform(self, img, params):
        return F.normalize(img, self.mean, self.std, self.inplace)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"
