"""Learned and random augmentation policies: ``AutoAugment`` (Cubuk et al., 2018),
``RandAugment`` (2019) and ``TrivialAugmentWide`` (Müller & Hutter, 2021).

Geometric operations (shear, translate, rotate) move masks too, with nearest interpolation;
colour operations leave masks unchanged. Images are expected in mode L or RGB, or uint8 tensors.
"""

from __future__ import annotations

import math
from enum import Enum

import numpy as np

import ember
from ember.vision.transforms import functional as F
from ember.vision.transforms._interpolation import InterpolationMode, interpolation_mode
from ember.vision.transforms._transform import Transform, mask_fill, rand, randint

_GEOMETRIC = {"ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate"}


def _apply_op(img, op_name: str, magnitude: float, interpolation, fill):
    if op_name == "ShearX":
        # official AutoAugment shears by (1, level, 0, 0, 1, 0): shear angle atan(level) about the corner
        return F.affine(img, 0.0, [0, 0], 1.0, [math.degrees(math.atan(magnitude)), 0.0], interpolation, fill,
                        center=[0, 0])
    if op_name == "ShearY":
        return F.affine(img, 0.0, [0, 0], 1.0, [0.0, math.degrees(math.atan(magnitude))], interpolation, fill,
                        center=[0, 0])
    if op_name == "TranslateX":
        return F.affine(img, 0.0, [int(magnitude), 0], 1.0, [0.0, 0.0], interpolation, fill)
    if op_name == "TranslateY":
        return F.affine(img, 0.0, [0, int(magnitude)], 1.0, [0.0, 0.0], interpolation, fill)
    if op_name == "Rotate":
        return F.rotate(img, magnitude, interpolation, fill=fill)
    if op_name == "Brightness":
        return F.adjust_brightness(img, 1.0 + magnitude)
    if op_name == "Color":
        return F.adjust_saturation(img, 1.0 + magnitude)
    if op_name == "Contrast":
        return F.adjust_contrast(img, 1.0 + magnitude)
    if op_name == "Sharpness":
        return F.adjust_sharpness(img, 1.0 + magnitude)
    if op_name == "Posterize":
        return F.posterize(img, int(magnitude))
    if op_name == "Solarize":
        return F.solarize(img, magnitude)
    if op_name == "AutoContrast":
        return F.autocontrast(img)
    if op_name == "Equalize":
        return F.equalize(img)
    if op_name == "Invert":
        return F.invert(img)
    if op_name == "Identity":
        return img
    raise ValueError(f"The provided operator {op_name} is not recognized.")


class AutoAugmentPolicy(Enum):
    """AutoAugment policies learned on different datasets: IMAGENET, CIFAR10 and SVHN."""

    IMAGENET = "imagenet"
    CIFAR10 = "cifar10"
    SVHN = "svhn"


