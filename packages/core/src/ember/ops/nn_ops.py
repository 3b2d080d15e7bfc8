"""Neural-network ops: convolution, pooling, embedding, dropout and normalisation.

Convolution is ``im2col`` (gather every kernel-sized patch into a column) followed by one
matrix product; its adjoint ``col2im`` gives the input gradient and the transposed
convolution. Pooling and embedding have primitive kernels with adjoint pairs, so their
derivative rules (in ember-autograd) are themselves differentiable. A backend may register a
fused ``conv2d`` kernel; the composite path below is used when it does not.

Kernels (name -> params after the input arrays):

    im2col        (x,) -> (kernel, stride, padding, dilation)        (C*kh*kw, N, Ho*Wo)
    layer_norm    (x[, weight][, bias]) -> (has_weight, has_bias, width, eps)  (out, mean, rstd): the
                  trailing ``width`` values of x normalised; mean and rstd (rows,); optional fused kernel
    layer_norm_backward (g, x, mean, rstd[, weight]) -> (has_weight, width, needs)  (gx, gw, gb), empty where
                  ``needs`` says no
    col2im        (cols,) -> (size, kernel, stride, padding, dilation)  (N, C, *size), summing overlaps
    conv2d        (x, w[, b]) -> (stride, padding, dilation, groups)  (out, cols), optional fused kernel
    conv_transpose2d (x, w[, b]) -> (output size, stride, padding, dilation, groups)  out, optional: the adjoint
                  of conv2d in its input (called when conv2d's windows over the output are exactly x's pixels)
    max_pool2d    (x,) -> (kernel, stride, padding, dilation, ceil_mode)  (out, int64 indices into H*W;
                  -1 for a window whose taps all fall in the padding)
    max_pool_scatter (grad, indices) -> (size,)   adds grad at indices (none at -1): the max-pool input gradient
    max_pool_gather  (x, indices) -> ()           x.flatten(2) taken at indices: its adjoint
    avg_pool2d    (x,) -> (kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    avg_pool2d_backward (grad,) -> (size, kernel, stride, padding, ceil_mode, count_include_pad, divisor)
    adaptive_avg_pool2d (x,) -> (output_size,)
    adaptive_avg_pool2d_backward (grad,) -> (size,)
    adaptive_max_pool2d (x,) -> (output_size,)  (out, indices)
    embedding     (weight, indices) -> ()          weight[indices]
    embedding_backward (grad, indices) -> (num_weights, padding_idx)  rows summed per index
    nll_loss      (logp (N, C), target (N,)[, weight (C,)]) -> (reduction, ignore_index)  (loss, total weight)
    nll_loss_backward (grad, target, total_weight[, weight]) -> (reduction, ignore_index, C)  dense (N, C)

All x are (N, C, H, W) and contiguous layouts are the kernel's business.

The functions here validate every argument before the call (PyTorch's rules and messages): the CPU
kernels are Cython without bounds checks and trust these numbers.
"""

from __future__ import annotations

import operator

from ember import _core, dtypes

__all__ = [
    "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "max_pool1d", "max_pool2d",
    "max_pool1d_with_indices", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_max_pool1d", "embedding",
    "dropout", "batch_norm", "layer_norm", "group_norm", "NnOpsMethods",
]


# -- argument handling ---------------------------------------------------------------------

def _tuple(value, n: int, name: str, fn: str) -> tuple[int, ...]:
    """``value`` (an int or a sequence of n ints, or of one) as a tuple of n ints."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = tuple(value) * n
        if len(value) != n:
            raise RuntimeError(f"{fn}: {name} must either be a single int, or a tuple of {n} ints")
        return tuple(operator.index(v) for v in value)
    return (operator.index(value),) * n


def _check_float(fn: str, *xs) -> None:
    for x in xs:
        if x is not None and not x.dtype.is_floating_point:
            raise RuntimeError(f"\"{fn}\" not implemented for '{_core._type_name(x.dtype)}'")


def _has_kernel(x, name: str) -> bool:
    return name in x._device._kernels


def _conv_out(size: int, k: int, s: int, p: int, d: int) -> int:
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def _pair_str(values) -> str:
    return f"({', '.join(str(v) for v in values)})"


# -- im2col / col2im -------------------------------------------------------------------------

def check_sliding_window(kernel, stride, padding, dilation) -> None:
    """Validate the window of ``unfold``/``fold``/``im2col``/``col2im`` as PyTorch does.

    The kernels walk the padded image with these numbers and no bounds checks.
    """
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                           f"kernel_width: {kernel[1]}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {stride[0]} "
                           f"stride_width: {stride[1]}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dilation[0]} "
                           f"dilation_width: {dilation[1]}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")
    _check_int32(kernel=kernel, padding=padding, dilation=dilation)


def _check_int32(**values) -> None:
    """The kernels take window numbers as 32-bit ints (a stride past the last window is fitted instead)."""
    for name, v in values.items():
        if any(x >= 2 ** 31 for x in v):
            raise RuntimeError(f"{name}={list(v)} does not fit a 32-bit integer")


def sliding_blocks(size, kernel, stride, padding, dilation) -> tuple[int, int]:
    """How many windows fit along each of the two spatial dims of ``size``."""
    return tuple(_conv_out(size[i], kernel[i], stride[i], padding[i], dilation[i]) for i in range(2))


def _fit_stride(size, kernel, stride, padding, dilation) -> tuple[int, int]:
    """``stride``, except that a stride past the last window (one window only) becomes the smallest that is:
    the same windows, and a number the kernels' 32-bit arguments hold."""
    return tuple(max(1, min(s, n + 2 * p - d * (k - 1))) for n, k, s, p, d in zip(size, kernel, stride, padding,
                                                                                   dilation))


