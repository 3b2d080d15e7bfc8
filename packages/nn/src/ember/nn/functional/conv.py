"""Convolutions, and ``unfold``/``fold`` (the im2col/col2im they are built on)."""

from __future__ import annotations

import ember
from ember.ops import nn_ops

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]

conv1d = ember.conv1d
conv2d = ember.conv2d
conv_transpose1d = ember.conv_transpose1d
conv_transpose2d = ember.conv_transpose2d


def _pair(value, name: str, fn: str):
    """An int, or a sequence of exactly two (unfold and fold do not repeat a one-element sequence)."""
    if isinstance(value, (tuple, list)) and len(value) != 2:
        raise RuntimeError(f"{fn}: {name} must be an int or a sequence of 2 ints, got {len(value)} values: "
                           f"{list(value)}")
    return nn_ops._tuple(value, 2, name, fn)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding blocks: (N, C, H, W) -> (N, C*kh*kw, L), or (C, H, W) -> (C*kh*kw, L); L the number of
    blocks."""
    if input.ndim not in (3, 4) or any(s == 0 for s in input.shape[-3:]):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    cols = nn_ops.im2col(x, _pair(kernel_size, "kernel_size", "unfold"), _pair(stride, "stride", "unfold"),
                         _pair(padding, "padding", "unfold"), _pair(dilation, "dilation", "unfold"))
    cols = cols.permute(1, 0, 2).contiguous()
    return cols.squeeze(0) if unbatched else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding blocks back into an image: (N, C*kh*kw, L) -> (N, C, H, W), or (C*kh*kw, L) -> (C, H, W);
    the adjoint of ``unfold``."""
    kernel = _pair(kernel_size, "kernel_size", "fold")
    size = _pair(output_size, "output_size", "fold")
    stride, padding, dilation = (_pair(stride, "stride", "fold"), _pair(padding, "padding", "fold"),
                                 _pair(dilation, "dilation", "fold"))
    nn_ops.check_sliding_window(kernel, stride, padding, dilation)
    if min(size) < 1:
        raise RuntimeError(f"fold: output_size must be positive, got {size}")
    if input.ndim not in (2, 3) or any(s == 0 for s in input.shape[-2:]):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    unbatched = input.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
    if input.shape[1] % (kernel[0] * kernel[1]):
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={input.shape[1]} and kernel_size={kernel}")
    blocks = nn_ops.sliding_blocks(size, kernel, stride, padding, dilation)
    described = (f"Given output_size={size}, kernel_size={kernel}, dilation={dilation}, padding={padding}, "
                 f"stride={stride}")
    if blocks[0] * blocks[1] != input.shape[2]:
        raise RuntimeError(f"{described}, expected size of input's dimension 2 to match the calculated number of "
                           f"sliding blocks {blocks[0]} * {blocks[1]} = {blocks[0] * blocks[1]}, but got "
                           f"input.size(2)={input.shape[2]}.")
    if min(blocks) < 1:      # two negative counts multiply to a positive one
        raise RuntimeError(f"{described}, calculated shape of the array of sliding blocks as {blocks}, which is too "
                           f"small (non-positive)")
    out = nn_ops.col2im(input.permute(1, 0, 2).contiguous(), size, kernel, stride, padding, dilation)
    return out.squeeze(0) if unbatched else out
