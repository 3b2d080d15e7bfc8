"""Hostile arguments to convolution, pooling, unfold/fold and normalisation: each is refused with an error
(the Cython kernels behind them run without bounds checks) or gives the right result, never a crash.

Each case here once crashed (SIGFPE), read or wrote out of bounds, or returned a wrong or uninitialised result.
"""

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck

rng = np.random.default_rng(3)


def t(*shape, grad=False):
    return ember.tensor(rng.standard_normal(shape), requires_grad=grad)


# -- unfold / fold: the im2col / col2im kernels ------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"kernel_size": 0}, "kernel size should be greater than zero, but got kernel_height: 0 kernel_width: 0"),
    ({"kernel_size": (2, -1)}, "kernel size should be greater than zero, but got kernel_height: 2 kernel_width: -1"),
    ({"kernel_size": 2, "stride": 0}, "stride should be greater than zero, but got stride_height: 0 stride_width: 0"),
    ({"kernel_size": 2, "stride": -1}, "stride should be greater than zero, but got stride_height: -1"),
    ({"kernel_size": 2, "dilation": 0}, "dilation should be greater than zero, but got dilation_height: 0"),
    ({"kernel_size": 2, "padding": -1}, "padding should be non-negative, but got pad_height: -1 pad_width: -1"),
    ({"kernel_size": 5}, r"Given input with spatial size \(4, 4\), kernel_size=\(5, 5\), dilation=\(1, 1\), "
                         r"padding=\(0, 0\), calculated shape of the array of sliding blocks as \(0, 0\), but its "
                         r"components must be at least one."),
    ({"kernel_size": 3, "dilation": 2}, r"sliding blocks as \(0, 0\)"),
])
def test_unfold_refuses_bad_windows(kwargs, message):
    with pytest.raises(RuntimeError, match=message):
        F.unfold(t(1, 2, 4, 4), **kwargs)


@pytest.mark.parametrize("shape", [(1, 0, 4, 4), (1, 2, 0, 4), (2, 4, 4), (4,), (1, 1, 1, 4, 4)])
def test_unfold_refuses_empty_or_misshapen_input(shape):
    with pytest.raises(RuntimeError, match=r"Expected 3D or 4D \(batch mode\) tensor with possibly 0 batch size"):
        F.unfold(ember.zeros(*shape), 2) if len(shape) != 3 else F.unfold(ember.zeros(0, *shape[1:]), 2)


def _unfold_reference(x, k, s, p, d):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    ho = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    wo = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.empty((n, c, k[0], k[1], ho, wo))
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i, j] = xp[:, :, i * d[0]:i * d[0] + s[0] * (ho - 1) + 1:s[0],
                                 j * d[1]:j * d[1] + s[1] * (wo - 1) + 1:s[1]]
    return out.reshape(n, c * k[0] * k[1], ho * wo)


def test_unfold_unbatched_and_empty_batch_match_the_batched_values():
    x = rng.standard_normal((3, 5, 6))
    out = F.unfold(ember.tensor(x), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2))
    np.testing.assert_allclose(out.numpy(), _unfold_reference(x[None], (2, 3), (1, 2), (1, 1), (2, 1))[0])
    assert F.unfold(ember.zeros(0, 3, 5, 6), 2).shape == (0, 12, 20)