def im2col(input, kernel_size, stride, padding, dilation):
    """The patches of ``input`` (N, C, H, W) as a (C*kh*kw, N, Ho*Wo) tensor (zero padding)."""
    kernel, stride, padding, dilation = tuple(kernel_size), tuple(stride), tuple(padding), tuple(dilation)
    if input.ndim != 4:
        raise RuntimeError(f"im2col: expected (N, C, H, W) input, but got input of size {list(input.shape)}")
    check_sliding_window(kernel, stride, padding, dilation)
    blocks = sliding_blocks(input.shape[2:], kernel, stride, padding, dilation)
    if any(b < 1 for b in blocks):
        raise RuntimeError(f"Given input with spatial size {_pair_str(input.shape[2:])}, kernel_size="
                           f"{_pair_str(kernel)}, dilation={_pair_str(dilation)}, padding={_pair_str(padding)}, "
                           f"calculated shape of the array of sliding blocks as {_pair_str(blocks)}, but its "
                           f"components must be at least one.")
    stride = _fit_stride(input.shape[2:], kernel, stride, padding, dilation)
    return _core.call("im2col", (input,), (kernel, stride, padding, dilation))


def col2im(cols, output_size, kernel_size, stride, padding, dilation):
    """The adjoint of ``im2col``: sum every entry of ``cols`` (C*kh*kw, N, L) back into the (N, C, H, W) image,
    ``output_size`` (H, W) being the one whose L = Ho*Wo windows the columns hold."""
    size, kernel, stride = tuple(output_size), tuple(kernel_size), tuple(stride)
    padding, dilation = tuple(padding), tuple(dilation)
    check_sliding_window(kernel, stride, padding, dilation)
    blocks = sliding_blocks(size, kernel, stride, padding, dilation)
    if (cols.ndim != 3 or len(size) != 2 or cols.shape[0] % (kernel[0] * kernel[1])
            or cols.shape[2] != blocks[0] * blocks[1] or min(blocks) < 1):
        raise RuntimeError(f"col2im: columns of size {list(cols.shape)} do not hold the {_pair_str(blocks)} sliding "
                           f"blocks of a {_pair_str(kernel)} kernel over an output of size {_pair_str(size)} "
                           f"(stride={_pair_str(stride)}, padding={_pair_str(padding)}, "
                           f"dilation={_pair_str(dilation)})")
    stride = _fit_stride(size, kernel, stride, padding, dilation)
    return _core.call("col2im", (cols,), (size, kernel, stride, padding, dilation))


# -- convolution -----------------------------------------------------------------------------

def _check_conv_input(fn: str, input, weight, bias, groups: int, dims: int) -> bool:
    """Validate a conv call as PyTorch does; True when ``input`` is unbatched."""
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {fn}, but got "
                           f"input of size: {list(input.shape)}")
    if weight.ndim != dims + 2:
        raise RuntimeError("weight should have at least three dimensions" if dims == 1 else
                           f"Expected {dims + 2}-dimensional weight for {dims + 2}-dimensional input "
                           f"{list(input.shape)}, but got {weight.ndim}-dimensional weight of size "
                           f"{list(weight.shape)} instead")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    _check_float(f"conv{dims}d", input, weight)
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({_core._type_name(input.dtype)}) and weight type "
                           f"({_core._type_name(weight.dtype)}) should be the same")
    if bias is not None and bias.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({_core._type_name(input.dtype)}) and bias type "
                           f"({_core._type_name(bias.dtype)}) should be the same")
    return input.ndim == dims + 1


