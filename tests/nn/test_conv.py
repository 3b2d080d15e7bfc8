"""Convolutions: values against a direct NumPy convolution, gradients by finite differences, errors."""

import nn_refs as ref
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(0)


def t64(*shape, requires_grad=True):
    return ember.tensor(rng.standard_normal(shape), dtype=ember.float64, requires_grad=requires_grad)


@pytest.mark.parametrize(("stride", "padding", "dilation", "groups"), [
    ((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (1, 1), 1), ((1, 2), (1, 1), (2, 1), 2), ((3, 3), (2, 0), (1, 2), 4)])
def test_conv2d_values(stride, padding, dilation, groups):
    x = rng.standard_normal((2, 4, 9, 8))
    w = rng.standard_normal((8, 4 // groups, 3, 2))
    b = rng.standard_normal(8)
    out = F.conv2d(ember.tensor(x), ember.tensor(w), ember.tensor(b), stride, padding, dilation, groups)
    np.testing.assert_allclose(out.numpy(), ref.conv2d(x, w, b, stride, padding, dilation, groups), atol=1e-10)
    assert out.is_contiguous()


def test_conv2d_float32_and_unbatched():
    x = rng.standard_normal((3, 6, 6)).astype(np.float32)
    w = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    out = F.conv2d(ember.tensor(x), ember.tensor(w), padding=1)
    assert out.shape == (2, 6, 6) and out.dtype is ember.float32
    np.testing.assert_allclose(out.numpy(), ref.conv2d(x[None], w, padding=(1, 1))[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("kernel", [(3, 3), (2, 4), (1, 1)])
def test_conv2d_same_and_valid_padding(kernel):
    x = rng.standard_normal((1, 2, 7, 6))
    w = rng.standard_normal((3, 2) + kernel)
    same = F.conv2d(ember.tensor(x), ember.tensor(w), padding="same", dilation=(1, 2))
    assert same.shape[2:] == (7, 6)
    total = [d * (k - 1) for k, d in zip(kernel, (1, 2))]
    pads = [(t // 2, t - t // 2) for t in total]
    xp = np.pad(x, ((0, 0), (0, 0), pads[0], pads[1]))
    np.testing.assert_allclose(same.numpy(), ref.conv2d(xp, w, dilation=(1, 2)), atol=1e-10)
    valid = F.conv2d(ember.tensor(x), ember.tensor(w), padding="valid")
    np.testing.assert_allclose(valid.numpy(), ref.conv2d(x, w), atol=1e-10)


def test_conv2d_gradcheck_every_input():
    for stride, padding, dilation, groups in [((1, 1), (1, 1), (1, 1), 1), ((2, 1), (0, 1), (2, 1), 2)]:
        x, w, b = t64(2, 2, 5, 3), t64(2, 2 // groups, 3, 2), t64(2)
        assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation, groups), (x, w, b))
    assert gradcheck(lambda x, w: F.conv2d(x, w, padding="same"), (t64(1, 2, 3, 3), t64(2, 2, 2, 2)))


def _conv2d_weight_grad(x, g, w_shape, stride, padding, dilation, groups):
    """dL/dw[o, ci, i, j] = sum over n, y, x of g[n, o, y, x] * x_padded[n, group(o)*cg + ci, i*d + y*s, j*d + x*s]."""
    co, cg, kh, kw = w_shape
    ho, wo = g.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))
    gw = np.zeros(w_shape)
    for o in range(co):
        for ci in range(cg):
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, o // (co // groups) * cg + ci,
                               i * dilation[0]: i * dilation[0] + stride[0] * (ho - 1) + 1: stride[0],
                               j * dilation[1]: j * dilation[1] + stride[1] * (wo - 1) + 1: stride[1]]
                    gw[o, ci, i, j] = (g[:, o] * patch).sum()
    return gw


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize(("shape", "w_shape", "stride", "padding", "dilation", "groups"), [
    ((3, 1, 12, 11), (6, 1, 5, 5), (1, 1), (2, 2), (1, 1), 1),      # LeNet's first layer, odd width
    ((2, 6, 9, 10), (4, 6, 5, 5), (1, 1), (0, 0), (1, 1), 1),       # its second: no padding, short rows
    ((2, 4, 7, 9), (6, 2, 3, 2), (2, 3), (1, 2), (2, 1), 2),        # strided, dilated, grouped
    ((1, 3, 2, 3), (2, 3, 2, 2), (1, 1), (3, 2), (1, 1), 1),        # rows and columns wholly in the padding
    ((2, 4, 8, 5), (4, 1, 1, 3), (3, 1), (0, 1), (1, 2), 4),        # depthwise, 1-high kernel
    ((1, 2, 4, 23), (3, 2, 3, 3), (1, 1), (1, 1), (1, 1), 1)])      # rows longer than the unrolled widths
def test_conv2d_im2col_path_against_numpy(dtype, shape, w_shape, stride, padding, dilation, groups):
    x = rng.standard_normal(shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    tx, tw, tb = (ember.tensor(a, dtype=dtype, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(tx, tw, tb, stride, padding, dilation, groups)
    tol = 1e-4 if dtype is ember.float32 else 1e-10
    assert out.dtype is dtype and out.is_contiguous()
    np.testing.assert_allclose(out.detach().numpy(), ref.conv2d(x, w, b, stride, padding, dilation, groups),
                               rtol=tol, atol=tol)
    g = rng.standard_normal(tuple(out.shape))
    out.backward(ember.tensor(g, dtype=dtype))
    assert tx.grad.dtype is dtype and tw.grad.dtype is dtype
    extra = tuple(shape[2 + k] - ((out.shape[2 + k] - 1) * stride[k] - 2 * padding[k]
                                  + dilation[k] * (w_shape[2 + k] - 1) + 1) for k in range(2))
    expected_gx = ref.conv_transpose2d(g, w, stride=stride, padding=padding, output_padding=extra, groups=groups,
                                       dilation=dilation)
    np.testing.assert_allclose(tx.grad.numpy(), expected_gx, rtol=tol, atol=tol)
    np.testing.assert_allclose(tw.grad.numpy(), _conv2d_weight_grad(x, g, w_shape, stride, padding, dilation, groups),
                               rtol=tol, atol=tol)
    np.testing.assert_allclose(tb.grad.numpy(), g.sum(axis=(0, 2, 3)), rtol=tol, atol=tol)


@pytest.mark.parametrize(("x_grad", "w_grad", "b_grad"), [(False, False, True), (True, False, True),
                                                          (False, True, False), (True, True, False)])
def test_conv2d_gradients_of_any_subset_of_inputs(x_grad, w_grad, b_grad):
    # the CPU kernel gets the bias gradient from the weight gradient's product when both are wanted
    x, w, b = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    tx, tw, tb = (ember.tensor(a, requires_grad=r) for a, r in ((x, x_grad), (w, w_grad), (b, b_grad)))
    out = F.conv2d(tx, tw, tb, padding=(1, 0))
    g = rng.standard_normal(tuple(out.shape))
    out.backward(ember.tensor(g))
    assert (tx.grad is not None, tw.grad is not None, tb.grad is not None) == (x_grad, w_grad, b_grad)
    if b_grad:
        np.testing.assert_allclose(tb.grad.numpy(), g.sum(axis=(0, 2, 3)), atol=1e-10)
    if w_grad:
        np.testing.assert_allclose(tw.grad.numpy(), _conv2d_weight_grad(x, g, w.shape, (1, 1), (1, 0), (1, 1), 1),
                                   atol=1e-10)
    if x_grad:
        np.testing.assert_allclose(tx.grad.numpy(), ref.conv_transpose2d(g, w, padding=(1, 0)), atol=1e-10)


def test_conv2d_grad_fn_name_and_double_backward():
    x, w = t64(1, 1, 3, 3), t64(2, 1, 2, 2)
    assert type(F.conv2d(x, w).grad_fn).__name__ == "ConvolutionBackward0"
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1), (x, w))


def test_conv1d_values_and_grad():
    x = rng.standard_normal((2, 3, 10))
    w = rng.standard_normal((4, 3, 3))
    b = rng.standard_normal(4)
    out = F.conv1d(ember.tensor(x), ember.tensor(w), ember.tensor(b), stride=2, padding=1, dilation=2)
    expected = ref.conv2d(x[:, :, None], w[:, :, None], b, (1, 2), (0, 1), (1, 2))[:, :, 0]
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-10)
    assert gradcheck(lambda x, w, b: F.conv1d(x, w, b, padding="same"), (t64(1, 3, 6), t64(2, 3, 3), t64(2)))


@pytest.mark.parametrize(("stride", "padding", "output_padding", "groups", "dilation"), [
    ((1, 1), (0, 0), (0, 0), 1, (1, 1)), ((2, 2), (1, 0), (1, 1), 1, (1, 1)), ((2, 3), (0, 1), (0, 2), 2, (2, 1))])
def test_conv_transpose2d_values_and_grad(stride, padding, output_padding, groups, dilation):
    x = rng.standard_normal((2, 4, 4, 3))
    w = rng.standard_normal((4, 6 // groups, 3, 2))
    b = rng.standard_normal(6)
    out = F.conv_transpose2d(ember.tensor(x), ember.tensor(w), ember.tensor(b), stride, padding, output_padding,
                             groups, dilation)
    expected = ref.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-10)
    assert gradcheck(lambda x, w, b: F.conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation),
                     (t64(1, 2, 2, 2), t64(2, 4 // groups, 2, 2), t64(4)))


def test_conv_transpose_is_adjoint_of_conv():
    x, y = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((2, 5, 4, 4))
    w = rng.standard_normal((5, 3, 3, 3))
    conv = F.conv2d(ember.tensor(x), ember.tensor(w), stride=2, padding=1).numpy()
    back = F.conv_transpose2d(ember.tensor(y), ember.tensor(w), stride=2, padding=1, output_padding=1).numpy()
    assert np.sum(conv * y) == pytest.approx(np.sum(x * back))


def test_conv_transpose1d():
    x, w = rng.standard_normal((1, 2, 5)), rng.standard_normal((2, 3, 3))
    out = F.conv_transpose1d(ember.tensor(x), ember.tensor(w), stride=2)
    expected = ref.conv_transpose2d(x[:, :, None], w[:, :, None], stride=(1, 2))[:, :, 0]
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-10)


def test_unfold_fold():
    x = rng.standard_normal((2, 3, 5, 4))
    cols = F.unfold(ember.tensor(x), (2, 3), padding=1, stride=(1, 2))
    assert cols.shape == (2, 18, 6 * 2)
    np.testing.assert_allclose(cols.numpy()[0, 4], np.pad(x[0, 0], 1)[1:7, 1:5:2].ravel(), atol=0)
    assert gradcheck(lambda t: F.unfold(t, 2, dilation=2, padding=1), (t64(1, 1, 4, 4),))
    assert gradcheck(lambda t: F.fold(t, (3, 3), 2, padding=1), (t64(1, 4, 4 * 4),))
    ones = F.fold(F.unfold(ember.ones(1, 1, 4, 4, dtype=ember.float64), 2), (4, 4), 2).numpy()
    np.testing.assert_array_equal(ones[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])


def test_conv_errors_match_pytorch():
    with pytest.raises(RuntimeError, match=r"Given groups=1, weight of size \[4, 3, 3, 3\], expected "
                                           r"input\[1, 5, 8, 8\] to have 3 channels, but got 5 channels instead"):
        F.conv2d(ember.ones(1, 5, 8, 8), ember.ones(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input to conv2d, but got "
                                           r"input of size: \[8, 8\]"):
        F.conv2d(ember.ones(8, 8), ember.ones(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match=r"Calculated padded input size per channel: \(2 x 2\). Kernel size: "
                                           r"\(3 x 3\). Kernel size can't be greater than actual input size"):
        F.conv2d(ember.ones(1, 1, 2, 2), ember.ones(1, 1, 3, 3))
    with pytest.raises(ValueError, match="padding='same' is not supported for strided convolutions"):
        F.conv2d(ember.ones(1, 1, 4, 4), ember.ones(1, 1, 3, 3), stride=2, padding="same")
    with pytest.raises(RuntimeError, match="Input type \\(Double\\) and weight type \\(Float\\) should be the same"):
        F.conv2d(ember.ones(1, 1, 4, 4, dtype=ember.float64), ember.ones(1, 1, 3, 3))


def test_conv_modules():
    conv = nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, bias=False)
    assert conv.weight.shape == (6, 2, 3, 3) and conv.bias is None
    x = ember.randn(2, 4, 8, 8)
    np.testing.assert_allclose(conv(x).detach().numpy(),
                               ref.conv2d(x.numpy(), conv.weight.detach().numpy(), None, (2, 2), (1, 1), (1, 1), 2),
                               rtol=1e-4, atol=1e-5)
    assert repr(conv) == "Conv2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=False)"
    assert repr(nn.Conv1d(2, 3, 3)) == "Conv1d(2, 3, kernel_size=(3,), stride=(1,))"
    assert repr(nn.Conv2d(2, 4, 3, padding="same", padding_mode="reflect")) == (
        "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=reflect)")
    assert repr(nn.ConvTranspose2d(2, 3, 3, output_padding=1, stride=2)) == (
        "ConvTranspose2d(2, 3, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_modes(mode):
    conv = nn.Conv2d(2, 3, 3, padding=1, padding_mode=mode).double()
    x = ember.randn(1, 2, 5, 5, dtype=ember.float64)
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
    xp = np.pad(x.numpy(), ((0, 0), (0, 0), (1, 1), (1, 1)), mode=np_mode)
    np.testing.assert_allclose(conv(x).detach().numpy(),
                               ref.conv2d(xp, conv.weight.detach().numpy(), conv.bias.detach().numpy()), atol=1e-10)


def test_conv_transpose_module_output_size():
    up = nn.ConvTranspose2d(2, 2, 3, stride=2, padding=1)
    x = ember.randn(1, 2, 4, 4)
    assert up(x).shape == (1, 2, 7, 7)
    assert up(x, output_size=(8, 8)).shape == (1, 2, 8, 8)
    with pytest.raises(ValueError, match="requested an output size of"):
        up(x, output_size=(10, 10))


@pytest.fixture
def winograd_always(monkeypatch):
    """Every 3x3 stride-1 convolution takes Winograd F(2x2, 3x3), whatever the cost model says."""
    from ember.backends.cpu import conv_cost
    monkeypatch.setattr(conv_cost, "plan", conv_cost.winograd_where_it_fits)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("padding", [0, 1, 2])
def test_winograd_path_for_3x3_convolutions(winograd_always, dtype, padding):
    x = rng.standard_normal((2, 16, 7, 6))
    w = rng.standard_normal((17, 16, 3, 3))
    b = rng.standard_normal(17)
    out = F.conv2d(ember.tensor(x, dtype=dtype), ember.tensor(w, dtype=dtype), ember.tensor(b, dtype=dtype),
                   padding=padding)
    expected = ref.conv2d(x, w, b, padding=(padding, padding))
    tol = 1e-4 if dtype is ember.float32 else 1e-10
    np.testing.assert_allclose(out.numpy(), expected, rtol=tol, atol=tol)
    if dtype is ember.float64 and padding == 1:
        xs, ws = t64(1, 16, 3, 3), t64(16, 16, 3, 3)
        assert gradcheck(lambda a, b: F.conv2d(a, b, padding=1), (xs, ws), atol=1e-4)


@pytest.mark.parametrize(("padding", "size"), [(0, (7, 6)), (1, (5, 8)), (2, (4, 4)), (1, (9, 13)), (0, (10, 3)),
                                               (1, (1, 2)), (3, (6, 5))])
def test_winograd_gradients_against_numpy(winograd_always, padding, size):
    x = rng.standard_normal((2, 16) + size)
    w = rng.standard_normal((18, 16, 3, 3))
    tx, tw = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    out = F.conv2d(tx, tw, padding=padding)
    g = rng.standard_normal(tuple(out.shape))
    out.backward(ember.tensor(g))
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(2, 3))   # n, c, y, x, i, j
    np.testing.assert_allclose(tw.grad.numpy(), np.einsum("noyx,ncyxij->ocij", g, windows), atol=1e-9)
    expected_gx = ref.conv_transpose2d(g, w, padding=(padding, padding))
    np.testing.assert_allclose(tx.grad.numpy(), expected_gx, atol=1e-9)


def test_winograd_float32_rounding_stays_small(winograd_always):
    """F(2x2, 3x3) in float32 with 64 channels: within 1e-6 of the output's scale, for output and both gradients
    (F(4x4, 3x3) needed 1e-5; tests/nn/test_conv_accuracy.py has the float32 bar at ResNet's shapes)."""
    r = np.random.default_rng(5)
    x = r.standard_normal((2, 64, 12, 12))
    w = r.uniform(-1, 1, (32, 64, 3, 3)) / np.sqrt(64 * 9)       # PyTorch's default initialisation range
    g = r.standard_normal((2, 32, 12, 12))
    results = {}
    for dtype in (ember.float32, ember.float64):
        tx = ember.tensor(x, dtype=dtype, requires_grad=True)
        tw = ember.tensor(w, dtype=dtype, requires_grad=True)
        out = F.conv2d(tx, tw, padding=1)
        out.backward(ember.tensor(g, dtype=dtype))
        results[dtype] = [out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy()]
    np.testing.assert_allclose(results[ember.float64][0], ref.conv2d(x, w, None, padding=(1, 1)), atol=1e-12)
    for single, exact in zip(results[ember.float32], results[ember.float64]):
        assert np.abs(single - exact).max() <= 1e-6 * np.abs(exact).max()


@pytest.mark.parametrize(("cin", "k", "stride", "padding", "size"), [(8, 1, 2, 0, 2), (4, 3, 1, 1, 1), (8, 3, 2, 1, 2)])
def test_convolution_with_a_single_output_pixel(cin, k, stride, padding, size):
    """Columns with one output position (ResNet's last stage on small images): values and gradients."""
    x, w = t64(2, cin, size, size), t64(5, cin, k, k)
    out = F.conv2d(x, w, stride=stride, padding=padding)
    assert out.shape[2:] == (1, 1)
    expected = ref.conv2d(x.detach().numpy(), w.detach().numpy(), None, stride=(stride, stride),
                          padding=(padding, padding))
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-12)
    assert gradcheck(lambda a, b: F.conv2d(a, b, stride=stride, padding=padding), (x, w))