def test_unfold_with_a_stride_past_the_last_window():
    """One window per axis: any stride gives it; the kernel, which takes 32-bit numbers, gets one that fits."""
    x = rng.standard_normal((1, 2, 4, 4))
    out = F.unfold(ember.tensor(x), 3, stride=2 ** 40)
    np.testing.assert_allclose(out.numpy(), _unfold_reference(x, (3, 3), (1, 1), (0, 0), (1, 1))[:, :, :1])


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": [1]}, {"kernel_size": (2, 2, 2)}, {"kernel_size": 1, "stride": [1]},
    {"kernel_size": 1, "padding": (0,)}, {"kernel_size": 1, "dilation": [1]},
])
def test_unfold_and_fold_take_an_int_or_exactly_two(kwargs):
    # unlike conv2d's arguments, a one-element sequence is not repeated (PyTorch refuses it too)
    with pytest.raises(RuntimeError, match=r"must be an int or a sequence of 2 ints, got \d values"):
        F.unfold(t(1, 1, 3, 7), **kwargs)
    with pytest.raises(RuntimeError, match=r"must be an int or a sequence of 2 ints, got \d values"):
        F.fold(t(1, 1, 21), (3, 7), **kwargs)
    with pytest.raises(RuntimeError, match=r"output_size must be an int or a sequence of 2 ints, got 1 values"):
        F.fold(t(1, 1, 21), [3], 1)


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    (((4, 4), 2), {"stride": 0}, "stride should be greater than zero, but got stride_height: 0"),
    (((4, 4), 0), {}, "kernel size should be greater than zero, but got kernel_height: 0"),
    (((4, 4), 2), {"dilation": 0}, "dilation should be greater than zero, but got dilation_height: 0"),
    (((4, 4), 2), {"padding": -1}, "padding should be non-negative, but got pad_height: -1"),
    (((4, 4), 2), {"stride": -1}, "stride should be greater than zero, but got stride_height: -1"),
    (((0, 4), 2), {}, r"output_size must be positive, got \(0, 4\)"),
    (((-1, 4), 1), {}, r"output_size must be positive, got \(-1, 4\)"),
])
def test_fold_refuses_bad_windows(args, kwargs, message):
    with pytest.raises(RuntimeError, match=message):
        F.fold(t(1, 4, 9), *args, **kwargs)


def test_fold_with_a_kernel_larger_than_its_output():
    """This reached col2im, which divided by zero (SIGFPE)."""
    with pytest.raises(RuntimeError, match=r"sliding blocks 0 \* 0 = 0, but got input.size\(2\)=1"):
        F.fold(t(1, 25, 1), (4, 4), 5)
    with pytest.raises(RuntimeError, match=r"Expected 2D or 3D \(batch mode\) tensor for input"):
        F.fold(t(1, 25, 0), (4, 4), 5)


def test_fold_refuses_block_counts_that_multiply_to_the_input():
    """(-1) * (-1) windows "match" one column; the kernel would then walk a grid of -1 rows."""
    with pytest.raises(RuntimeError, match=r"calculated shape of the array of sliding blocks as \(-1, -1\), which "
                                           r"is too small \(non-positive\)"):
        F.fold(t(1, 9, 1), (1, 1), 3)


def test_fold_is_the_adjoint_of_unfold_unbatched_and_with_an_empty_batch():
    x = t(2, 5, 6, grad=True)
    kw = {"kernel_size": (2, 3), "dilation": (2, 1), "padding": 1, "stride": (1, 2)}
    cols = F.unfold(x, **kw)
    y = rng.standard_normal(cols.shape)
    back = F.fold(ember.tensor(y), (5, 6), **kw)
    assert back.shape == (2, 5, 6)
    # <unfold(x), y> == <x, fold(y)>
    np.testing.assert_allclose((cols.detach().numpy() * y).sum(), (x.detach().numpy() * back.numpy()).sum())
    assert F.fold(ember.zeros(0, 12, 20), (5, 6), 2).shape == (0, 3, 5, 6)


# -- convolution -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"stride": 0}, "non-positive stride is not supported"),
    ({"stride": -1}, "non-positive stride is not supported"),
    ({"padding": -1}, "negative padding is not supported"),
    ({"dilation": 0}, r"dilation should be greater than zero, but got \[0, 0\]"),
    ({"dilation": -1}, r"dilation should be greater than zero, but got \[-1, -1\]"),
    ({"output_padding": -1}, "negative output_padding is not supported"),
    ({"groups": 0}, "non-positive groups is not supported"),
])
def test_conv_transpose2d_refuses_bad_windows(kwargs, message):
    """stride 0 raised SIGFPE in col2im; the others ran and returned nonsense."""
    with pytest.raises(RuntimeError, match=message):
        F.conv_transpose2d(t(1, 2, 3, 3), t(2, 1, 3, 3), **kwargs)


def test_conv_transpose2d_refuses_a_misshapen_bias():
    with pytest.raises(RuntimeError, match=r"expected bias to be 1-dimensional with 4 elements, but got bias of "
                                           r"size \[3\] instead"):
        F.conv_transpose2d(t(1, 2, 3, 3), t(2, 2, 3, 3), t(3), groups=2)