def _check_conv_window(kernel, stride, padding, dilation) -> None:
    """The window checks PyTorch makes for every convolution, in its order."""
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dilation)}")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                           f"kernel_width: {kernel[1]}")
    _check_int32(padding=padding, dilation=dilation)


def _same_padding(kernel, dilation, stride, fn: str):
    """Symmetric padding for ``padding='same'``, plus the extra right/bottom padding if odd."""
    if any(s != 1 for s in stride):
        raise ValueError("padding='same' is not supported for strided convolutions")
    total = [d * (k - 1) for k, d in zip(kernel, dilation)]
    left = tuple(t // 2 for t in total)
    extra = tuple(t - 2 * (t // 2) for t in total)
    return left, extra


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """2-D convolution (cross-correlation) of ``input`` (N, C_in, H, W) with ``weight``
    (C_out, C_in/groups, kH, kW), plus ``bias`` (C_out).

    Args:
        stride, dilation: an int or a pair.
        padding: an int, a pair, ``"valid"`` (no padding) or ``"same"`` (output as large as the
            input; stride 1 only).
        groups: split the channels into this many independent convolutions.

    Shape: output (N, C_out, H_out, W_out), H_out = (H + 2p - d(k-1) - 1) // s + 1.
    """
    unbatched = _check_conv_input("conv2d", input, weight, bias, groups, 2)
    if unbatched:
        input = input.unsqueeze(0)
    stride = _tuple(stride, 2, "stride", "conv2d")
    dilation = _tuple(dilation, 2, "dilation", "conv2d")
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
        if padding == "valid":
            padding = (0, 0)
        else:
            padding, extra = _same_padding(kernel, dilation, stride, "conv2d")
            if any(extra):
                input = _pad_right(input, extra)
    else:
        padding = _tuple(padding, 2, "padding", "conv2d")
    _check_conv_window(kernel, stride, padding, dilation)
    n, c, h, w = input.shape
    c_out = weight.shape[0]
    if c_out == 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least 1 at dimension 0, but got weight "
                           f"of size {list(weight.shape)} instead")
    if c != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape if not unbatched else input.shape[1:])} to have "
                           f"{weight.shape[1] * groups} channels, but got {c} channels instead")
    if c_out % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size {list(weight.shape)} instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != c_out):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{c_out} elements, but got bias of size {list(bias.shape)} instead")
    padded = (h + 2 * padding[0], w + 2 * padding[1])
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if padded[0] < eff[0] or padded[1] < eff[1]:
        raise RuntimeError(f"Calculated padded input size per channel: ({padded[0]} x {padded[1]}). Kernel size: "
                           f"({eff[0]} x {eff[1]}). Kernel size can't be greater than actual input size")
    if n and c and not (h and w):   # an empty plane is refused even when padding would make windows (PyTorch)
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got input shape: "
                           f"{list(input.shape)}")
    params = (_fit_stride((h, w), kernel, stride, padding, dilation), tuple(padding), dilation, groups)
    if _has_kernel(input, "conv2d"):
        inputs = (input, weight) if bias is None else (input, weight, bias)
        out = _core.call("conv2d", inputs, params)[0]
    else:
        out = _conv2d_composite(input, weight, bias, *params)
    return out.squeeze(0) if unbatched else out


