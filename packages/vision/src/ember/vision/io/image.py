"""Reading and writing images as uint8 tensors (C, H, W): ``read_image``, ``decode_image``,
``encode_png``/``write_png``, ``encode_jpeg``/``write_jpeg``, ``read_file``/``write_file``.

Decoding uses Pillow. 16-bit images (PIL modes I;16, I) keep their full range as int32 tensors
(ember has no uint16); 32-bit float images (mode F) give float32 tensors.
"""

from __future__ import annotations

import io as _io
import os
import tempfile
from enum import Enum

import numpy as np
from PIL import Image

import ember
from ember.vision.io.pillow import open_image


class ImageReadMode(Enum):
    """Channels to decode to: UNCHANGED (the file's own), GRAY, GRAY_ALPHA, RGB, RGB_ALPHA."""

    UNCHANGED = 0
    GRAY = 1
    GRAY_ALPHA = 2
    RGB = 3
    RGB_ALPHA = 4


_HIGH_DEPTH = ("I;16", "I;16L", "I;16B", "I;16N", "I")


def _high_depth_array(img: Image.Image) -> np.ndarray:
    return np.array(img, dtype=np.int32) if img.mode != "F" else np.array(img, dtype=np.float32)


def _to_tensor(img: Image.Image, mode: ImageReadMode):
    if isinstance(mode, str):
        mode = ImageReadMode[mode.upper()]
    if img.mode in _HIGH_DEPTH or img.mode == "F":
        if mode in (ImageReadMode.GRAY_ALPHA, ImageReadMode.RGB_ALPHA):
            raise ValueError(f"Cannot decode a {img.mode} (single channel, high bit depth) image with mode {mode}")
        arr = _high_depth_array(img)[None]
        if mode == ImageReadMode.RGB:
            arr = np.repeat(arr, 3, axis=0)
        return ember.from_numpy(np.ascontiguousarray(arr))
    if mode == ImageReadMode.UNCHANGED:
        if img.mode == "P":
            target = "RGBA" if "transparency" in img.info else "RGB"
        elif img.mode == "PA":
            target = "RGBA"
        elif img.mode in ("L", "LA", "RGB", "RGBA"):
            target = img.mode
        elif img.mode == "1":
            target = "L"
        else:  # CMYK, YCbCr, LAB, HSV: give the RGB pixels
            target = "RGB"
    else:
        target = {ImageReadMode.GRAY: "L", ImageReadMode.GRAY_ALPHA: "LA", ImageReadMode.RGB: "RGB",
                  ImageReadMode.RGB_ALPHA: "RGBA"}[mode]
    if img.mode != target:
        img = img.convert(target)
    arr = np.asarray(img).reshape(img.height, img.width, len(img.getbands()))
    return ember.from_numpy(np.ascontiguousarray(arr.transpose(2, 0, 1)))


def read_image(path, mode: ImageReadMode = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = True):
    """Read a JPEG, PNG, GIF, WebP, BMP or TIFF file into a tensor (C, H, W).

    Args:
        path (str or PathLike): the image file.
        mode (ImageReadMode): channels of the result; UNCHANGED keeps the file's (palette images
            become RGB or RGBA, CMYK becomes RGB).
        apply_exif_orientation (bool): apply the EXIF orientation tag (default True; torchvision's
            default is False).

    Returns:
        uint8 tensor; int32 for 16/32-bit integer images (values kept), float32 for float images.

    Raises:
        ImageReadError (an OSError and a RuntimeError): missing, truncated, corrupt or oversized file.
    """
    return _to_tensor(open_image(path, apply_exif_orientation=apply_exif_orientation), mode)


def read_file(path):
    """The bytes of the file at ``path`` as a 1-D uint8 tensor."""
    with open(path, "rb") as f:
        return ember.from_numpy(np.frombuffer(f.read(), dtype=np.uint8).copy())


def write_file(filename, data) -> None:
    """Write a 1-D uint8 tensor of bytes to ``filename`` (atomically: a reader never sees half a file)."""
    payload = np.ascontiguousarray(data.numpy() if isinstance(data, ember.Tensor) else data, dtype=np.uint8)
    directory = os.path.dirname(os.path.abspath(filename))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=os.path.basename(filename))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload.tobytes())
        os.replace(tmp, filename)
    except BaseException:
        os.unlink(tmp)
        raise


def decode_image(input, mode: ImageReadMode = ImageReadMode.UNCHANGED, apply_exif_orientation: bool = True):
    """Decode an encoded image (1-D uint8 tensor of the file's bytes, or a path) to a tensor (C, H, W)."""
    if not isinstance(input, ember.Tensor):
        return read_image(input, mode, apply_exif_orientation)
    if input.dtype != ember.uint8 or input.ndim != 1:
        raise RuntimeError(f"Expected a 1-D uint8 tensor of encoded bytes, got {input.dtype} of shape "
                           f"{tuple(input.shape)}")
    return _to_tensor(open_image(_io.BytesIO(input.numpy().tobytes()), apply_exif_orientation=apply_exif_orientation),
                      mode)


def _pil_of(input) -> Image.Image:
    if not isinstance(input, ember.Tensor) or input.ndim != 3 or input.shape[0] not in (1, 2, 3, 4):
        raise ValueError(f"Expected a (C, H, W) image tensor with 1 to 4 channels, got "
                         f"{getattr(input, 'shape', type(input))}")
    if input.dtype != ember.uint8:
        raise ValueError(f"Input tensor dtype should be uint8, got {input.dtype}")
    arr = input.numpy().transpose(1, 2, 0)
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}[arr.shape[2]]
    return Image.fromarray(np.ascontiguousarray(arr[:, :, 0] if mode == "L" else arr), mode=mode)


def _encode(img: Image.Image, fmt: str, **kwargs):
    buf = _io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return ember.from_numpy(np.frombuffer(buf.getvalue(), dtype=np.uint8).copy())


def encode_png(input, compression_level: int = 6):
    """PNG bytes (1-D uint8 tensor) of a uint8 (C, H, W) image tensor."""
    if not 0 <= compression_level <= 9:
        raise ValueError(f"Compression level should be between 0 and 9, got {compression_level}")
    return _encode(_pil_of(input), "PNG", compress_level=compression_level)


def encode_jpeg(input, quality: int = 75):
    """JPEG bytes (1-D uint8 tensor) of a uint8 (C, H, W) image tensor with 1 or 3 channels."""
    if not 1 <= quality <= 100:
        raise ValueError("Image quality should be a positive number between 1 and 100")
    if input.shape[0] not in (1, 3):
        raise ValueError(f"The number of channels should be 1 or 3, got: {input.shape[0]}")
    return _encode(_pil_of(input), "JPEG", quality=quality)


def write_png(input, filename, compression_level: int = 6) -> None:
    """Save a uint8 (C, H, W) image tensor as a PNG file."""
    write_file(filename, encode_png(input, compression_level))


def write_jpeg(input, filename, quality: int = 75) -> None:
    """Save a uint8 (C, H, W) image tensor with 1 or 3 channels as a JPEG file."""
    write_file(filename, encode_jpeg(input, quality))
