"""Transforms that warp the image: ``RandomRotation``, ``RandomAffine``, ``RandomPerspective``.
Masks are warped with the same parameters and nearest interpolation."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import ember
from ember.vision.transforms import functional as F
from ember.vision.transforms._interpolation import InterpolationMode, interpolation_mode
from ember.vision.transforms._transform import Transform, mask_fill, rand, randint, uniform


def _check_sequence_input(x, name: str, req_sizes) -> None:
    msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join(str(s) for s in req_sizes)
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {msg}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {msg}.")


def _setup_angle(x, name: str, req_sizes=(2,)) -> list[float]:
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]
    else:
        _check_sequence_input(x, name, req_sizes)
    return [float(d) for d in x]


def _check_fill(fill):
    if fill is None:
        return 0
    if not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError("Fill should be either a sequence or a number.")
    return fill


def _fill_for(img, fill):
    """torchvision passes tensors one fill value per channel."""
    if isinstance(img, ember.Tensor):
        channels = F.get_dimensions(img)[0]
        return [float(fill)] * channels if isinstance(fill, (int, float)) else [float(f) for f in fill]
    return fill


class RandomRotation(Transform):
    """Rotate by an angle drawn from ``degrees`` ((min, max), or d for (-d, d)).

    Args:
        degrees (sequence or number): range of angles in degrees.
        interpolation (InterpolationMode): NEAREST (default) or BILINEAR for tensors; any for PIL.
        expand (bool): enlarge the output to hold the whole rotated image.
        center (sequence, optional): (x, y) centre of rotation; default the image centre.
        fill (sequence or number): colour of the area outside the source image.
    """

    def __init__(self, degrees, interpolation=InterpolationMode.NEAREST, expand: bool = False, center=None,
                 fill=0) -> None:
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center
        self.interpolation = interpolation_mode(interpolation)
        self.expand = expand
        self.fill = _check_fill(fill)

    @staticmethod
    def get_params(degrees: list[float]) -> float:
        """A random angle in ``degrees``."""
        return uniform(float(degrees[0]), float(degrees[1]))

    def make_params(self, img):
        return self.get_params(self.degrees)

    def transform(self, img, params):
        return F.rotate(img, params, self.interpolation, self.expand, self.center, _fill_for(img, self.fill))

    def transform_mask(self, mask, params):
        return F.rotate(mask, params, InterpolationMode.NEAREST, self.expand, self.center,
                        _fill_for(mask, mask_fill(self.fill)))

    def __repr__(self) -> str:
        s = f"{type(self).__name__}(degrees={self.degrees}, interpolation={self.interpolation.value}, " \
            f"expand={self.expand}"
        if self.center is not None:
            s += f", center={self.center}"
        if self.fill is not None:
            s += f", fill={self.fill}"
        return s + ")"


class RandomAffine(Transform):
    """Random affine transformation keeping the centre fixed.

    Args:
        degrees (sequence or number): rotation range; 0 for none.
        translate (tuple, optional): maximum fractions (a, b) of the width and height to shift by.
        scale (tuple, optional): scale range (a, b).
        shear (sequence or number, optional): x shear range (d, (min, max)) or x and y ranges
            (xmin, xmax, ymin, ymax), in degrees.
        interpolation, fill, center: as in ``RandomRotation``.
    """

    def __init__(self, degrees, translate=None, scale=None, shear=None, interpolation=InterpolationMode.NEAREST,
                 fill=0, center=None) -> None:
        self.degrees = _setup_angle(degrees, name="degrees", req_sizes=(2,))
        if translate is not None:
            _check_sequence_input(translate, "translate", req_sizes=(2,))
            for t in translate:
                if not 0.0 <= t <= 1.0:
                    raise ValueError("translation values should be between 0 and 1")
        self.translate = translate
        if scale is not None:
            _check_sequence_input(scale, "scale", req_sizes=(2,))
            for s in scale:
                if s <= 0:
                    raise ValueError("scale values should be positive")
        self.scale = scale
        self.shear = _setup_angle(shear, name="shear", req_sizes=(2, 4)) if shear is not None else None
        self.interpolation = interpolation_mode(interpolation)
        self.fill = _check_fill(fill)
        if center is not None:
            _check_sequence_input(center, "center", req_sizes=(2,))
        self.center = center

    @staticmethod
    def get_params(degrees, translate, scale_ranges, shears, img_size):
        """Random (angle, (tx, ty), scale, (shear_x, shear_y)); ``img_size`` is [width, height]."""
        angle = uniform(float(degrees[0]), float(degrees[1]))
        if translate is not None:
            max_dx = float(translate[0] * img_size[0])
            max_dy = float(translate[1] * img_size[1])
            translations = (int(round(uniform(-max_dx, max_dx))), int(round(uniform(-max_dy, max_dy))))
        else:
            translations = (0, 0)
        scale = uniform(scale_ranges[0], scale_ranges[1]) if scale_ranges is not None else 1.0
        shear_x = shear_y = 0.0
        if shears is not None:
            shear_x = uniform(shears[0], shears[1])
            if len(shears) == 4:
                shear_y = uniform(shears[2], shears[3])
        return angle, translations, scale, (shear_x, shear_y)

    def make_params(self, img):
        _, h, w = F.get_dimensions(img)
        return self.get_params(self.degrees, self.translate, self.scale, self.shear, [w, h])

    def transform(self, img, params):
        angle, translate, scale, shear = params
        return F.affine(img, angle, list(translate), scale, list(shear), self.interpolation,
                        _fill_for(img, self.fill), self.center)

    def transform_mask(self, mask, params):
        angle, translate, scale, shear = params
        return F.affine(mask, angle, list(translate), scale, list(shear), InterpolationMode.NEAREST,
                        _fill_for(mask, mask_fill(self.fill)), self.center)

    def __repr__(self) -> str:
        s = f"{type(self).__name__}(degrees={self.degrees}"
        s += f", translate={self.translate}" if self.translate is not None else ""
        s += f", scale={self.scale}" if self.scale is not None else ""
        s += f", shear={self.shear}" if self.shear is not None else ""
        s += f", interpolation={self.interpolation.value}" if self.interpolation != InterpolationMode.NEAREST else ""
        s += f", fill={self.fill}" if self.fill != 0 else ""
        s += f", center={self.center}" if self.center is not None else ""
        return s + ")"


class RandomPerspective(Transform):
    """With probability ``p``, move each corner inwards by up to ``distortion_scale`` of half the
    image and warp the image accordingly."""

    def __init__(self, distortion_scale: float = 0.5, p: float = 0.5, interpolation=InterpolationMode.BILINEAR,
                 fill=0) -> None:
        self.p = p
        self.interpolation = interpolation_mode(interpolation)
        self.distortion_scale = distortion_scale
        self.fill = _check_fill(fill)

    @staticmethod
    def get_params(width: int, height: int, distortion_scale: float):
        """Random ([tl, tr, br, bl] of the image, [tl, tr, br, bl] they move to)."""
        half_h, half_w = height // 2, width // 2
        dx, dy = int(distortion_scale * half_w), int(distortion_scale * half_h)
        topleft = [randint(0, dx + 1), randint(0, dy + 1)]
        topright = [randint(width - dx - 1, width), randint(0, dy + 1)]
        botright = [randint(width - dx - 1, width), randint(height - dy - 1, height)]
        botleft = [randint(0, dx + 1), randint(height - dy - 1, height)]
        startpoints = [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]]
        return startpoints, [topleft, topright, botright, botleft]

    def make_params(self, img):
        if not rand() < self.p:
            return None
        _, h, w = F.get_dimensions(img)
        return self.get_params(w, h, self.distortion_scale)

    def transform(self, img, params):
        if params is None:
            return img
        return F.perspective(img, *params, self.interpolation, _fill_for(img, self.fill))

    def transform_mask(self, mask, params):
        if params is None:
            return mask
        return F.perspective(mask, *params, InterpolationMode.NEAREST, _fill_for(mask, mask_fill(self.fill)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p={self.p})"