def _conv2d_composite(input, weight, bias, stride, padding, dilation, groups):
    n = input.shape[0]
    c_out, _, kh, kw = weight.shape
    ho = _conv_out(input.shape[2], kh, stride[0], padding[0], dilation[0])
    wo = _conv_out(input.shape[3], kw, stride[1], padding[1], dilation[1])
    cols = im2col(input, (kh, kw), stride, padding, dilation)
    cols = cols.reshape(groups, cols.shape[0] // groups, n * ho * wo)
    out = weight.reshape(groups, c_out // groups, -1).matmul(cols)
    out = out.reshape(c_out, n, ho, wo).permute(1, 0, 2, 3)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1, 1)
    return out.contiguous()


def _pad_right(input, extra):
    """Zero-pad the last len(extra) dims of ``input`` on the right/bottom by ``extra``."""
    from ember.ops.creation import zeros
    for i, e in enumerate(reversed(extra)):
        if e:
            dim = input.ndim - 1 - i
            shape = list(input.shape)
            shape[dim] = e
            input = _cat((input, zeros(*shape, dtype=input.dtype, device=input.device)), dim)
    return input


def _cat(tensors, dim):
    from ember.ops.shape import cat
    return cat(tensors, dim)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """1-D convolution of ``input`` (N, C_in, L) with ``weight`` (C_out, C_in/groups, k).

    Arguments as ``conv2d``, with ints (or 1-tuples) instead of pairs.
    """
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                           f"{list(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(f"Expected 3-dimensional weight for 3-dimensional input {list(input.shape)}, but got "
                           f"{weight.ndim}-dimensional weight of size {list(weight.shape)} instead")
    stride = (1,) + _tuple(stride, 1, "stride", "conv1d")
    dilation = (1,) + _tuple(dilation, 1, "dilation", "conv1d")
    padding = padding if isinstance(padding, str) else (0,) + _tuple(padding, 1, "padding", "conv1d")
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, stride, padding, dilation, groups)
    return out.squeeze(-2)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1):
    """2-D transposed convolution (the gradient of ``conv2d`` w.r.t. its input), with ``weight``
    (C_in, C_out/groups, kH, kW).

    Shape: H_out = (H - 1)s - 2p + d(k - 1) + output_padding + 1.
    """
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of "
                           f"size: {list(input.shape)}")
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    _check_float("conv_transpose2d", input, weight)
    stride = _tuple(stride, 2, "stride", "conv_transpose2d")
    padding = _tuple(padding, 2, "padding", "conv_transpose2d")
    output_padding = _tuple(output_padding, 2, "output_padding", "conv_transpose2d")
    dilation = _tuple(dilation, 2, "dilation", "conv_transpose2d")
    n, c_in, h, w = input.shape
    if weight.ndim != 4:
        raise RuntimeError(f"Expected 4-dimensional weight for conv_transpose2d, but got {weight.ndim}-dimensional "
                           f"weight of size {list(weight.shape)}")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"Input type ({_core._type_name(input.dtype)}) and weight type "
                           f"({_core._type_name(weight.dtype)}) should be the same")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    _check_conv_window(tuple(weight.shape[2:]), stride, padding, dilation)
    if weight.shape[0] != c_in:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(input.shape)} to have {weight.shape[0]} channels, but got {c_in} channels "
                           f"instead")
    if c_in % groups:
        raise RuntimeError(f"Given groups={groups}, expected input channels to be divisible by {groups}")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[1] * groups):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {weight.shape[1] * groups} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    for op, s, d in zip(output_padding, stride, dilation):
        if op >= s and op >= d:
            raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                               f"output_padding_height: {output_padding[0]} output_padding_width: "
                               f"{output_padding[1]} stride_height: {stride[0]} stride_width: {stride[1]} "
                               f"dilation_height: {dilation[0]} dilation_width: {dilation[1]}")
    kh, kw = weight.shape[2:]
    c_out = weight.shape[1] * groups
    ho = (h - 1) * stride[0] - 2 * padding[0] + dilation[0] * (kh - 1) + output_padding[0] + 1
    wo = (w - 1) * stride[1] - 2 * padding[1] + dilation[1] * (kw - 1) + output_padding[1] + 1
    if ho <= 0 or wo <= 0:
        raise RuntimeError(f"Given input size per channel: ({h} x {w}). Calculated output size per channel: "
                           f"({ho} x {wo}). Output size is too small")
    fits = sliding_blocks((ho, wo), (kh, kw), stride, padding, dilation) == (h, w)
    if fits and _has_kernel(input, "conv_transpose2d"):   # the backend's adjoint of conv2d
        inputs = (input, weight) if bias is None else (input, weight, bias)
        out = _core.call("conv_transpose2d", inputs, ((ho, wo), stride, padding, dilation, groups))
        return out.squeeze(0) if unbatched else out
    # cols[(co, i, j), n, (y, x)] = sum_ci weight[ci, co, i, j] * input[n, ci, y, x], per group
    x2 = input.permute(1, 0, 2, 3).reshape(groups, c_in // groups, n * h * w)
    w2 = weight.reshape(groups, c_in // groups, -1).transpose(1, 2).contiguous()
    cols = w2.matmul(x2).reshape(c_out * kh * kw, n, h * w)
    if fits:
        out = col2im(cols, (ho, wo), (kh, kw), stride, padding, dilation)
    else:
        out = _col2im_uncropped(cols, (h, w), (ho, wo), (kh, kw), stride, padding, dilation)
    if bias is not None:
        out = out + bias.reshape(1, c_out, 1, 1)
    return out.squeeze(0) if unbatched else out


def _col2im_uncropped(cols, grid, size, kernel, stride, padding, dilation):
    """``col2im`` for an output padding of a stride or more (allowed below the dilation): the windows that fit
    the output would then outnumber the input's pixels, so sum onto the whole unpadded image and cut the output
    from it (rows past that image, in the output padding, get nothing but the bias)."""
    full = tuple((g - 1) * s + d * (k - 1) + 1 for g, s, d, k in zip(grid, stride, dilation, kernel))
    out = col2im(cols, full, kernel, stride, (0, 0), dilation)
    for dim, (p, f, o) in enumerate(zip(padding, full, size)):
        out = out.narrow(2 + dim, min(p, f), max(0, min(o, f - p)))    # the padding may crop the whole image
    return _pad_right(out, tuple(o - out.shape[2 + i] for i, o in enumerate(size)))


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1):
    """1-D transposed convolution; arguments as ``conv_transpose2d`` with ints."""
    one = lambda v, name: (0 if name in ("padding", "output_padding") else 1,) + _tuple(v, 1, name, "conv_transpose1d")
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, one(stride, "stride"),
                           one(padding, "padding"), one(output_padding, "output_padding"), groups,
                           one(dilation, "dilation"))
    return out.squeeze(-2)


