"""``PixelShuffle`` and ``PixelUnshuffle``, importable from PyTorch's module path
``nn.modules.pixelshuffle`` (ember defines them with the other resampling layers)."""

from ember.nn.modules.upsampling import PixelShuffle, PixelUnshuffle

__all__ = ["PixelShuffle", "PixelUnshuffle"]
