"""Reorder convolution weights into a memory format (``convert_conv2d_weight_memory_format``).

ember's CPU tensors are row-major and its convolutions choose their own layout, so ``contiguous``
with a memory format gives row-major weights: these functions keep PyTorch's API and traversal so that
programs which call them run unchanged."""

from __future__ import annotations

from ember.nn.modules.conv import Conv2d, ConvTranspose2d
from ember.nn.modules.conv3d import Conv3d, ConvTranspose3d

__all__ = ["convert_conv2d_weight_memory_format", "convert_conv3d_weight_memory_format"]


def _convert(module, memory_format, kinds):
    if isinstance(module, kinds):
        weight = module.weight.detach().clone().contiguous(memory_format=memory_format)
        module.weight.data = weight
    for child in module.children():
        _convert(child, memory_format, kinds)
    return module


def convert_conv2d_weight_memory_format(module, memory_format):
    """Lay out the weights of every ``Conv2d``/``ConvTranspose2d`` in ``module`` in ``memory_format``;
    returns ``module``."""
    return _convert(module, memory_format, (Conv2d, ConvTranspose2d))


def convert_conv3d_weight_memory_format(module, memory_format):
    """Lay out the weights of every ``Conv3d``/``ConvTranspose3d`` in ``module`` in ``memory_format``;
    returns ``module``."""
    return _convert(module, memory_format, (Conv3d, ConvTranspose3d))