# -- pooling -----------------------------------------------------------------------------------

def _pool_out(size: int, k: int, pad: int, stride: int, dilation: int, ceil_mode: bool) -> int:
    out = (size + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _pool_args(fn, input, kernel_size, stride, padding, dilation, dims: int = 2):
    kernel = _tuple(kernel_size, dims, "kernel_size", fn)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _tuple(stride, dims, "stride", fn)
    padding = _tuple(padding, dims, "padding", fn)
    dilation = _tuple(dilation, dims, "dilation", fn)
    # PyTorch's checks and order; the kernels walk the windows with these numbers and no bounds checks
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[-1]}")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[-1]}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dilation[0]} "
                           f"dilationW: {dilation[-1]}")
    for p in padding:
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
    for p, k, d in zip(padding, kernel, dilation):
        if p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    if any(p > k // 2 for p, k in zip(padding, kernel)):    # a dilated window may not reach further into it
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = "
                           f"{padding[-1]}, padH = {padding[0]}, kW = {kernel[-1]}, kH = {kernel[0]}")
    _check_int32(kernel_size=kernel, stride=stride, dilation=dilation)
    return kernel, stride, padding, dilation


def _as_planes(fn: str, input, dims: int = 2, empty_channels: bool = False):
    """(N, C, H, W) input, unsqueezed if unbatched; only the batch (and, if allowed, the channels) may be empty."""
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{fn}: Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got: {list(input.shape)}")
    if any(s == 0 for s in input.shape[-dims if empty_channels else -dims - 1:]):
        raise RuntimeError(f"{fn}: Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got: {list(input.shape)}")
    unbatched = input.ndim == dims + 1
    return (input.unsqueeze(0) if unbatched else input), unbatched


def _check_pool_output(input, ho, wo):
    if ho <= 0 or wo <= 0:
        c, h, w = input.shape[1:]
        raise RuntimeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{ho}x{wo}). "
                           f"Output size is too small")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
    """2-D max pooling; returns (output, indices), indices flat into each H*W plane."""
    _check_float("max_pool2d", input)
    kernel, stride, padding, dilation = _pool_args("max_pool2d", input, kernel_size, stride, padding, dilation)
    x, unbatched = _as_planes("max_pool2d", input)
    ho = _pool_out(x.shape[2], kernel[0], padding[0], stride[0], dilation[0], ceil_mode)
    wo = _pool_out(x.shape[3], kernel[1], padding[1], stride[1], dilation[1], ceil_mode)
    _check_pool_output(x, ho, wo)
    out, idx = _core.call("max_pool2d", (x,), (kernel, stride, padding, dilation, bool(ceil_mode)))
    return (out.squeeze(0), idx.squeeze(0)) if unbatched else (out, idx)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
    """2-D max pooling over (N, C, H, W) or (C, H, W) input; NaN propagates."""
    return max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)[0]