def _conv_transpose_reference(x, w, b, s, p, op, d):
    """Scatter every input pixel's weighted kernel into the uncropped output, then crop and pad."""
    n, c_in, h, wd = x.shape
    c_out, kh, kw = w.shape[1:]
    full = np.zeros((n, c_out, (h - 1) * s[0] + d[0] * (kh - 1) + 1 + op[0], (wd - 1) * s[1] + d[1] * (kw - 1) + 1
                     + op[1]))
    for i in range(kh):
        for j in range(kw):
            contrib = np.einsum("nchw,co->nohw", x, w[:, :, i, j])
            full[:, :, i * d[0]:i * d[0] + (h - 1) * s[0] + 1:s[0],
                 j * d[1]:j * d[1] + (wd - 1) * s[1] + 1:s[1]] += contrib
    ho = (h - 1) * s[0] - 2 * p[0] + d[0] * (kh - 1) + op[0] + 1
    wo = (wd - 1) * s[1] - 2 * p[1] + d[1] * (kw - 1) + op[1] + 1
    return full[:, :, p[0]:p[0] + ho, p[1]:p[1] + wo] + b.reshape(1, -1, 1, 1)


@pytest.mark.parametrize(("size", "k", "s", "p", "op", "d"), [
    ((3, 3), (3, 3), (1, 1), (1, 1), (1, 1), (2, 2)),   # output padding = stride < dilation
    ((3, 4), (3, 3), (1, 1), (0, 0), (1, 1), (2, 2)),
    ((2, 3), (2, 2), (1, 2), (2, 0), (2, 1), (3, 1)),   # output padding twice the stride, padding reaches it
    ((4, 3), (2, 3), (2, 2), (1, 1), (2, 2), (3, 3)),
    ((1, 1), (1, 1), (1, 1), (1, 1), (2, 2), (3, 3)),   # the padding crops the whole image
    ((1, 2), (1, 2), (1, 1), (2, 0), (4, 1), (5, 2)),   # ... and more: the output is the output padding alone
])
def test_conv_transpose2d_with_output_padding_of_a_stride_or_more(size, k, s, p, op, d):
    """PyTorch allows output_padding below the dilation; it used to give zeros (col2im saw the wrong grid)."""
    x, w, b = rng.standard_normal((2, 4) + size), rng.standard_normal((4, 3) + k), rng.standard_normal(3)
    out = F.conv_transpose2d(ember.tensor(x), ember.tensor(w), ember.tensor(b), s, p, op, 1, d)
    np.testing.assert_allclose(out.numpy(), _conv_transpose_reference(x, w, b, s, p, op, d), atol=1e-12)
    xt, wt = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    assert gradcheck(lambda a, c: F.conv_transpose2d(a, c, None, s, p, op, 1, d), (xt, wt))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"dilation": 0}, r"dilation should be greater than zero, but got \[0, 0\]"),
    ({"dilation": (1, -1)}, r"dilation should be greater than zero, but got \[1, -1\]"),
    ({"stride": 0}, "non-positive stride is not supported"),
])
def test_conv2d_refuses_bad_windows(kwargs, message):
    """dilation <= 0 used to run."""
    with pytest.raises(RuntimeError, match=message):
        F.conv2d(t(1, 3, 5, 5), t(4, 3, 3, 3), **kwargs)


def test_conv2d_refuses_empty_kernels_and_no_output_channels():
    with pytest.raises(RuntimeError, match="kernel size should be greater than zero, but got kernel_height: 0 "
                                           "kernel_width: 3"):
        F.conv2d(t(1, 3, 5, 5), ember.zeros(4, 3, 0, 3, dtype=ember.float64))
    with pytest.raises(RuntimeError, match=r"expected weight to be at least 1 at dimension 0, but got weight of "
                                           r"size \[0, 3, 3, 3\] instead"):
        F.conv2d(t(1, 3, 5, 5), ember.zeros(0, 3, 3, 3, dtype=ember.float64))


@pytest.mark.parametrize(("c", "k", "padding"), [(3, 3, 0), (16, 3, 1)])    # im2col and Winograd
def test_conv2d_with_an_empty_batch(c, k, padding):
    """It raised (a reshape of zero elements with an inferred axis); PyTorch gives the empty result, and zero
    gradients for the weight and bias."""
    x, w, b = t(0, c, 6, 6, grad=True), t(16, c, k, k, grad=True), t(16, grad=True)
    out = F.conv2d(x, w, b, padding=padding)
    assert out.shape == (0, 16, 6 + 2 * padding - k + 1, 6 + 2 * padding - k + 1)
    out.sum().backward()
    assert x.grad.shape == (0, c, 6, 6)
    assert not w.grad.numpy().any() and not b.grad.numpy().any()


