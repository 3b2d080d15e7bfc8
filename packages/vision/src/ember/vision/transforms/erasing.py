"""``RandomErasing``: blank a random rectangle of a tensor image (Zhong et al., 2017)."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np

import ember
from ember.vision.transforms import functional as F
from ember.vision.transforms._transform import Transform, rand, randint, uniform


class RandomErasing(Transform):
    """With probability ``p``, set a random rectangle of a tensor image (area fraction in
    ``scale``, aspect ratio in ``ratio``) to ``value``: a number, one value per channel, or
    ``"random"`` for standard normal noise. Masks are left unchanged.
    """

    def __init__(self, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0, inplace: bool = False):
        if not isinstance(value, (numbers.Number, str, tuple, list)):
            raise TypeError("Argument value should be either a number or str or a sequence")
        if isinstance(value, str) and value != "random":
            raise ValueError("If value is str, it should be 'random'")
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)", stacklevel=2)
        if scale[0] < 0 or scale[1] > 1:
            raise ValueError("Scale should be between 0 and 1")
        if p < 0 or p > 1:
            raise ValueError("Random erasing probability should be between 0 and 1")
        self.p = p
        self.scale = scale
        self.ratio = ratio
        self.value = value
        self.inplace = inplace

    @staticmethod
    def get_params(img, scale, ratio, value=None):
        """(i, j, h, w, v) of the rectangle and its content; the whole image, unchanged, after 10 misses."""
        img_c, img_h, img_w = img.shape[-3], img.shape[-2], img.shape[-1]
        area = img_h * img_w
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            erase_area = area * uniform(scale[0], scale[1])
            aspect_ratio = math.exp(uniform(log_ratio[0], log_ratio[1]))
            h = int(round(math.sqrt(erase_area * aspect_ratio)))
            w = int(round(math.sqrt(erase_area / aspect_ratio)))
            if not (h < img_h and w < img_w):
                continue
            if value is None:
                v = ember.randn(img_c, h, w, dtype=ember.float32)
            else:
                v = ember.from_numpy(np.asarray(value, dtype=np.float32)[:, None, None])
            return randint(0, img_h - h + 1), randint(0, img_w - w + 1), h, w, v
        return 0, 0, img_h, img_w, img

    def make_params(self, img):
        if not isinstance(img, ember.Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(img)}")
        if not rand() < self.p:
            return None
        if isinstance(self.value, (int, float)):
            value = [float(self.value)]
        elif isinstance(self.value, str):
            value = None
        else:
            value = [float(v) for v in self.value]
        if value is not None and len(value) not in (1, img.shape[-3]):
            raise ValueError(f"If value is a sequence, it should have either a single value or {img.shape[-3]} "
                             f"(number of input channels)")
        return self.get_params(img, scale=self.scale, ratio=self.ratio, value=value)

    def transform(self, img, params):
        if params is None:
            return img
        i, j, h, w, v = params
        if v is img:
            return img
        return F.erase(img, i, j, h, w, v, self.inplace)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(p={self.p}, scale={self.scale}, ratio={self.ratio}, value={self.value}, "
                f"inplace={self.inplace})")