def _check_pool1d(input, kernel: int, stride, padding: int, dilation: int) -> None:
    """PyTorch's checks for max_pool1d, in its words (max_pool2d's would name a height of 1)."""
    if any(s == 0 for s in input.shape[-2:]):
        raise RuntimeError(f"max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(input.shape)}")
    for name, v in (("kernel_size", kernel), ("stride", kernel if stride is None else stride)):
        if v <= 0:
            raise RuntimeError(f"max_pool1d() {name} must be greater than zero, but got {v}")
    if padding < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {padding}")
    if padding > kernel // 2:
        raise RuntimeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={padding} "
                           f"and kernel_size={kernel}")
    if dilation <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {dilation}")


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
    """1-D max pooling over (N, C, L) or (C, L); returns (output, indices into L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"max_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    one = lambda v, name, fill: (fill,) + _tuple(v, 1, name, "max_pool1d")
    stride = None if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else one(stride, "stride", 1)
    _check_pool1d(input, one(kernel_size, "kernel_size", 1)[1], stride[1] if stride else None,
                  one(padding, "padding", 0)[1], one(dilation, "dilation", 1)[1])
    out, idx = max_pool2d_with_indices(input.unsqueeze(-2), one(kernel_size, "kernel_size", 1), stride,
                                       one(padding, "padding", 0), one(dilation, "dilation", 1), ceil_mode)
    return out.squeeze(-2), idx.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False):
    """1-D max pooling over (N, C, L) or (C, L) input."""
    return max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)[0]


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override=None):
    """2-D average pooling; ``count_include_pad`` counts zero padding in the divisor,
    ``divisor_override`` replaces the divisor."""
    _check_float("avg_pool2d", input)
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not hasattr(divisor_override, "__index__"):
            raise TypeError(f"avg_pool2d(): argument 'divisor_override' must be int, not "
                            f"{type(divisor_override).__name__}")
        divisor_override = operator.index(divisor_override)
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        if not -2 ** 31 <= divisor_override < 2 ** 31:
            raise RuntimeError(f"avg_pool2d: divisor_override={divisor_override} does not fit a 32-bit integer")
    kernel, stride, padding, _ = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1)
    x, unbatched = _as_planes("avg_pool2d", input)
    ho = _pool_out(x.shape[2], kernel[0], padding[0], stride[0], 1, ceil_mode)
    wo = _pool_out(x.shape[3], kernel[1], padding[1], stride[1], 1, ceil_mode)
    _check_pool_output(x, ho, wo)
    out = _core.call("avg_pool2d", (x,), (kernel, stride, padding, bool(ceil_mode), bool(count_include_pad),
                                          divisor_override or 0))   # any non-zero divisor, negative too
    return out.squeeze(0) if unbatched else out


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode: bool = False, count_include_pad: bool = True):
    """1-D average pooling over (N, C, L) or (C, L) input."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"avg_pool1d() Expected 2D or 3D input tensor, but got {list(input.shape)}")
    one = lambda v, name, fill: (fill,) + _tuple(v, 1, name, "avg_pool1d")
    stride = None if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else one(stride, "stride", 1)
    out = avg_pool2d(input.unsqueeze(-2), one(kernel_size, "kernel_size", 1), stride, one(padding, "padding", 0),
                     ceil_mode, count_include_pad)
    return out.squeeze(-2)


def _adaptive_size(output_size, input, dims: int):
    size = _tuple(output_size, dims, "output_size", "adaptive_pool") if not isinstance(output_size, (tuple, list)) \
        else tuple(output_size)
    if len(size) != dims:
        raise RuntimeError(f"adaptive pool output_size must have {dims} elements, got {len(size)}")
    return tuple(input.shape[-dims + i] if s is None else int(s) for i, s in enumerate(size))


def adaptive_avg_pool2d(input, output_size):
    """Average pooling to a fixed ``output_size`` (an int, a pair; None keeps that input size)."""
    _check_float("adaptive_avg_pool2d", input)
    x, unbatched = _as_planes("adaptive_avg_pool2d", input, empty_channels=True)
    size = _adaptive_size(output_size, x, 2)
    if any(s < 0 for s in size):
        raise RuntimeError(f"adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{size[0]}, {size[1]}}}")
    out = _core.call("adaptive_avg_pool2d", (x,), (size,))
    return out.squeeze(0) if unbatched else out


def adaptive_max_pool2d_with_indices(input, output_size):
    """Max pooling to a fixed ``output_size``; returns (output, indices)."""
    _check_float("adaptive_max_pool2d", input)
    x, unbatched = _as_planes("adaptive_max_pool2d", input)
    size = _adaptive_size(output_size, x, 2)
    if any(s < 0 for s in size):
        raise RuntimeError(f"adaptive_max_pool2d: elements of output_size must be greater than or equal to 0 but "
                           f"received {{{size[0]}, {size[1]}}}")
    out, idx = _core.call("adaptive_max_pool2d", (x,), (size,))
    return (out.squeeze(0), idx.squeeze(0)) if unbatched else (out, idx)


