"""Functional transforms: ``ember.vision.transforms.functional`` (``torchvision.transforms.functional``).

Every function takes a PIL image (the fast path: the same Pillow calls torchvision makes) or an
ember tensor image of shape (..., C, H, W) (computed on its NumPy array with torchvision's tensor
algorithms), and returns the same kind of image.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np
from PIL import Image

import ember
from ember.vision.transforms import _array, _array_color, _pil
from ember.vision.transforms._image import (
    apply,
    check_channels,
    check_image,
    from_array,
    get_dimensions,
    is_pil,
    is_tensor,
    to_array,
)
from ember.vision.transforms._interpolation import PIL_FILTERS, InterpolationMode, interpolation_mode

__all__ = [
    "InterpolationMode", "get_dimensions", "get_image_size", "get_image_num_channels", "to_tensor",
    "pil_to_tensor", "to_pil_image", "convert_image_dtype", "normalize", "resize", "pad", "crop",
    "center_crop", "resized_crop", "hflip", "vflip", "five_crop", "ten_crop", "rotate", "affine",
    "perspective", "to_grayscale", "rgb_to_grayscale", "adjust_brightness", "adjust_contrast",
    "adjust_saturation", "adjust_hue", "adjust_gamma", "adjust_sharpness", "invert", "posterize",
    "solarize", "autocontrast", "equalize", "gaussian_blur", "erase",
]


# ------------------------------------------------------------------------------------- inspection

def get_image_size(img) -> list[int]:
    """[width, height] of the image."""
    _, h, w = get_dimensions(img)
    return [w, h]


def get_image_num_channels(img) -> int:
    """The number of channels (bands) of the image."""
    return get_dimensions(img)[0]


# ------------------------------------------------------------------------------------ conversions

def _pil_array(pic: Image.Image) -> np.ndarray:
    """(H, W, C) array of a PIL image; 16-bit modes become int32 so that they keep their range."""
    if pic.mode.startswith("I;16"):
        arr = np.array(pic, dtype=np.int32)
    elif pic.mode == "1":
        arr = np.array(pic, dtype=np.uint8) * np.uint8(255)
    else:
        arr = np.asarray(pic)
    return arr.reshape(pic.height, pic.width, len(pic.getbands()))


def to_tensor(pic):
    """Convert a PIL image or an (H, W[, C]) ndarray to a tensor of shape (C, H, W).

    8-bit images (PIL modes L, LA, P, RGB, RGBA, CMYK, YCbCr, 1 and uint8 arrays) are scaled to
    float in [0, 1]; other images (I, I;16, F) keep their values and dtype (int32, float32).

    Example::

        >>> to_tensor(Image.new("RGB", (4, 2))).shape
        ember.Size([3, 2, 4])
    """
    if is_pil(pic):
        arr = _pil_array(pic)
    elif isinstance(pic, np.ndarray):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = pic[:, :, None] if pic.ndim == 2 else pic
    else:
        raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
    chw = arr.transpose(2, 0, 1)
    if arr.dtype == np.uint8:
        out = np.empty(chw.shape, dtype=ember.get_default_dtype().numpy)
        np.divide(chw, out.dtype.type(255), out=out)
        return ember.from_numpy(out)
    return ember.from_numpy(np.ascontiguousarray(chw))


def pil_to_tensor(pic):
    """Convert a PIL image to a tensor of shape (C, H, W) with the image's own values (no scaling);
    uint8 for 8-bit modes, int32 for I and I;16, float32 for F, bool for mode 1."""
    if not is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    if pic.mode == "1":
        arr = np.array(pic).reshape(pic.height, pic.width, 1)
    else:
        arr = _pil_array(pic)
    return ember.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


_MODE_OF_DTYPE = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                  np.dtype(np.float32): "F"}


def to_pil_image(pic, mode: str | None = None) -> Image.Image:
    """Convert a (C, H, W) tensor or an (H, W, C) ndarray to a PIL image, keeping the value range.

    Float data is multiplied by 255 and truncated to uint8 unless ``mode`` is ``"F"``. Without
    ``mode``: 1 channel -> L / I;16 / I / F by dtype, 2 -> LA, 3 -> RGB, 4 -> RGBA.
    """
    if is_tensor(pic):
        if pic.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        arr = to_array(pic)
        if arr.ndim == 3:
            arr = arr.transpose(1, 2, 0)
    elif isinstance(pic, np.ndarray):
        arr = pic
    else:
        raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"pic should be 2/3 dimensional. Got {arr.ndim} dimensions.")
    if arr.shape[-1] > 4:
        raise ValueError(f"pic should not have > 4 channels. Got {arr.shape[-1]} channels.")
    if np.issubdtype(arr.dtype, np.floating) and mode != "F":
        arr = (arr * 255).astype(np.uint8)
    channels = arr.shape[2]
    if channels == 1:
        arr = arr[:, :, 0]
        expected = _MODE_OF_DTYPE.get(arr.dtype)
        if mode is not None and mode != expected:
            raise ValueError(f"Incorrect mode ({mode}) supplied for input type {arr.dtype}. Should be {expected}")
        mode = expected
    else:
        permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}[channels]
        if mode is not None and mode not in permitted:
            raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
        if mode is None and arr.dtype == np.uint8:
            mode = permitted[0]
    if mode is None:
        raise TypeError(f"Input type {arr.dtype} is not supported")
    return _pil.from_array(arr, mode)


def _max_value(np_dtype) -> float:
    return _array_color.max_value(np_dtype)


def convert_image_dtype(image, dtype=ember.float32):
    """Convert a tensor image to ``dtype``, scaling values: float images are in [0, 1], integer
    images in [0, max of the dtype].

    Raises:
        RuntimeError: for float32 -> int32/int64 and float64 -> int64, which cannot be exact.
    """
    if not is_tensor(image):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype == dtype:
        return image
    src, dst = image.dtype.numpy, dtype.numpy
    arr = to_array(image)
    if image.dtype.is_floating_point:
        if dtype.is_floating_point:
            return from_array(arr.astype(dst), image)
        if (image.dtype == ember.float32 and dtype in (ember.int32, ember.int64)) or (
                image.dtype == ember.float64 and dtype == ember.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        scaled = arr * src.type(_max_value(dst) + 1.0 - 1e-3)
        return from_array(scaled.astype(dst), image)
    in_max = _max_value(src)
    if dtype.is_floating_point:
        return from_array((arr.astype(dst) / dst.type(in_max)).astype(dst), image)
    out_max = _max_value(dst)
    if in_max > out_max:
        factor = int((in_max + 1) // (out_max + 1))
        return from_array((arr // factor).astype(dst), image)
    factor = int((out_max + 1) // (in_max + 1))
    return from_array(arr.astype(dst) * dst.type(factor), image)


def normalize(tensor, mean: Sequence[float], std: Sequence[float], inplace: bool = False):
    """``(tensor[c] - mean[c]) / std[c]`` for each channel of a float tensor image (..., C, H, W).

    Raises:
        ValueError: when ``mean`` or ``std`` has neither 1 value nor one per channel, or a std is 0.
    """
    if not is_tensor(tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
    if not tensor.dtype.is_floating_point:
        raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
    if tensor.ndim < 3:
        raise ValueError(f"Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = "
                         f"{tensor.size()}")
    dt = tensor.dtype.numpy
    m = np.atleast_1d(np.asarray(mean, dtype=dt))
    s = np.atleast_1d(np.asarray(std, dtype=dt))
    channels = tensor.shape[-3]
    for name, values in (("mean", m), ("std", s)):
        if values.ndim == 1 and values.shape[0] not in (1, channels):
            raise ValueError(f"Normalize got an image with {channels} channel(s) but {name} has {values.shape[0]} "
                             f"values ({name}={list(np.asarray(mean if name == 'mean' else std).ravel())}); "
                             f"give one value per channel, or convert the image (e.g. Grayscale or "
                             f"Grayscale(num_output_channels=3))")
    if (s == 0).any():
        raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
    if m.ndim == 1:
        m = m.reshape(-1, 1, 1)
    if s.ndim == 1:
        s = s.reshape(-1, 1, 1)
    arr = to_array(tensor)
    if inplace:
        np.subtract(arr, m, out=arr)
        np.divide(arr, s, out=arr)
        return tensor
    return from_array((arr - m) / s, tensor)


# ------------------------------------------------------------------------------------- geometry

def _resized_size(image_size, size, max_size):
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if size is None:
        if not isinstance(max_size, int):
            raise ValueError(f"max_size must be an integer when size is None, but got {max_size} instead.")
        new_short, new_long = int(max_size * short / long), max_size
    elif len(size) == 1:
        requested = size[0]
        new_short, new_long = requested, int(requested * long / short)
        if max_size is not None:
            if max_size <= requested:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
    else:
        return [size[0], size[1]]
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    return [new_h, new_w]


def resize(img, size, interpolation=InterpolationMode.BILINEAR, max_size: int | None = None,
           antialias: bool | None = True):
    """Resize to ``size``: (h, w), or an int for the smaller edge (keeping the aspect ratio).

    Args:
        img (PIL Image or Tensor): image to resize.
        size (int or sequence or None): output size; ``None`` resizes the longer edge to ``max_size``.
        interpolation (InterpolationMode): filter; Pillow's integer constants are accepted too.
        max_size (int, optional): bound on the longer edge when ``size`` is an int.
        antialias (bool): antialias tensors when down-scaling (PIL always antialiases).
    """
    interpolation = interpolation_mode(interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             f"tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                             "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    elif size is None:
        if max_size is None:
            raise ValueError("size can only be None if max_size is also set")
    elif not isinstance(size, int):
        raise TypeError(f"Size should be int or sequence. Got {type(size)}")
    _, h, w = get_dimensions(img)
    if isinstance(size, int):
        size = [size]
    out = _resized_size((h, w), size, max_size)
    if [h, w] == out:
        return img
    if is_pil(img):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.",
                          stacklevel=2)
        return _pil.resize(img, out, PIL_FILTERS[interpolation])
    return apply(img, lambda a: _array.resize(a, out, interpolation.value, bool(antialias)))


def _parse_padding(padding) -> list[int]:
    if not isinstance(padding, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if isinstance(padding, (tuple, list)):
        if len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                             f"tuple")
        if len(padding) == 1:
            padding = padding[0]
        elif len(padding) == 2:
            return [int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])]
        else:
            return [int(p) for p in padding]
    return [int(padding)] * 4


def pad(img, padding, fill=0, padding_mode: str = "constant"):
    """Pad each border: ``padding`` is an int, (left/right, top/bottom) or (left, top, right, bottom).

    ``padding_mode`` is constant (with ``fill``), edge, reflect or symmetric. Negative padding crops.
    """
    check_image(img)
    ltrb = _parse_padding(padding)
    if not isinstance(fill, (numbers.Number, str, tuple, list)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    if is_pil(img):
        return _pil.pad(img, ltrb, fill, padding_mode)
    if not isinstance(fill, numbers.Number):
        raise TypeError("Got inappropriate fill arg")
    return apply(img, lambda a: _array.pad(a, ltrb, fill, padding_mode))


def crop(img, top: int, left: int, height: int, width: int):
    """The window of size (height, width) whose top-left corner is (top, left); the part outside
    the image is filled with 0."""
    check_image(img)
    if is_pil(img):
        return _pil.crop(img, top, left, height, width)
    return apply(img, lambda a: _array.crop(a, top, left, height, width))


def _setup_size(size, error_msg: str):
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return size


def center_crop(img, output_size):
    """The central window of ``output_size`` (int or (h, w)); pads with 0 if the image is smaller."""
    crop_h, crop_w = _setup_size(output_size, "Please provide only two dimensions (h, w) for size.")
    _, h, w = get_dimensions(img)
    if crop_w > w or crop_h > h:
        ltrb = [(crop_w - w) // 2 if crop_w > w else 0, (crop_h - h) // 2 if crop_h > h else 0,
                (crop_w - w + 1) // 2 if crop_w > w else 0, (crop_h - h + 1) // 2 if crop_h > h else 0]
        img = pad(img, ltrb, fill=0)
        _, h, w = get_dimensions(img)
        if crop_w == w and crop_h == h:
            return img
    top = int(round((h - crop_h) / 2.0))
    left = int(round((w - crop_w) / 2.0))
    return crop(img, top, left, crop_h, crop_w)


def resized_crop(img, top: int, left: int, height: int, width: int, size,
                 interpolation=InterpolationMode.BILINEAR, antialias: bool | None = True):
    """``crop`` then ``resize`` to ``size``."""
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def hflip(img):
    """Flip left to right."""
    check_image(img)
    if is_pil(img):
        return _pil.hflip(img)
    return apply(img, lambda a: a[..., ::-1])


def vflip(img):
    """Flip top to bottom."""
    check_image(img)
    if is_pil(img):
        return _pil.vflip(img)
    return apply(img, lambda a: a[..., ::-1, :])


def five_crop(img, size):
    """The four corner crops and the central crop of ``size``: (tl, tr, bl, br, center)."""
    size = _setup_size(size, "Please provide only two dimensions (h, w) for size.")
    _, h, w = get_dimensions(img)
    crop_h, crop_w = size
    if crop_w > w or crop_h > h:
        raise ValueError(f"Requested crop size {size} is bigger than input size {(h, w)}")
    return (crop(img, 0, 0, crop_h, crop_w), crop(img, 0, w - crop_w, crop_h, crop_w),
            crop(img, h - crop_h, 0, crop_h, crop_w), crop(img, h - crop_h, w - crop_w, crop_h, crop_w),
            center_crop(img, [crop_h, crop_w]))


def ten_crop(img, size, vertical_flip: bool = False):
    """``five_crop`` of the image and of its flip (horizontal unless ``vertical_flip``)."""
    flipped = vflip(img) if vertical_flip else hflip(img)
    return five_crop(img, size) + five_crop(flipped, size)


def _tensor_fill(fill, channels: int):
    if fill is None:
        return None
    if isinstance(fill, (int, float)):
        return [float(fill)] * channels
    fill = [float(f) for f in fill]
    if len(fill) not in (1, channels):
        raise ValueError(f"The number of elements in 'fill' cannot broadcast to match the number of channels of the "
                         f"image ({len(fill)} != {channels})")
    return fill


def _check_warp(interpolation, fill, center):
    interpolation = interpolation_mode(interpolation)
    if fill is not None and not isinstance(fill, (Sequence, numbers.Number)):
        raise TypeError("Fill should be either a sequence or a number.")
    if center is not None and not isinstance(center, (list, tuple)):
        raise TypeError("Argument center should be a sequence")
    return interpolation


def rotate(img, angle: float, interpolation=InterpolationMode.NEAREST, expand: bool = False,
           center: list[int] | None = None, fill: list[float] | None = None):
    """Rotate counter-clockwise by ``angle`` degrees about ``center`` (default: the image centre).

    ``expand=True`` enlarges the output to hold the whole rotated image; ``fill`` colours the area
    outside the source.
    """
    check_image(img)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    interpolation = _check_warp(interpolation, fill, center)
    if is_pil(img):
        return _pil.rotate(img, angle, PIL_FILTERS[interpolation], expand, center, fill)
    c, h, w = get_dimensions(img)
    center_f = [0.0, 0.0] if center is None else [1.0 * (p - s * 0.5) for p, s in zip(center, [w, h])]
    matrix = _array.inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    out_size = _array.affine_output_size(matrix, w, h) if expand else (w, h)
    return apply(img, lambda a: _array.affine(a, matrix, interpolation.value, _tensor_fill(fill, c), out_size),
                 channels_first=True)


def affine(img, angle: float, translate: list[int], scale: float, shear, interpolation=InterpolationMode.NEAREST,
           fill: list[float] | None = None, center: list[int] | None = None):
    """Rotate by ``angle``, scale, shear (degrees, x or (x, y)) about ``center``, then translate."""
    check_image(img)
    if not isinstance(angle, (int, float)):
        raise TypeError("Argument angle should be int or float")
    if not isinstance(translate, (list, tuple)):
        raise TypeError("Argument translate should be a sequence")
    if len(translate) != 2:
        raise ValueError("Argument translate should be a sequence of length 2")
    if scale <= 0.0:
        raise ValueError("Argument scale should be positive")
    if not isinstance(shear, (numbers.Number, list, tuple)):
        raise TypeError("Shear should be either a single value or a sequence of two values")
    interpolation = _check_warp(interpolation, fill, center)
    angle = float(angle)
    shear = [float(shear), 0.0] if isinstance(shear, numbers.Number) else list(shear)
    if len(shear) == 1:
        shear = [shear[0], shear[0]]
    if len(shear) != 2:
        raise ValueError(f"Shear should be a sequence containing two values. Got {shear}")
    c, h, w = get_dimensions(img)
    if is_pil(img):
        center = [w * 0.5, h * 0.5] if center is None else center
        matrix = _array.inverse_affine_matrix(center, angle, list(translate), scale, shear)
        return _pil.affine(img, matrix, PIL_FILTERS[interpolation], fill)
    center_f = [0.0, 0.0] if center is None else [1.0 * (p - s * 0.5) for p, s in zip(center, [w, h])]
    matrix = _array.inverse_affine_matrix(center_f, angle, [1.0 * t for t in translate], scale, shear)
    return apply(img, lambda a: _array.affine(a, matrix, interpolation.value, _tensor_fill(fill, c)),
                 channels_first=True)


def perspective(img, startpoints: list[list[int]], endpoints: list[list[int]],
                interpolation=InterpolationMode.BILINEAR, fill: list[float] | None = None):
    """Warp so that the four ``startpoints`` (corners [tl, tr, br, bl]) land on ``endpoints``."""
    check_image(img)
    coeffs = _array.perspective_coeffs(startpoints, endpoints)
    interpolation = _check_warp(interpolation, fill, None)
    if is_pil(img):
        return _pil.perspective(img, coeffs, PIL_FILTERS[interpolation], fill)
    c = get_dimensions(img)[0]
    return apply(img, lambda a: _array.perspective(a, coeffs, interpolation.value, _tensor_fill(fill, c)),
                 channels_first=True)


# ---------------------------------------------------------------------------------------- colour

def to_grayscale(img, num_output_channels: int = 1):
    """Grayscale version of a PIL image (L, or RGB with r == g == b when ``num_output_channels=3``)."""
    if not is_pil(img):
        raise TypeError("Input should be PIL Image")
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    return _pil.to_grayscale(img, num_output_channels)


def rgb_to_grayscale(img, num_output_channels: int = 1):
    """Grayscale version of an RGB image: L = 0.2989 R + 0.587 G + 0.114 B (PIL: ``convert("L")``)."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if is_pil(img):
        return _pil.to_grayscale(img, num_output_channels)
    check_image(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {img.ndim}")
    check_channels(img, (1, 3))
    return apply(img, lambda a: _array_color.rgb_to_grayscale(a, num_output_channels))


def _nonnegative(value: float, name: str) -> None:
    if value < 0:
        raise ValueError(f"{name} ({value}) is not non-negative.")


def _color_op(img, pil_fn, array_fn, permitted=(1, 3)):
    check_image(img)
    if is_pil(img):
        return pil_fn(img)
    check_channels(img, permitted)
    return apply(img, array_fn, channels_first=True)


def adjust_brightness(img, brightness_factor: float):
    """Multiply by ``brightness_factor`` (0 gives black, 1 the original)."""
    _nonnegative(brightness_factor, "brightness_factor")
    return _color_op(img, lambda i: _pil.adjust_brightness(i, brightness_factor),
                     lambda a: _array_color.adjust_brightness(a, brightness_factor))


def adjust_contrast(img, contrast_factor: float):
    """Blend with the mean gray level (0 gives a solid gray image, 1 the original)."""
    _nonnegative(contrast_factor, "contrast_factor")
    return _color_op(img, lambda i: _pil.adjust_contrast(i, contrast_factor),
                     lambda a: _array_color.adjust_contrast(a, contrast_factor))


def adjust_saturation(img, saturation_factor: float):
    """Blend with the grayscale image (0 gives gray, 1 the original, 2 doubles the saturation)."""
    _nonnegative(saturation_factor, "saturation_factor")
    return _color_op(img, lambda i: _pil.adjust_saturation(i, saturation_factor),
                     lambda a: _array_color.adjust_saturation(a, saturation_factor))


def adjust_hue(img, hue_factor: float):
    """Shift the hue by ``hue_factor`` turns, in [-0.5, 0.5]."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    return _color_op(img, lambda i: _pil.adjust_hue(i, hue_factor),
                     lambda a: _array_color.adjust_hue(a, hue_factor))


def adjust_gamma(img, gamma: float, gain: float = 1.0):
    """Gamma correction: ``gain * I ** gamma`` on intensities in [0, 1]."""
    if gamma < 0:
        raise ValueError("Gamma should be a non-negative real number")
    check_image(img)
    if is_pil(img):
        return _pil.adjust_gamma(img, gamma, gain)
    return apply(img, lambda a: _array_color.adjust_gamma(a, gamma, gain))


def adjust_sharpness(img, sharpness_factor: float):
    """Blend with a smoothed image (0 blurs, 1 is the original, 2 sharpens)."""
    _nonnegative(sharpness_factor, "sharpness_factor")
    return _color_op(img, lambda i: _pil.adjust_sharpness(i, sharpness_factor),
                     lambda a: _array_color.adjust_sharpness(a, sharpness_factor))


def invert(img):
    """The negative of the image."""
    return _color_op(img, _pil.invert, _array_color.invert)


def _uint8_only(img):
    if is_tensor(img) and img.dtype != ember.uint8:
        raise TypeError(f"Only torch.uint8 image tensors are supported, but found {img.dtype}")


def posterize(img, bits: int):
    """Keep the ``bits`` most significant bits of each channel (uint8 images)."""
    if not 0 <= bits <= 8:
        raise ValueError(f"The number if bits should be between 0 and 8. Got {bits}")
    _uint8_only(img)
    return _color_op(img, lambda i: _pil.posterize(i, bits), lambda a: _array_color.posterize(a, bits))


def solarize(img, threshold: float):
    """Invert the pixels at or above ``threshold``."""
    if is_tensor(img) and threshold > _max_value(img.dtype.numpy):
        raise TypeError("Threshold should be less than bound of img.")
    return _color_op(img, lambda i: _pil.solarize(i, threshold), lambda a: _array_color.solarize(a, threshold))


def autocontrast(img):
    """Stretch each channel so that its darkest pixel is black and its lightest white."""
    return _color_op(img, _pil.autocontrast, _array_color.autocontrast)


def equalize(img):
    """Equalize each channel's histogram (uint8 images)."""
    _uint8_only(img)
    return _color_op(img, _pil.equalize, _array_color.equalize)


def gaussian_blur(img, kernel_size, sigma=None):
    """Blur with a Gaussian kernel of odd ``kernel_size`` (int or (kx, ky)) and ``sigma`` (default
    ``0.3 * ((k - 1) * 0.5 - 1) + 0.8``, i.e. ``0.15 k + 0.35``)."""
    if not isinstance(kernel_size, (int, list, tuple)):
        raise TypeError(f"kernel_size should be int or a sequence of integers. Got {type(kernel_size)}")
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if len(kernel_size) != 2:
        raise ValueError(f"If kernel_size is a sequence its length should be 2. Got {len(kernel_size)}")
    for k in kernel_size:
        if k % 2 == 0 or k < 0:
            raise ValueError(f"kernel_size should have odd and positive integers. Got {kernel_size}")
    if sigma is None:
        sigma = [k * 0.15 + 0.35 for k in kernel_size]
    if not isinstance(sigma, (int, float, list, tuple)):
        raise TypeError(f"sigma should be either float or sequence of floats. Got {type(sigma)}")
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    if len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    if len(sigma) != 2:
        raise ValueError(f"If sigma is a sequence, its length should be 2. Got {len(sigma)}")
    for s in sigma:
        if s <= 0.0:
            raise ValueError(f"sigma should have positive values. Got {sigma}")
    check_image(img)
    if is_pil(img):  # torchvision blurs PIL images with its tensor kernel too
        arr = np.ascontiguousarray(_pil_array(img).transpose(2, 0, 1))
        out = _array_color.gaussian_blur(arr, kernel_size, sigma).transpose(1, 2, 0)
        return _pil.from_array(out[:, :, 0] if out.shape[2] == 1 else out, img.mode)
    return apply(img, lambda a: _array_color.gaussian_blur(a, kernel_size, sigma), channels_first=True)


def erase(img, i: int, j: int, h: int, w: int, v, inplace: bool = False):
    """Set the window (i, j, h, w) of a tensor image to ``v`` (a value or a tensor broadcastable
    to (..., C, h, w))."""
    if not is_tensor(img):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    value = to_array(v) if is_tensor(v) else np.asarray(v)
    arr = to_array(img)
    if not inplace:
        arr = arr.copy()
    arr[..., i:i + h, j:j + w] = value
    return img if inplace else from_array(arr, img)