# (operation, probability, magnitude bin) pairs from the AutoAugment paper's appendix
_POLICIES = {
    AutoAugmentPolicy.IMAGENET: [
        (("Posterize", 0.4, 8), ("Rotate", 0.6, 9)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)), (("Posterize", 0.6, 7), ("Posterize", 0.6, 6)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Equalize", 0.4, None), ("Rotate", 0.8, 8)),
        (("Solarize", 0.6, 3), ("Equalize", 0.6, None)), (("Posterize", 0.8, 5), ("Equalize", 1.0, None)),
        (("Rotate", 0.2, 3), ("Solarize", 0.6, 8)), (("Equalize", 0.6, None), ("Posterize", 0.4, 6)),
        (("Rotate", 0.8, 8), ("Color", 0.4, 0)), (("Rotate", 0.4, 9), ("Equalize", 0.6, None)),
        (("Equalize", 0.0, None), ("Equalize", 0.8, None)), (("Invert", 0.6, None), ("Equalize", 1.0, None)),
        (("Color", 0.6, 4), ("Contrast", 1.0, 8)), (("Rotate", 0.8, 8), ("Color", 1.0, 2)),
        (("Color", 0.8, 8), ("Solarize", 0.8, 7)), (("Sharpness", 0.4, 7), ("Invert", 0.6, None)),
        (("ShearX", 0.6, 5), ("Equalize", 1.0, None)), (("Color", 0.4, 0), ("Equalize", 0.6, None)),
        (("Equalize", 0.4, None), ("Solarize", 0.2, 4)), (("Solarize", 0.6, 5), ("AutoContrast", 0.6, None)),
        (("Invert", 0.6, None), ("Equalize", 1.0, None)), (("Color", 0.6, 4), ("Contrast", 1.0, 8)),
        (("Equalize", 0.8, None), ("Equalize", 0.6, None)),
    ],
    AutoAugmentPolicy.CIFAR10: [
        (("Invert", 0.1, None), ("Contrast", 0.2, 6)), (("Rotate", 0.7, 2), ("TranslateX", 0.3, 9)),
        (("Sharpness", 0.8, 1), ("Sharpness", 0.9, 3)), (("ShearY", 0.5, 8), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.5, None), ("Equalize", 0.9, None)), (("ShearY", 0.2, 7), ("Posterize", 0.3, 7)),
        (("Color", 0.4, 3), ("Brightness", 0.6, 7)), (("Sharpness", 0.3, 9), ("Brightness", 0.7, 9)),
        (("Equalize", 0.6, None), ("Equalize", 0.5, None)), (("Contrast", 0.6, 7), ("Sharpness", 0.6, 5)),
        (("Color", 0.7, 7), ("TranslateX", 0.5, 8)), (("Equalize", 0.3, None), ("AutoContrast", 0.4, None)),
        (("TranslateY", 0.4, 3), ("Sharpness", 0.2, 6)), (("Brightness", 0.9, 6), ("Color", 0.2, 8)),
        (("Solarize", 0.5, 2), ("Invert", 0.0, None)), (("Equalize", 0.2, None), ("AutoContrast", 0.6, None)),
        (("Equalize", 0.2, None), ("Equalize", 0.6, None)), (("Color", 0.9, 9), ("Equalize", 0.6, None)),
        (("AutoContrast", 0.8, None), ("Solarize", 0.2, 8)), (("Brightness", 0.1, 3), ("Color", 0.7, 0)),
        (("Solarize", 0.4, 5), ("AutoContrast", 0.9, None)), (("TranslateY", 0.9, 9), ("TranslateY", 0.7, 9)),
        (("AutoContrast", 0.9, None), ("Solarize", 0.8, 3)), (("Equalize", 0.8, None), ("Invert", 0.1, None)),
        (("TranslateY", 0.7, 9), ("AutoContrast", 0.9, None)),
    ],
    AutoAugmentPolicy.SVHN: [
        (("ShearX", 0.9, 4), ("Invert", 0.2, None)), (("ShearY", 0.9, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.6, None), ("Solarize", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Equalize", 0.6, None), ("Rotate", 0.9, 3)), (("ShearX", 0.9, 4), ("AutoContrast", 0.8, None)),
        (("ShearY", 0.9, 8), ("Invert", 0.4, None)), (("ShearY", 0.9, 5), ("Solarize", 0.2, 6)),
        (("Invert", 0.9, None), ("AutoContrast", 0.8, None)), (("Equalize", 0.6, None), ("Rotate", 0.9, 3)),
        (("ShearX", 0.9, 4), ("Solarize", 0.3, 3)), (("ShearY", 0.8, 8), ("Invert", 0.7, None)),
        (("Equalize", 0.9, None), ("TranslateY", 0.6, 6)), (("Invert", 0.9, None), ("Equalize", 0.6, None)),
        (("Contrast", 0.3, 3), ("Rotate", 0.8, 4)), (("Invert", 0.8, None), ("TranslateY", 0.0, 2)),
        (("ShearY", 0.7, 6), ("Solarize", 0.4, 8)), (("Invert", 0.6, None), ("Rotate", 0.8, 4)),
        (("ShearY", 0.3, 7), ("TranslateX", 0.9, 3)), (("ShearX", 0.1, 6), ("Invert", 0.6, None)),
        (("Solarize", 0.7, 2), ("TranslateY", 0.6, 7)), (("ShearY", 0.8, 4), ("Invert", 0.8, None)),
        (("ShearX", 0.7, 9), ("TranslateY", 0.8, 3)), (("ShearY", 0.8, 5), ("AutoContrast", 0.7, None)),
        (("ShearX", 0.7, 2), ("Invert", 0.1, None)),
    ],
}


def _space(num_bins: int, image_size, wide: bool = False) -> dict[str, tuple[np.ndarray, bool]]:
    """op name -> (magnitudes by bin, signed). ``image_size`` is [width, height]."""
    lin = np.linspace
    none = (np.array(0.0), False)
    if wide:
        return {"Identity": none, "ShearX": (lin(0.0, 0.99, num_bins), True),
                "ShearY": (lin(0.0, 0.99, num_bins), True),
                "TranslateX": (lin(0.0, 32.0, num_bins), True), "TranslateY": (lin(0.0, 32.0, num_bins), True),
                "Rotate": (lin(0.0, 135.0, num_bins), True), "Brightness": (lin(0.0, 0.99, num_bins), True),
                "Color": (lin(0.0, 0.99, num_bins), True), "Contrast": (lin(0.0, 0.99, num_bins), True),
                "Sharpness": (lin(0.0, 0.99, num_bins), True),
                "Posterize": (8 - np.round(np.arange(num_bins) / ((num_bins - 1) / 6)).astype(int), False),
                "Solarize": (lin(255.0, 0.0, num_bins), False), "AutoContrast": none, "Equalize": none}
    return {"ShearX": (lin(0.0, 0.3, num_bins), True), "ShearY": (lin(0.0, 0.3, num_bins), True),
            "TranslateX": (lin(0.0, 150.0 / 331.0 * image_size[0], num_bins), True),
            "TranslateY": (lin(0.0, 150.0 / 331.0 * image_size[1], num_bins), True),
            "Rotate": (lin(0.0, 30.0, num_bins), True), "Brightness": (lin(0.0, 0.9, num_bins), True),
            "Color": (lin(0.0, 0.9, num_bins), True), "Contrast": (lin(0.0, 0.9, num_bins), True),
            "Sharpness": (lin(0.0, 0.9, num_bins), True),
            "Posterize": (8 - np.round(np.arange(num_bins) / ((num_bins - 1) / 4)).astype(int), False),
            "Solarize": (lin(255.0, 0.0, num_bins), False), "AutoContrast": none, "Equalize": none,
            "Invert": none}


class _Augment(Transform):
    """Shared by the policies: ``make_params`` returns the list of (op, magnitude) to apply."""

    def _fill(self, img, fill):
        if isinstance(img, ember.Tensor):
            if isinstance(fill, (int, float)):
                return [float(fill)] * F.get_dimensions(img)[0]
            if fill is not None:
                return [float(f) for f in fill]
        return fill

    def transform(self, img, params):
        for op, magnitude in params:
            img = _apply_op(img, op, magnitude, self.interpolation, self._fill(img, self.fill))
        return img

    def transform_mask(self, mask, params):
        fill = self._fill(mask, mask_fill(self.fill) if self.fill is not None else None)
        for op, magnitude in params:
            if op in _GEOMETRIC:
                mask = _apply_op(mask, op, magnitude, InterpolationMode.NEAREST, fill)
        return mask


class AutoAugment(_Augment):
    """AutoAugment: apply one of the ``policy``'s learned pairs of operations.

    Args:
        policy (AutoAugmentPolicy): IMAGENET (default), CIFAR10 or SVHN.
        interpolation (InterpolationMode): for the geometric operations (default NEAREST).
        fill (sequence or number, optional): colour of the area outside the transformed image.
    """

    def __init__(self, policy: AutoAugmentPolicy = AutoAugmentPolicy.IMAGENET,
                 interpolation=InterpolationMode.NEAREST, fill=None) -> None:
        if policy not in _POLICIES:
            raise ValueError(f"The provided policy {policy} is not recognized.")
        self.policy = policy
        self.interpolation = interpolation_mode(interpolation)
        self.fill = fill
        self.policies = _POLICIES[policy]

    @staticmethod
    def get_params(transform_num: int):
        """(index of the sub-policy, two probabilities, two signs)."""
        return randint(0, transform_num), [rand(), rand()], [randint(0, 2), randint(0, 2)]

    def make_params(self, img):
        policy_id, probs, signs = self.get_params(len(self.policies))
        _, h, w = F.get_dimensions(img)
        ops = []
        for i, (op_name, p, magnitude_id) in enumerate(self.policies[policy_id]):
            if probs[i] <= p:
                magnitudes, signed = _space(10, [w, h])[op_name]
                magnitude = float(magnitudes[magnitude_id]) if magnitude_id is not None else 0.0
                if signed and signs[i] == 0:
                    magnitude *= -1.0
                ops.append((op_name, magnitude))
        return ops

    def __repr__(self) -> str:
        return f"{type(self).__name__}(policy={self.policy}, fill={self.fill})"


class RandAugment(_Augment):
    """RandAugment: ``num_ops`` operations drawn uniformly, all at ``magnitude`` (of
    ``num_magnitude_bins``)."""

    def __init__(self, num_ops: int = 2, magnitude: int = 9, num_magnitude_bins: int = 31,
                 interpolation=InterpolationMode.NEAREST, fill=None) -> None:
        self.num_ops = num_ops
        self.magnitude = magnitude
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation_mode(interpolation)
        self.fill = fill

    def make_params(self, img):
        _, h, w = F.get_dimensions(img)
        space = _space(self.num_magnitude_bins, [w, h])
        space = {"Identity": (np.array(0.0), False), **{k: v for k, v in space.items() if k != "Invert"}}
        ops = []
        for _ in range(self.num_ops):
            op_name = list(space)[randint(0, len(space))]
            magnitudes, signed = space[op_name]
            magnitude = float(magnitudes[self.magnitude]) if magnitudes.ndim > 0 else 0.0
            if signed and randint(0, 2):
                magnitude *= -1.0
            ops.append((op_name, magnitude))
        return ops

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_ops={self.num_ops}, magnitude={self.magnitude}, "
                f"num_magnitude_bins={self.num_magnitude_bins}, interpolation={self.interpolation}, "
                f"fill={self.fill})")


class TrivialAugmentWide(_Augment):
    """TrivialAugment Wide: one operation with a random magnitude, per image."""

    def __init__(self, num_magnitude_bins: int = 31, interpolation=InterpolationMode.NEAREST, fill=None) -> None:
        self.num_magnitude_bins = num_magnitude_bins
        self.interpolation = interpolation_mode(interpolation)
        self.fill = fill

    def make_params(self, img):
        space = _space(self.num_magnitude_bins, None, wide=True)
        op_name = list(space)[randint(0, len(space))]
        magnitudes, signed = space[op_name]
        magnitude = float(magnitudes[randint(0, len(magnitudes))]) if magnitudes.ndim > 0 else 0.0
        if signed and randint(0, 2):
            magnitude *= -1.0
        return [(op_name, magnitude)]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(num_magnitude_bins={self.num_magnitude_bins}, "
                f"interpolation={self.interpolation}, fill={self.fill})")
