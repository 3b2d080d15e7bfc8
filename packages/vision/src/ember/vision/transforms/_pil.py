"""Kernels on PIL images: the same Pillow calls torchvision's ``_functional_pil`` makes, so the
pixels are the same. Arguments are already validated by ``functional``."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageEnhance, ImageOps


def num_channels(img: Image.Image) -> int:
    return len(img.getbands())


def parse_fill(fill, img: Image.Image, name: str = "fillcolor") -> dict:
    """``fill`` as the keyword Pillow expects: one value per band, ints unless the mode is F."""
    bands = num_channels(img)
    if fill is None:
        fill = 0
    if isinstance(fill, (int, float)) and bands > 1:
        fill = tuple([fill] * bands)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * bands
        elif len(fill) != bands:
            raise ValueError(f"The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {bands})")
        fill = tuple(fill)
    if img.mode != "F":
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def from_array(arr: np.ndarray, mode: str) -> Image.Image:
    """``Image.fromarray`` in ``mode``; 16-bit arrays infer it (Pillow refuses an explicit I;16)."""
    if mode.startswith("I;16"):
        return Image.fromarray(np.ascontiguousarray(arr.astype(np.uint16)))
    return Image.fromarray(np.ascontiguousarray(arr), mode=mode)


def hflip(img):
    return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def vflip(img):
    return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)


def crop(img, top: int, left: int, height: int, width: int):
    return img.crop((left, top, left + width, top + height))


def resize(img, size_hw, resample):
    return img.resize((size_hw[1], size_hw[0]), resample)


def pad(img, padding: list[int], fill, padding_mode: str):
    """``padding`` is [left, top, right, bottom]."""
    if padding_mode == "constant":
        opts = parse_fill(fill, img, name="fill")
        out = ImageOps.expand(img, border=tuple(padding), **opts)
        if img.mode == "P":
            out.putpalette(img.getpalette())
        return out
    left, top, right, bottom = padding
    crop_l, crop_t, crop_r, crop_b = (max(-p, 0) for p in padding)
    if crop_l or crop_t or crop_r or crop_b:
        img = img.crop((crop_l, crop_t, img.width - crop_r, img.height - crop_b))
    left, top, right, bottom = (max(p, 0) for p in padding)
    arr = np.asarray(img)
    widths = ((top, bottom), (left, right)) + (((0, 0),) if arr.ndim == 3 else ())
    out = from_array(np.pad(arr, widths, padding_mode), img.mode)
    if img.mode == "P":
        out.putpalette(img.getpalette())
    return out


def affine(img, matrix, resample, fill):
    return img.transform(img.size, Image.Transform.AFFINE, matrix, resample, **parse_fill(fill, img))


def rotate(img, angle: float, resample, expand: bool, center, fill):
    return img.rotate(angle, resample, expand, center, **parse_fill(fill, img))


def perspective(img, coeffs, resample, fill):
    return img.transform(img.size, Image.Transform.PERSPECTIVE, coeffs, resample, **parse_fill(fill, img))


def to_grayscale(img, num_output_channels: int):
    gray = img.convert("L")
    if num_output_channels == 1:
        return gray
    arr = np.asarray(gray)
    return Image.fromarray(np.dstack([arr, arr, arr]), "RGB")


def adjust_brightness(img, factor: float):
    return ImageEnhance.Brightness(img).enhance(factor)


def adjust_contrast(img, factor: float):
    return ImageEnhance.Contrast(img).enhance(factor)


def adjust_saturation(img, factor: float):
    return ImageEnhance.Color(img).enhance(factor)


def adjust_sharpness(img, factor: float):
    return ImageEnhance.Sharpness(img).enhance(factor)


def adjust_hue(img, hue_factor: float):
    mode = img.mode
    if mode in {"L", "1", "I", "F"}:
        return img
    h, s, v = img.convert("HSV").split()
    np_h = np.array(h, dtype=np.uint8)
    np_h += np.int32(hue_factor * 255).astype(np.uint8)  # wraps around the hue circle, as intended
    return Image.merge("HSV", (Image.fromarray(np_h, "L"), s, v)).convert(mode)


def adjust_gamma(img, gamma: float, gain: float):
    mode = img.mode
    table = [int((255 + 1 - 1e-3) * gain * pow(v / 255.0, gamma)) for v in range(256)] * 3
    return img.convert("RGB").point(table).convert(mode)


def invert(img):
    return ImageOps.invert(img)


def posterize(img, bits: int):
    return ImageOps.posterize(img, bits)


def solarize(img, threshold: float):
    return ImageOps.solarize(img, threshold)


def autocontrast(img):
    return ImageOps.autocontrast(img)


def equalize(img):
    return ImageOps.equalize(img)
