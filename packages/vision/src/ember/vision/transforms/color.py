"""Photometric transforms (masks pass through unchanged): ``ColorJitter``, ``Grayscale``,
``RandomGrayscale``, ``GaussianBlur`` and the random pixel operations ``RandomInvert``,
``RandomPosterize``, ``RandomSolarize``, ``RandomAdjustSharpness``, ``RandomAutocontrast``,
``RandomEqualize``."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from ember.vision.transforms import functional as F
from ember.vision.transforms._transform import Transform, rand, randperm, uniform


class ColorJitter(Transform):
    """Randomly change brightness, contrast, saturation and hue, in a random order.

    Each of ``brightness``, ``contrast``, ``saturation`` is a number v (factor drawn from
    [max(0, 1 - v), 1 + v]) or a (min, max) range; ``hue`` is v in [0, 0.5] (shift drawn from
    [-v, v]) or a range within [-0.5, 0.5].
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0) -> None:
        self.brightness = self._check_input(brightness, "brightness")
        self.contrast = self._check_input(contrast, "contrast")
        self.saturation = self._check_input(saturation, "saturation")
        self.hue = self._check_input(hue, "hue", center=0, bound=(-0.5, 0.5), clip_first_on_zero=False)

    @staticmethod
    def _check_input(value, name, center=1, bound=(0, float("inf")), clip_first_on_zero=True):
        if isinstance(value, numbers.Number):
            if value < 0:
                raise ValueError(f"If {name} is a single number, it must be non negative.")
            value = [center - float(value), center + float(value)]
            if clip_first_on_zero:
                value[0] = max(value[0], 0.0)
        elif isinstance(value, (tuple, list)) and len(value) == 2:
            value = [float(value[0]), float(value[1])]
        else:
            raise TypeError(f"{name} should be a single number or a list/tuple with length 2.")
        if not bound[0] <= value[0] <= value[1] <= bound[1]:
            raise ValueError(f"{name} values should be between {bound}, but got {value}.")
        if value[0] == value[1] == center:
            return None
        return tuple(value)

    @staticmethod
    def get_params(brightness, contrast, saturation, hue):
        """(order of the four adjustments, brightness, contrast, saturation, hue factors or None)."""
        order = randperm(4)
        b = None if brightness is None else uniform(brightness[0], brightness[1])
        c = None if contrast is None else uniform(contrast[0], contrast[1])
        s = None if saturation is None else uniform(saturation[0], saturation[1])
        h = None if hue is None else uniform(hue[0], hue[1])
        return order, b, c, s, h

    def make_params(self, img):
        return self.get_params(self.brightness, self.contrast, self.saturation, self.hue)

    def transform(self, img, params):
        order, b, c, s, h = params
        for fn_id in order:
            if fn_id == 0 and b is not None:
                img = F.adjust_brightness(img, b)
            elif fn_id == 1 and c is not None:
                img = F.adjust_contrast(img, c)
            elif fn_id == 2 and s is not None:
                img = F.adjust_saturation(img, s)
            elif fn_id == 3 and h is not None:
                img = F.adjust_hue(img, h)
        return img

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(brightness={self.brightness}, contrast={self.contrast}, "
                f"saturation={self.saturation}, hue={self.hue})")


class Grayscale(Transform):
    """Convert to grayscale with ``num_output_channels`` 1 or 3 (r == g == b)."""

    def __init__(self, num_output_channels: int = 1) -> None:
        self.num_output_channels = num_output_channels

    def transform(self, img, params):
        return F.rgb_to_grayscale(img, num_output_channels=self.num_output_channels)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_output_channels={self.num_output_channels})"


class RandomGrayscale(Transform):
    """Convert to grayscale with probability ``p``, keeping the number of channels."""

    def __init__(self, p: float = 0.1) -> None:
        self.p = p

    def make_params(self, img):
        return rand() < self.p

    def transform(self, img, params):
        if not params:
            return img
        return F.rgb_to_grayscale(img, num_output_channels=F.get_dimensions(img)[0])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class GaussianBlur(Transform):
    """Blur with a Gaussian of odd ``kernel_size`` and a sigma drawn from ``sigma`` ((min, max)
    or a fixed value)."""

    def __init__(self, kernel_size, sigma=(0.1, 2.0)) -> None:
        self.kernel_size = F._setup_size(kernel_size, "Kernel size should be a tuple/list of two integers")
        for ks in self.kernel_size:
            if ks <= 0 or ks % 2 == 0:
                raise ValueError("Kernel size value should be an odd and positive number.")
        if isinstance(sigma, numbers.Number):
            if sigma <= 0:
                raise ValueError("If sigma is a single number, it must be positive.")
            sigma = (sigma, sigma)
        elif isinstance(sigma, Sequence) and len(sigma) == 2:
            if not 0.0 < sigma[0] <= sigma[1]:
                raise ValueError("sigma values should be positive and of the form (min, max).")
        else:
            raise ValueError("sigma should be a single number or a list/tuple with length 2.")
        self.sigma = sigma

    @staticmethod
    def get_params(sigma_min: float, sigma_max: float) -> float:
        """A random sigma in [sigma_min, sigma_max]."""
        return uniform(sigma_min, sigma_max)

    def make_params(self, img):
        return self.get_params(self.sigma[0], self.sigma[1])

    def transform(self, img, params):
        return F.gaussian_blur(img, list(self.kernel_size), [params, params])

    def __repr__(self) -> str:
        return f"{type(self).__name__}(kernel_size={self.kernel_size}, sigma={self.sigma})"


class _RandomPixelOp(Transform):
    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def make_params(self, img):
        return rand() < self.p

    def transform(self, img, params):
        return self._op(img) if params else img

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"


class RandomInvert(_RandomPixelOp):
    """Invert the colours with probability ``p``."""

    def _op(self, img):
        return F.invert(img)


class RandomAutocontrast(_RandomPixelOp):
    """Autocontrast with probability ``p``."""

    def _op(self, img):
        return F.autocontrast(img)


class RandomEqualize(_RandomPixelOp):
    """Equalize the histogram with probability ``p``."""

    def _op(self, img):
        return F.equalize(img)


class RandomPosterize(_RandomPixelOp):
    """Keep ``bits`` bits per channel with probability ``p``."""

    def __init__(self, bits: int, p: float = 0.5) -> None:
        super().__init__(p)
        self.bits = bits

    def _op(self, img):
        return F.posterize(img, self.bits)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(bits={self.bits},p={self.p})"


class RandomSolarize(_RandomPixelOp):
    """Invert pixels at or above ``threshold`` with probability ``p``."""

    def __init__(self, threshold: float, p: float = 0.5) -> None:
        super().__init__(p)
        self.threshold = threshold

    def _op(self, img):
        return F.solarize(img, self.threshold)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(threshold={self.threshold},p={self.p})"


class RandomAdjustSharpness(_RandomPixelOp):
    """Adjust the sharpness by ``sharpness_factor`` with probability ``p``."""

    def __init__(self, sharpness_factor: float, p: float = 0.5) -> None:
        super().__init__(p)
        if sharpness_factor < 0:
            raise ValueError("sharpness_factor must be non negative")
        self.sharpness_factor = sharpness_factor

    def _op(self, img):
        return F.adjust_sharpness(img, self.sharpness_factor)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(sharpness_factor={self.sharpness_factor},p={self.p})"
