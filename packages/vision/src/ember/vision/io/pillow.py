"""Opening image files with Pillow, safely: the file is decoded completely (so a truncated or
corrupt file fails here, naming the file, not later inside a transform), oversized images
(decompression bombs) are refused, and the EXIF orientation is applied."""

from __future__ import annotations

import os
import warnings

from PIL import Image, ImageOps


class ImageReadError(OSError, RuntimeError):
    """An image file could not be read: missing, truncated, corrupt, or too large.

    It is an ``OSError`` (like Pillow's errors) and a ``RuntimeError`` (like torchvision's
    ``read_image``), so either ``except`` clause catches it.
    """


def open_image(path, *, apply_exif_orientation: bool = True) -> Image.Image:
    """Open and fully decode the image file at ``path`` as a PIL image in its own mode.

    Args:
        path (str, PathLike or binary file object): the image file.
        apply_exif_orientation (bool): rotate/flip the pixels as the EXIF orientation tag says
            (photos from phones and cameras then appear upright). Default ``True``.

    Raises:
        ImageReadError: if the file is missing, not an image, truncated or corrupt, or has more
            pixels than ``PIL.Image.MAX_IMAGE_PIXELS`` (a possible decompression bomb).
    """
    source = path if hasattr(path, "read") else os.fspath(path)
    name = getattr(path, "name", "<in-memory image>") if hasattr(path, "read") else source
    limit = Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # refused below, with the file name
            img = Image.open(source)
        if limit is not None and img.width * img.height > limit:
            img.close()
            raise Image.DecompressionBombError(f"{img.width}x{img.height} = {img.width * img.height} pixels")
        img.load()
    except FileNotFoundError:
        raise ImageReadError(f"Image file '{name}' does not exist") from None
    except Image.DecompressionBombError as e:
        raise ImageReadError(f"Refusing to decode image file '{name}': {e} is more than PIL.Image.MAX_IMAGE_PIXELS "
                             f"= {limit}, so it could be a decompression bomb. If you trust the file, raise "
                             f"PIL.Image.MAX_IMAGE_PIXELS.") from None
    except (OSError, SyntaxError, ValueError) as e:
        raise ImageReadError(f"Could not read image file '{name}': {e}. The file is truncated, corrupt or not an "
                             f"image; download it again or remove it.") from e
    if apply_exif_orientation:
        img = ImageOps.exif_transpose(img)
    return img
