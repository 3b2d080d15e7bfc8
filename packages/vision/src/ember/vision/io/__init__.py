"""Reading and writing images: ``ember.vision.io`` (``torchvision.io``'s image functions)."""

from ember.vision.io.image import (
    ImageReadMode,
    decode_image,
    encode_jpeg,
    encode_png,
    read_file,
    read_image,
    write_file,
    write_jpeg,
    write_png,
)
from ember.vision.io.pillow import ImageReadError, open_image

__all__ = ["ImageReadMode", "ImageReadError", "read_image", "decode_image", "read_file", "write_file", "encode_png",
           "encode_jpeg", "write_png", "write_jpeg", "open_image"]