def test_convolutions_with_an_empty_batch_keep_their_shapes():
    assert F.conv_transpose2d(t(0, 2, 3, 3), t(2, 5, 3, 3), stride=2).shape == (0, 5, 7, 7)
    assert F.conv1d(t(0, 2, 7), t(4, 2, 3)).shape == (0, 4, 5)


def test_convolutions_refuse_windows_past_32_bits():
    """The kernels take 32-bit ints: a dilation of 2**32 with a padding to match would have raised OverflowError."""
    with pytest.raises(RuntimeError, match=r"padding=\[2147483648, 0\] does not fit a 32-bit integer"):
        F.conv2d(t(1, 1, 4, 4), t(1, 1, 2, 1), padding=(2 ** 31, 0), dilation=(2 ** 32, 1))
    with pytest.raises(RuntimeError, match=r"dilation=\[4294967296, 1\] does not fit a 32-bit integer"):
        F.unfold(t(1, 1, 4, 4), (2, 1), padding=(2 ** 30, 0), dilation=(2 ** 32, 1))


def test_conv2d_with_a_stride_past_the_last_window():
    x, w = rng.standard_normal((1, 2, 4, 4)), rng.standard_normal((3, 2, 2, 2))
    out = F.conv2d(ember.tensor(x), ember.tensor(w), stride=2 ** 40)
    np.testing.assert_allclose(out.numpy()[..., 0, 0], np.einsum("ncij,ocij->no", x[:, :, :2, :2], w))


# -- pooling -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "message"), [
    ((2, 0), "stride should not be zero"),
    ((0,), "stride should not be zero"),                                 # the stride defaults to the kernel
    ((0, 1), "kernel size should be greater than zero, but got kH: 0 kW: 0"),
    ((2, (1, -1)), "stride should be greater than zero, but got dH: 1 dW: -1"),
    ((2, 1, 0, (1, 0)), "dilation should be greater than zero, but got dilationH: 1 dilationW: 0"),
    ((2, 1, (0, -1)), "pad must be non-negative, but got pad: -1"),
    ((3, 1, 2), "pad should be at most half of effective kernel size, but got pad=2, kernel_size=3 and dilation=1"),
    ((2, 1, 2, 3), "pad should be smaller than or equal to half of kernel size, but got padW = 2, padH = 2, kW = 2, "
                   "kH = 2"),
    ((2, 2 ** 40), r"stride=\[1099511627776, 1099511627776\] does not fit a 32-bit integer"),
])
def test_max_pool2d_refuses_bad_windows(args, message):
    """Padding is held to half the kernel, not half the dilated kernel: a dilated window may not reach further."""
    with pytest.raises(RuntimeError, match=message):
        F.max_pool2d(t(1, 1, 9, 9), *args)


@pytest.mark.parametrize(("args", "message"), [
    ((0,), "max_pool1d\\(\\) kernel_size must be greater than zero, but got 0"),
    ((2, -1), "max_pool1d\\(\\) stride must be greater than zero, but got -1"),
    ((2, 1, -1), "max_pool1d\\(\\) padding must be non-negative, but got -1"),
    ((2, 1, 2), "max_pool1d\\(\\) padding should be at most half of kernel size, but got padding=2 and "
                "kernel_size=2"),
    ((2, 1, 0, 0), "max_pool1d\\(\\) dilation must be greater than zero, but got 0"),
])
def test_max_pool1d_refuses_bad_windows_in_its_own_words(args, message):
    with pytest.raises(RuntimeError, match=message):
        F.max_pool1d(t(1, 1, 4), *args)


@pytest.mark.parametrize("fn", [lambda x: F.max_pool2d(x, 2), lambda x: F.avg_pool2d(x, 2),
                                lambda x: F.adaptive_max_pool2d(x, 2)])