def adaptive_avg_pool1d(input, output_size):
    """Average pooling of (N, C, L) or (C, L) input to length ``output_size``."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d() argument 'input' should be 2D or 3D, got {list(input.shape)}")
    size = _tuple(output_size, 1, "output_size", "adaptive_avg_pool1d")
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1,) + size).squeeze(-2)


def adaptive_max_pool1d(input, output_size):
    """Max pooling of (N, C, L) or (C, L) input to length ``output_size``; returns (output, indices)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d() argument 'input' should be 2D or 3D, got {list(input.shape)}")
    size = _tuple(output_size, 1, "output_size", "adaptive_max_pool1d")
    out, idx = adaptive_max_pool2d_with_indices(input.unsqueeze(-2), (1,) + size)
    return out.squeeze(-2), idx.squeeze(-2)


# -- embedding, dropout ------------------------------------------------------------------------

def embedding(weight, indices, padding_idx: int = -1, scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of ``weight`` picked by the integer tensor ``indices``: shape ``indices.shape + (dim,)``.

    The gradient of ``weight`` skips the row ``padding_idx`` (-1 means none).
    """
    if indices.dtype not in (dtypes.int64, dtypes.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {indices.type()} instead (while checking arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise NotImplementedError("ember has no sparse tensors; use sparse=False")
    if scale_grad_by_freq:
        raise NotImplementedError("embedding(scale_grad_by_freq=True) is not supported by ember")
    return _core.call("embedding", (weight, indices), (int(padding_idx),))


def dropout(input, p: float = 0.5, train: bool = True, *, generator=None):
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (when ``train``)."""
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not train or p == 0:
        return input
    if p == 1:
        return input * 0.0
    if not input.dtype.is_floating_point:
        from ember.ops.creation import empty
        mask = empty(input.shape, dtype=input.dtype, device=input.device).bernoulli_(1 - p, generator=generator)
        return input * mask.mul_(1.0 / (1 - p))
    import numpy as np

    from ember.ops.creation import place
    from ember.random import _rng
    # the scaled keep-mask built on the host in one pass (float32 uniforms: half the bits of float64,
    # and p is still resolved to 2^-24), then one recorded product, whose gradient is grad * mask
    keep = _rng(generator).random(tuple(input.shape), dtype=np.float32) < (1 - p)
    dt = np.dtype(input.dtype.numpy)
    mask = np.multiply(keep, dt.type(1.0 / (1 - p)), dtype=dt)
    return input * place(mask, input.device)


def leaky_relu(input, negative_slope: float):
    """``input`` where it is positive, else ``input * negative_slope``, for a slope of 0 or more (the gradient
    is then read off the output's sign, so in-place use works); a backend's fused kernel when it has one."""
    if _has_kernel(input, "leaky_relu"):
        return _core.call("leaky_relu", (input,), (float(negative_slope),))
    from ember.ops.pointwise import where
    return where(input > 0, input, input * negative_slope)


def leaky_relu_backward(grad, input, negative_slope: float):
    """``grad`` where ``input > 0``, else ``grad * negative_slope``: the gradient of ``leaky_relu`` (``input`` may be
    its output, which has the input's sign for a slope of 0 or more)."""
    if _has_kernel(grad, "leaky_relu_backward"):
        return _core.call("leaky_relu_backward", (grad, input), (float(negative_slope),))
    from ember.ops.pointwise import where
    return where(input > 0, grad, grad * negative_slope)


def threshold_backward(grad, input, threshold: float):
    """``grad`` where ``input > threshold`` (or is NaN), else 0: the gradient of relu and threshold.

    A select, not a product, so an infinite ``grad`` where ``input <= threshold`` gives 0, as in
    PyTorch. Backends without a ``threshold_backward`` kernel get it from ``where``.
    """
    if _has_kernel(grad, "threshold_backward"):
        return _core.call("threshold_backward", (grad, input), (float(threshold),))
    from ember.ops.creation import zeros
    from ember.ops.pointwise import where
    return where(input <= threshold, zeros((), dtype=grad.dtype, device=grad.device), grad)


def nll_loss_2d(input, target, weight, ignore_index: int, reduction: str):
    """The fused negative log-likelihood of (N, C) log-probabilities at int64 (N,) targets.

    Backends without an ``nll_loss`` kernel use the composite in ``ember.nn.functional``.
    """
    inputs = (input, target) if weight is None else (input, target, weight)
    return _core.call("nll_loss", inputs, (reduction, int(ignore_index)))[0]



def cross_entropy_2d(input, target, weight, ignore_index: int, reduction: str):
    """The fused cross entropy (log_softmax then nll_loss) of (N, C) logits at int64 (N,) targets.

    Backends without a ``cross_entropy`` kernel use the composite in ``ember.nn.functional``.
    """
    inputs = (input, target) if weight is None else (input, target, weight)
    return _core.call("cross_entropy", inputs, (reduction, int(ignore_index)))[0]

# -- normalisation -----------------------------------------------------------------------------

def _empty_affine(input, weight, bias, shape):
    """Normalising an empty input: the empty result, still a function of ``weight`` and ``bias`` (zero gradients)."""
    out = input if weight is None else input * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


def batch_norm(input, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool = True):
    """Normalise ``input`` (N, C, *) per channel over every other dim, then scale and shift.

    In training mode the batch statistics are used and, when given, ``running_mean`` and
    ``running_var`` are updated in place: ``r = (1 - momentum) * r + momentum * stat`` (the
    variance unbiased). In eval mode the running statistics are used. ``cudnn_enabled`` picks a GPU
    library in PyTorch; ember's kernels have none to pick, so it changes nothing (as on PyTorch's CPU).
    """
    if input.ndim < 2:
        raise ValueError(f"expected 2D or more input (got {input.ndim}D input)")
    c = input.shape[1]
    for name, t in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and t.numel() != c:
            raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")
    dims = (0,) + tuple(range(2, input.ndim))
    shape = (1, c) + (1,) * (input.ndim - 2)
    if input.numel() == 0:   # no channel or no value: nothing to normalise and, as in PyTorch, no statistics to update
        return _empty_affine(input, weight, bias, shape)
    if training:
        count = input.numel() // c
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        if _has_kernel(input, "batch_norm") and input.ndim in (2, 3, 4):
            inputs = tuple(t for t in (input, weight, bias) if t is not None)
            out, mean, var = _core.call("batch_norm", inputs, (weight is not None, bias is not None, float(eps)))
        else:
            mean = input.mean(dims)
            centered = input - mean.reshape(shape)
            var = (centered * centered).mean(dims)
            out = centered * (var + eps).rsqrt().reshape(shape)
            if weight is not None:
                out = out * weight.reshape(shape)
            if bias is not None:
                out = out + bias.reshape(shape)
        if running_mean is not None or running_var is not None:
            from ember.grad_mode import no_grad
            with no_grad():
                if running_mean is not None:
                    running_mean.mul_(1 - momentum).add_(mean.detach().to(running_mean.dtype) * momentum)
                if running_var is not None:
                    v = var.detach()
                    running_var.mul_(1 - momentum).add_(v.to(running_var.dtype) * (momentum * count / (count - 1)))
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    scale = (running_var + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(shape) + shift.reshape(shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5, cudnn_enable: bool = True):
    """Normalise over the trailing ``normalized_shape`` dims, then scale by ``weight`` and shift by ``bias``.
    ``cudnn_enable`` changes nothing, as on PyTorch's CPU (see ``batch_norm``)."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in normalized_shape)}], but got input of size"
                           f"{list(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(t.shape)} and normalized_shape = {list(normalized_shape)}")
    width = _prod(normalized_shape)
    if input.dtype in (dtypes.float32, dtypes.float64) and width and _has_kernel(input, "layer_norm") and all(
            t is None or t.dtype is input.dtype for t in (weight, bias)):
        inputs = tuple(t for t in (input, weight, bias) if t is not None)
        return _core.call("layer_norm", inputs, (weight is not None, bias is not None, width, float(eps)))[0]
    return layer_norm_reference(input, normalized_shape, weight, bias, eps)


def _prod(sizes) -> int:
    out = 1
    for s in sizes:
        out *= s
    return out


def layer_norm_reference(input, normalized_shape: tuple, weight=None, bias=None, eps: float = 1e-5):
    """``layer_norm`` composed of ember ops (backends without the fused kernel; create_graph backward)."""
    k = len(normalized_shape)
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dims, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(dims, keepdim=True)
    out = centered * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5, cudnn_enabled: bool = True):
    """Normalise (N, C, *) input over each group of C/num_groups channels (and all other dims).
    ``cudnn_enabled`` changes nothing, as on PyTorch's CPU (see ``batch_norm``)."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[:2]
    if num_groups <= 0:
        error = ZeroDivisionError if num_groups == 0 else RuntimeError    # PyTorch's types
        raise error(f"Expected num groups to be greater than 0, got {num_groups}")
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, "
                               f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}")
    shape = (1, c) + (1,) * (input.ndim - 2)
    if input.numel() == 0:
        return _empty_affine(input, weight, bias, shape)
    x = input.reshape(n, num_groups, -1)
    mean = x.mean(2, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(2, keepdim=True)
    out = (centered * (var + eps).rsqrt()).reshape(input.shape)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


class NnOpsMethods:
    __slots__ = ()
