"""``max_unpool1d/2d/3d``: the partial inverse of max pooling, putting each value back at the position its
pooling indices name and zeros elsewhere (a differentiable scatter)."""

from __future__ import annotations

import ember
from ember import dtypes
from ember.ops import nn_ops

__all__ = ["max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _output_size(input, dims: int, kernel, stride, padding, output_size, fn: str):
    default = [(input.shape[-dims + i] - 1) * stride[i] - 2 * padding[i] + kernel[i] for i in range(dims)]
    if output_size is None:
        return default
    size = list(output_size)[-dims:]
    if len(size) != dims:
        raise ValueError(f"output_size should be a sequence containing {dims} or {dims + 2} elements, but it has a "
                         f"length of '{len(list(output_size))}'")
    for i in range(dims):
        lo, hi = default[i] - stride[i], default[i] + stride[i]
        if not lo < size[i] < hi:
            raise ValueError(f"invalid output_size \"{size}\" (dim {i} must be between {lo} and {hi})")
    return size


def _unpool(fn: str, dims: int, input, indices, kernel_size, stride, padding, output_size):
    kernel = nn_ops._tuple(kernel_size, dims, "kernel_size", fn)
    stride = kernel if stride is None else nn_ops._tuple(stride, dims, "stride", fn)
    padding = nn_ops._tuple(padding, dims, "padding", fn)
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{fn}: Expected {dims + 1}D or {dims + 2}D input, got {input.ndim}D")
    size = _output_size(input, dims, kernel, stride, padding, output_size, fn)
    lead = tuple(input.shape[:-dims])
    plane = 1
    for s in size:
        plane *= s
    flat_in = input.reshape(lead + (-1,))
    flat_idx = indices.reshape(lead + (-1,))
    if flat_idx.numel() and (bool((flat_idx < 0).any()) or bool((flat_idx >= plane).any())):
        bad = int(flat_idx[(flat_idx < 0) | (flat_idx >= plane)][0])
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(map(str, size))}")
    out = ember.zeros(lead + (plane,), dtype=input.dtype, device=input.device).scatter(-1, flat_idx, flat_in)
    return out.reshape(lead + tuple(size))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Undo ``max_pool1d``: (N, C, L_in) values to (N, C, L_out), zeros off the maxima."""
    return _unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Undo ``max_pool2d``: each value goes to the flat position h*W + w its index names."""
    return _unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Undo ``max_pool3d``: each value goes to the flat position d*H*W + h*W + w its index names."""
    return _unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)