@pytest.mark.parametrize("shape", [(2, 0, 4, 4), (0, 4, 4), (1, 1, 0, 4)])
def test_pooling_refuses_empty_planes(fn, shape):
    """Only the batch may be empty (the unbatched (0, H, W) input went through)."""
    with pytest.raises(RuntimeError, match=r"Expected 3D or 4D \(batch mode\) tensor with optional 0 dim batch size"):
        fn(ember.zeros(*shape))


def test_pooling_with_an_empty_batch_or_channels_keeps_its_shapes():
    x = t(0, 3, 5, 5, grad=True)
    outs = [F.max_pool2d(x, 2), F.avg_pool2d(x, 3, 2, 1), F.adaptive_max_pool2d(x, 2), F.adaptive_avg_pool2d(x, 4)]
    assert [tuple(o.shape) for o in outs] == [(0, 3, 2, 2), (0, 3, 3, 3), (0, 3, 2, 2), (0, 3, 4, 4)]
    sum(o.sum() for o in outs).backward()
    assert x.grad.shape == (0, 3, 5, 5)
    assert F.adaptive_avg_pool2d(ember.zeros(1, 0, 4, 4), 2).shape == (1, 0, 2, 2)   # as PyTorch allows


@pytest.mark.parametrize("divisor", [-1, -3, 5])
def test_avg_pool2d_divides_by_any_non_zero_divisor_override(divisor):
    """A negative divisor was ignored (the window size used instead); PyTorch divides by it."""
    x = rng.standard_normal((1, 2, 4, 6))
    xt = ember.tensor(x, requires_grad=True)
    out = F.avg_pool2d(xt, 2, divisor_override=divisor)
    np.testing.assert_allclose(out.detach().numpy(), x.reshape(1, 2, 2, 2, 3, 2).sum(axis=(3, 5)) / divisor)
    out.sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), np.full(x.shape, 1 / divisor))


@pytest.mark.parametrize(("divisor", "error", "message"), [
    (0, RuntimeError, "divisor must be not zero"),
    (2.5, TypeError, "argument 'divisor_override' must be int, not float"),
    (True, TypeError, "argument 'divisor_override' must be int, not bool"),
    (2 ** 40, RuntimeError, "divisor_override=1099511627776 does not fit a 32-bit integer"),
])
def test_avg_pool2d_refuses_bad_divisors(divisor, error, message):
    with pytest.raises(error, match=message):
        F.avg_pool2d(t(1, 1, 4, 4), 2, divisor_override=divisor)


def test_adaptive_max_pool2d_refuses_negative_sizes():
    with pytest.raises(RuntimeError, match=r"adaptive_max_pool2d: elements of output_size must be greater than or "
                                           r"equal to 0 but received \{-1, 2\}"):
        F.adaptive_max_pool2d(t(1, 1, 4, 4), (-1, 2))


# -- normalisation, pixel shuffle, resizing ----------------------------------------------------------------------

@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(4, 0, 3), (0, 3, 3), (1, 3, 0)])
def test_batch_norm_of_empty_input(shape, training):
    """C = 0 divided by zero; an empty batch in training mode was refused. PyTorch returns the empty input and
    leaves the running statistics alone."""
    c = shape[1]
    mean, var = ember.zeros(c), ember.ones(c)
    weight, bias = t(c, grad=True), t(c, grad=True)
    out = F.batch_norm(t(*shape), mean, var, weight, bias, training=training)
    assert out.shape == shape
    assert (mean.numpy() == 0).all() and (var.numpy() == 1).all()
    out.sum().backward()
    assert weight.grad.shape == (c,) and not weight.grad.numpy().any()


def test_group_and_instance_norm_of_empty_input():
    assert F.group_norm(t(0, 4, 3), 2).shape == (0, 4, 3)
    assert F.group_norm(t(2, 0, 3), 1).shape == (2, 0, 3)
    assert F.instance_norm(t(0, 3, 4)).shape == (0, 3, 4)
    with pytest.raises(ZeroDivisionError, match="Expected num groups to be greater than 0, got 0"):
        F.group_norm(t(2, 4, 3), 0)
    with pytest.raises(RuntimeError, match="Expected num groups to be greater than 0, got -1"):
        F.group_norm(t(2, 4, 3), -1)


@pytest.mark.parametrize(("fn", "name"), [(F.pixel_shuffle, "upscale_factor"),
                                          (F.pixel_unshuffle, "downscale_factor")])
