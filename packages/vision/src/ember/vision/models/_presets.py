"""The evaluation transforms that pretrained classification weights expect (``weights.transforms()``)."""

from __future__ import annotations

from collections.abc import Sequence

import ember
from ember import nn
from ember.vision.transforms import InterpolationMode
from ember.vision.transforms import functional as F

__all__ = ["ImageClassification"]


class ImageClassification(nn.Module):
    """Resize the smaller edge to ``resize_size``, centre-crop ``crop_size``, scale to [0, 1] and normalise.

    Accepts PIL images and (C, H, W) or (B, C, H, W) tensors; returns a float32 tensor.

    Args:
        crop_size: side of the square centre crop (keyword-only).
        resize_size: the smaller edge before cropping. Default: 256.
        mean, std: per-channel normalisation. Default: ImageNet's.
        interpolation: the resize filter. Default: ``InterpolationMode.BILINEAR``.
        antialias: antialias tensor resizing. Default: ``True``.

    Example::

        >>> preprocess = ResNet50_Weights.DEFAULT.transforms()
        >>> batch = preprocess(Image.open("dog.jpg")).unsqueeze(0)   # (1, 3, 224, 224)
    """

    def __init__(self, *, crop_size: int, resize_size: int = 256,
                 mean: Sequence[float] = (0.485, 0.456, 0.406), std: Sequence[float] = (0.229, 0.224, 0.225),
                 interpolation: InterpolationMode = InterpolationMode.BILINEAR, antialias: bool | None = True) -> None:
        super().__init__()
        self.crop_size = [crop_size]
        self.resize_size = [resize_size]
        self.mean = list(mean)
        self.std = list(std)
        self.interpolation = interpolation
        self.antialias = antialias

    def forward(self, img):
        img = F.resize(img, self.resize_size, interpolation=self.interpolation, antialias=self.antialias)
        img = F.center_crop(img, self.crop_size)
        if not isinstance(img, ember.Tensor):
            img = F.pil_to_tensor(img)
        img = F.convert_image_dtype(img, ember.float)
        return F.normalize(img, mean=self.mean, std=self.std)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(\n    crop_size={self.crop_size}\n    resize_size={self.resize_size}\n"
                f"    mean={self.mean}\n    std={self.std}\n    interpolation={self.interpolation}\n)")

    def describe(self) -> str:
        return ("Accepts ``PIL.Image``, batched ``(B, C, H, W)`` and single ``(C, H, W)`` image ``ember.Tensor`` "
                f"objects. The images are resized to ``resize_size={self.resize_size}`` using "
                f"``interpolation={self.interpolation}``, followed by a central crop of "
                f"``crop_size={self.crop_size}``. Finally the values are first rescaled to ``[0.0, 1.0]`` and then "
                f"normalized using ``mean={self.mean}`` and ``std={self.std}``.")
