"""Transforms that resize, crop, pad and flip: ``Resize``, ``CenterCrop``, ``RandomCrop``,
``RandomResizedCrop``, ``FiveCrop``, ``TenCrop``, ``Pad``, ``RandomHorizontalFlip``,
``RandomVerticalFlip``. Masks follow the image with nearest interpolation."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence

from ember.vision.transforms import functional as F
from ember.vision.transforms._interpolation import InterpolationMode, interpolation_mode
from ember.vision.transforms._transform import Transform, mask_fill, rand, randint, uniform
from ember.vision.transforms.functional import _parse_padding, _setup_size

_SIZE_MSG = "Please provide only two dimensions (h, w) for size."


class Resize(Transform):
    """Resize the image to ``size``: (h, w), or an int for the smaller edge (keeping the aspect
    ratio), bounded by ``max_size``. See ``functional.resize``.

    Example::

        >>> Resize(256)(Image.new("RGB", (640, 480))).size
        (341, 256)
    """

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True) -> None:
        if not isinstance(size, (int, Sequence, type(None))):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, Sequence) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        self.size = size
        self.max_size = max_size
        self.interpolation = interpolation_mode(interpolation)
        self.antialias = antialias

    def transform(self, img, params):
        return F.resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def transform_mask(self, mask, params):
        return F.resize(mask, self.size, InterpolationMode.NEAREST, self.max_size, self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


class CenterCrop(Transform):
    """Crop the centre of the image to ``size`` (int or (h, w)); pads with 0 if it is smaller."""

    def __init__(self, size) -> None:
        self.size = _setup_size(size, _SIZE_MSG)

    def transform(self, img, params):
        return F.center_crop(img, self.size)

    def transform_mask(self, mask, params):
        return F.center_crop(mask, self.size)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class RandomCrop(Transform):
    """Crop at a random location to ``size``, after optional ``padding`` (and padding up to
    ``size`` when ``pad_if_needed``) with ``fill`` / ``padding_mode`` as in ``Pad``."""

    def __init__(self, size, padding=None, pad_if_needed: bool = False, fill=0, padding_mode: str = "constant"):
        self.size = tuple(_setup_size(size, _SIZE_MSG))
        self.padding = padding
        self.pad_if_needed = pad_if_needed
        self.fill = fill
        self.padding_mode = padding_mode

    @staticmethod
    def get_params(img, output_size) -> tuple[int, int, int, int]:
        """Random (top, left, height, width) of a crop of ``output_size`` inside ``img``."""
        _, h, w = F.get_dimensions(img)
        return RandomCrop._draw(h, w, output_size)

    @staticmethod
    def _draw(h: int, w: int, output_size):
        th, tw = output_size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        if w == tw and h == th:
            return 0, 0, h, w
        return randint(0, h - th + 1), randint(0, w - tw + 1), th, tw

    def make_params(self, img):
        _, h, w = F.get_dimensions(img)
        if self.padding is not None:
            left, top, right, bottom = _parse_padding(self.padding)
            h, w = h + top + bottom, w + left + right
        pad_w = self.size[1] - w if self.pad_if_needed and w < self.size[1] else 0
        pad_h = self.size[0] - h if self.pad_if_needed and h < self.size[0] else 0
        return (pad_w, pad_h) + self._draw(h + 2 * pad_h, w + 2 * pad_w, self.size)

    def _apply(self, img, params, fill):
        pad_w, pad_h, i, j, h, w = params
        if self.padding is not None:
            img = F.pad(img, self.padding, fill, self.padding_mode)
        if pad_w:
            img = F.pad(img, [pad_w, 0], fill, self.padding_mode)
        if pad_h:
            img = F.pad(img, [0, pad_h], fill, self.padding_mode)
        return F.crop(img, i, j, h, w)

    def transform(self, img, params):
        return self._apply(img, params, self.fill)

    def transform_mask(self, mask, params):
        return self._apply(mask, params, mask_fill(self.fill))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomResizedCrop(Transform):
    """Crop a random area (fraction ``scale`` of the image, aspect ratio in ``ratio``) and resize
    it to ``size``; the Inception-style training crop.

    Example::

        >>> RandomResizedCrop(224)(Image.new("RGB", (500, 375))).size
        (224, 224)
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0),
                 interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True) -> None:
        self.size = _setup_size(size, _SIZE_MSG)
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        self.interpolation = interpolation_mode(interpolation)
        self.antialias = antialias
        self.scale = scale
        self.ratio = ratio

    @staticmethod
    def get_params(img, scale, ratio) -> tuple[int, int, int, int]:
        """Random (top, left, height, width) of the crop; the centre crop after 10 misses."""
        _, height, width = F.get_dimensions(img)
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * uniform(scale[0], scale[1])
            aspect_ratio = math.exp(uniform(log_ratio[0], log_ratio[1]))
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                return randint(0, height - h + 1), randint(0, width - w + 1), h, w
        in_ratio = float(width) / float(height)
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            h, w = height, int(round(height * max(ratio)))
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def make_params(self, img):
        return self.get_params(img, self.scale, self.ratio)

    def transform(self, img, params):
        return F.resized_crop(img, *params, self.size, self.interpolation, antialias=self.antialias)

    def transform_mask(self, mask, params):
        return F.resized_crop(mask, *params, self.size, InterpolationMode.NEAREST, antialias=self.antialias)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(size={self.size}, scale={tuple(round(s, 4) for s in self.scale)}, "
                f"ratio={tuple(round(r, 4) for r in self.ratio)}, interpolation={self.interpolation.value}, "
                f"antialias={self.antialias})")


class FiveCrop(Transform):
    """The four corner crops and the central crop, as a tuple of 5 images."""

    def __init__(self, size) -> None:
        self.size = _setup_size(size, _SIZE_MSG)

    def transform(self, img, params):
        return F.five_crop(img, self.size)

    transform_mask = transform

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size})"


class TenCrop(Transform):
    """``FiveCrop`` of the image and of its flip (horizontal unless ``vertical_flip``): 10 images."""

    def __init__(self, size, vertical_flip: bool = False) -> None:
        self.size = _setup_size(size, _SIZE_MSG)
        self.vertical_flip = vertical_flip

    def transform(self, img, params):
        return F.ten_crop(img, self.size, self.vertical_flip)

    transform_mask = transform

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, vertical_flip={self.vertical_flip})"


class Pad(Transform):
    """Pad every border by ``padding`` (int, (left/right, top/bottom) or (l, t, r, b)) with
    ``padding_mode`` constant (``fill``), edge, reflect or symmetric."""

    def __init__(self, padding, fill=0, padding_mode: str = "constant") -> None:
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                             f"tuple")
        self.padding = padding
        self.fill = fill
        self.padding_mode = padding_mode

    def transform(self, img, params):
        return F.pad(img, self.padding, self.fill, self.padding_mode)

    def transform_mask(self, mask, params):
        return F.pad(mask, self.padding, mask_fill(self.fill), self.padding_mode)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class _RandomFlip(Transform):
    _flip = None

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def make_params(self, img):
        return rand() < self.p

    def transform(self, img, params):
        return type(self)._flip(img) if params else img

    transform_mask = transform

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomHorizontalFlip(_RandomFlip):
    """Flip the image left to right with probability ``p``."""

    _flip = staticmethod(F.hflip)


class RandomVerticalFlip(_RandomFlip):
    """Flip the image top to bottom with probability ``p``."""

    _flip = staticmethod(F.vflip)
