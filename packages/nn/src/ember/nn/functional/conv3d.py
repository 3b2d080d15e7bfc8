"""3-D convolutions, composed from the 2-D ones: a (kD, kH, kW) kernel is kD planar kernels, each applied to
the input's depth slices that it meets; so every backend with ``conv2d`` has ``conv3d`` and its gradients."""

from __future__ import annotations

import ember
from ember.ops import nn_ops

__all__ = ["conv3d", "conv_transpose3d", "conv_tbc"]


def _triple(value, name: str, fn: str) -> tuple[int, int, int]:
    return nn_ops._tuple(value, 3, name, fn)


def _batched(fn: str, input, weight, bias, groups: int):
    """Validate the call; (input with a batch dim, whether it had none)."""
    unbatched = nn_ops._check_conv_input(fn, input, weight, bias, groups, 3)
    return (input.unsqueeze(0) if unbatched else input), unbatched


def _depth_slices(x, start: int, count: int, step: int):
    """``count`` depth slices of (N, C, D, H, W) from ``start`` every ``step``, as a (N*count, C, H, W) batch."""
    xs = x[:, :, start:start + (count - 1) * step + 1:step]
    n, c, _, h, w = xs.shape
    return xs.permute(0, 2, 1, 3, 4).reshape(n * count, c, h, w)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """3-D convolution over (N, C_in, D, H, W) or unbatched (C_in, D, H, W) input.

    Args:
        weight: (C_out, C_in / groups, kD, kH, kW).
        bias: (C_out,) or None.
        stride, dilation: an int or a triple.
        padding: an int, a triple, ``"valid"`` (none) or ``"same"`` (output as large as the input; stride 1).
        groups: split the channels into this many independent convolutions.

    Example::

        >>> F.conv3d(ember.randn(2, 4, 8, 8, 8), ember.randn(6, 4, 3, 3, 3), padding=1).shape
        ember.Size([2, 6, 8, 8, 8])
    """
    x, unbatched = _batched("conv3d", input, weight, bias, groups)
    stride, dilation = _triple(stride, "stride", "conv3d"), _triple(dilation, "dilation", "conv3d")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            left, right = (0, 0, 0), (0, 0, 0)
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = [d * (k - 1) for k, d in zip(kernel, dilation)]
            left = tuple(t // 2 for t in total)
            right = tuple(t - t // 2 for t in total)
        else:
            raise ValueError(f"Invalid padding string '{padding}', should be one of ['valid', 'same']")
    else:
        left = right = _triple(padding, "padding", "conv3d")
    nn_ops._check_conv_window(kernel, stride, left, dilation)
    c_out, c_in_group = weight.shape[0], weight.shape[1]
    if x.shape[1] != c_in_group * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {c_in_group * groups} channels, but got {x.shape[1]} channels "
                           f"instead")
    if c_out % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != c_out):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{c_out} elements, but got bias of size {list(bias.shape)} instead")
    padded = [x.shape[2 + i] + left[i] + right[i] for i in range(3)]
    reach = [dilation[i] * (kernel[i] - 1) + 1 for i in range(3)]
    if any(p < r for p, r in zip(padded, reach)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                           f"size: ({' x '.join(map(str, reach))}). Kernel size can't be greater than actual input "
                           f"size")
    if any(left) or any(right):
        x = ember.nn.functional.pad(x, (left[2], right[2], left[1], right[1], left[0], right[0]))
    n = x.shape[0]
    depth = (padded[0] - reach[0]) // stride[0] + 1
    out = None
    for kd in range(kernel[0]):
        planes = _depth_slices(x, kd * dilation[0], depth, stride[0])
        y = ember.conv2d(planes, weight[:, :, kd], None, stride[1:], 0, dilation[1:], groups)
        out = y if out is None else out + y
    out = out.reshape(n, depth, c_out, out.shape[2], out.shape[3]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1, 1, 1)
    return out.squeeze(0) if unbatched else out.contiguous()


def _spread(y, stride: int, length: int):
    """Depth slices (N, D, ...) placed every ``stride`` along a depth of ``length``: zeros between them."""
    if stride > 1:
        gaps = ember.zeros((y.shape[0], y.shape[1], stride - 1) + tuple(y.shape[2:]), dtype=y.dtype, device=y.device)
        y = ember.cat([y.unsqueeze(2), gaps], dim=2).reshape((y.shape[0], y.shape[1] * stride) + tuple(y.shape[2:]))
    return y[:, :length]


def _shift(y, before: int, total: int):
    """``y`` (N, D, ...) with zeros before it and after it to a depth of ``total``."""
    after = total - before - y.shape[1]
    parts = [y]
    if before:
        parts.insert(0, ember.zeros((y.shape[0], before) + tuple(y.shape[2:]), dtype=y.dtype, device=y.device))
    if after:
        parts.append(ember.zeros((y.shape[0], after) + tuple(y.shape[2:]), dtype=y.dtype, device=y.device))
    return ember.cat(parts, dim=1) if len(parts) > 1 else y


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1, dilation=1):
    """Transposed 3-D convolution (the gradient of ``conv3d`` with respect to its input).

    Args:
        weight: (C_in, C_out / groups, kD, kH, kW).
        output_padding: extra size added to one side of each output dim (smaller than stride or dilation).

    Output size per dim: (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1.
    """
    x, unbatched = _batched("conv_transpose3d", input, weight, bias, groups)
    stride, padding = _triple(stride, "stride", "conv_transpose3d"), _triple(padding, "padding", "conv_transpose3d")
    output_padding = _triple(output_padding, "output_padding", "conv_transpose3d")
    dilation = _triple(dilation, "dilation", "conv_transpose3d")
    kernel = tuple(weight.shape[2:])
    nn_ops._check_conv_window(kernel, stride, padding, dilation)
    if any(op < 0 for op in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                               f"output_padding: {list(output_padding)}, stride: {list(stride)}, dilation: "
                               f"{list(dilation)}")
    c_in = weight.shape[0]
    if x.shape[1] != c_in:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input {list(x.shape)} "
                           f"to have {c_in} channels, but got {x.shape[1]} channels instead")
    if c_in % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
    c_out = weight.shape[1] * groups
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != c_out):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {c_out} elements, but got bias of size {list(bias.shape)} instead")
    sizes = [(x.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + output_padding[i]
             + 1 for i in range(3)]
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, sizes))}). Output size is too small")
    n, depth = x.shape[0], x.shape[2]
    spread = (depth - 1) * stride[0] + 1
    full = spread + dilation[0] * (kernel[0] - 1) + output_padding[0]
    planes = _depth_slices(x, 0, depth, 1)
    out = None
    for kd in range(kernel[0]):
        y = ember.conv_transpose2d(planes, weight[:, :, kd], None, stride[1:], padding[1:], output_padding[1:],
                                   groups, dilation[1:])
        y = y.reshape((n, depth) + tuple(y.shape[1:]))
        y = _shift(_spread(y, stride[0], spread), kd * dilation[0], full)
        out = y if out is None else out + y
    out = out[:, padding[0]:padding[0] + sizes[0]].permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1, 1, 1)
    return out.squeeze(0) if unbatched else out.contiguous()


def conv_tbc(input, weight, bias, pad: int = 0):
    """1-D convolution over (time, batch, channels) input with a (kernel width, in, out) ``weight`` and
    ``pad`` zero steps on both ends of time: (time', batch, out)."""
    if input.ndim != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.ndim != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, out_channels.")
    if bias.ndim != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    out = ember.conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, 1, pad)
    return out.permute(2, 0, 1)