def test_pixel_shuffle_refuses_non_positive_factors(fn, name):
    for factor in (0, -2):
        with pytest.raises(RuntimeError, match=f"expects a positive {name}, but got {factor}"):
            fn(t(1, 4, 2, 2), factor)
    with pytest.raises(RuntimeError, match=r"expects input to have at least 3 dimensions, but got input with 2 "
                                           r"dimension\(s\)"):
        fn(t(4, 2), 2)


@pytest.mark.parametrize(("shape", "kwargs", "message"), [
    ((1, 1, 4, 4), {"size": 0}, r"input \(H: 4, W: 4\) output \(H: 0, W: 0\)"),
    ((1, 1, 4, 4), {"scale_factor": -1.0, "mode": "bilinear"}, r"input \(H: 4, W: 4\) output \(H: -4, W: -4\)"),
    ((1, 1, 0, 4), {"size": 3}, r"input \(H: 0, W: 4\) output \(H: 3, W: 3\)"),
    ((1, 1, 4), {"size": 0, "mode": "linear"}, r"input \(W: 4\) and output \(W: 0\)"),
])
def test_interpolate_refuses_empty_sizes(shape, kwargs, message):
    """An empty input indexed position -1; an empty or negative size gave an empty result."""
    with pytest.raises(RuntimeError, match="Input and output sizes should be greater than 0, but got " + message):
        F.interpolate(ember.zeros(*shape), **kwargs)


@pytest.mark.parametrize(("mode", "pad", "expected"), [
    ("reflect", (-1, 2), [1, 2, 3, 4, 3, 2]),
    ("circular", (-1, 2), [1, 2, 3, 4, 1, 2]),
    ("replicate", (-2, 1), [2, 3, 4, 4]),
    ("reflect", (2, -2), [2, 1, 0, 1, 2]),
])
def test_negative_padding_crops_in_every_mode(mode, pad, expected):
    """The other side then pads what is left (reflect and circular raised from narrow)."""
    out = F.pad(ember.arange(5.0).reshape(1, 1, 5), pad, mode=mode)
    assert out.numpy().ravel().tolist() == expected


@pytest.mark.parametrize(("shape", "groups"), [((1, 1), 1), ((1, 1, 1), 1), ((1, 2, 1), 2), ((1, 4), 4)])
def test_group_norm_refuses_one_value_per_group(shape, groups):
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        F.group_norm(ember.ones(*shape), groups)
    assert F.group_norm(ember.ones(2, 2, 1), 2).shape == (2, 2, 1)   # two values (across the batch) suffice


@pytest.mark.parametrize("make", [
    lambda: F.group_norm(ember.ones(0, 1, 4, 3), 1, ember.ones(())),    # checked on an empty input too
    lambda: F.group_norm(ember.ones(2, 2, 3), 1, ember.ones(1, 2)),
    lambda: F.group_norm(ember.ones(2, 2, 3), 1, None, ember.ones(1, 2)),
    lambda: F.layer_norm(ember.ones(4), [4], ember.ones(4, 1)),
    lambda: F.layer_norm(ember.ones(3, 4), [4], None, ember.ones(1, 4)),
])
def test_norm_affine_parameters_must_have_the_normalised_shape(make):
    with pytest.raises(RuntimeError, match=r"Expected (weight|bias) to be (a vector of size equal to the number of "
                                           r"channels|of same shape as normalized_shape)"):
        make()


@pytest.mark.parametrize("shape, weight", [((2, 1, 0), (2, 1, 1)), ((2, 1, 3, 0), (2, 1, 1, 1))])
def test_conv_refuses_an_empty_plane_even_with_padding(shape, weight):
    # the fuzzer (seed 5) found conv1d returning (2, 2, 1) for a length-0 input padded by 1
    fn = F.conv1d if len(shape) == 3 else F.conv2d
    with pytest.raises(RuntimeError, match=r"Only zero batch or zero channel inputs are supported, but got input "
                                           r"shape: \[2, 1, (1|3), 0\]"):
        fn(ember.zeros(*shape), ember.zeros(*weight), padding=1)
    assert fn(ember.zeros(0, *shape[1:]), ember.zeros(*weight), padding=1).shape[0] == 0  # an empty batch is fine
