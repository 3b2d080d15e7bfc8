"""The CPU convolution algorithms the cost model chooses among, each against NumPy, and what they must not do.

``conv_cost.plan`` picks im2col + products (image by image or over the whole batch), the input itself as the
columns of a 1x1 stride-1 unpadded convolution, or Winograd F(2x2, 3x3); every variant must give the same
values and gradients, whatever the shapes make the model pick.
"""

import tracemalloc

import nn_refs as ref
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradgradcheck
from ember.backends.cpu import _winograd, conv_cost
from ember.backends.cpu.conv_cost import Plan

rng = np.random.default_rng(7)

SHAPES = [  # x, w, stride, padding, dilation, groups
    ((2, 3, 9, 8), (5, 3, 3, 3), (1, 1), (1, 1), (1, 1), 1),
    ((3, 4, 7, 9), (6, 2, 3, 2), (2, 3), (1, 2), (2, 1), 2),      # strided, dilated, grouped
    ((2, 6, 6, 5), (6, 1, 3, 3), (1, 1), (1, 1), (1, 1), 6),      # depthwise
    ((2, 8, 5, 7), (6, 8, 1, 1), (1, 1), (0, 0), (1, 1), 1),      # 1x1: the input is its own columns
    ((2, 8, 6, 4), (6, 4, 1, 1), (1, 1), (0, 0), (1, 1), 2),      # 1x1, grouped
    ((2, 8, 5, 7), (6, 8, 1, 1), (2, 2), (0, 0), (1, 1), 1),      # 1x1 strided: im2col
    ((4, 16, 2, 2), (16, 16, 3, 3), (1, 1), (1, 1), (1, 1), 1),   # a small map, ResNet's deep layers
    ((3, 5, 4, 3), (2, 5, 4, 3), (1, 1), (0, 0), (1, 1), 1),      # the kernel spans the image: a transposition
    ((2, 4, 3, 3), (6, 2, 3, 3), (2, 3), (0, 0), (1, 1), 2),      # spans it, strided (one window anyway), grouped
    ((2, 4, 4, 4), (3, 4, 4, 4), (1, 1), (1, 1), (1, 1), 1),      # as large as the image but padded: im2col
]


def weight_gradient(x, g, w_shape, stride, padding, dilation, groups):
    """dW[o, c, i, j] = sum over images and positions of g[n, o] times the input under tap (i, j)."""
    o, cg, kh, kw = w_shape
    ho, wo = g.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    gw = np.zeros(w_shape)
    for i in range(kh):
        for j in range(kw):
            y0, x0 = i * dilation[0], j * dilation[1]
            patch = xp[:, :, y0:y0 + stride[0] * (ho - 1) + 1:stride[0], x0:x0 + stride[1] * (wo - 1) + 1:stride[1]]
            for grp in range(groups):
                gg = g[:, grp * (o // groups):(grp + 1) * (o // groups)]
                pp = patch[:, grp * cg:(grp + 1) * cg]
                gw[grp * (o // groups):(grp + 1) * (o // groups), :, i, j] = np.einsum("nopq,ncpq->oc", gg, pp)
    return gw


@pytest.mark.parametrize(("batched_out", "batched_gx"), [(False, False), (False, True), (True, False), (True, True)])
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation", "groups"), SHAPES)
@pytest.mark.parametrize("bias", [True, False])
def test_every_product_layout_gives_the_same_convolution(monkeypatch, batched_out, batched_gx, x_shape, w_shape,
                                                          stride, padding, dilation, groups, bias):
    def forced(*args):
        chosen, _ = conv_cost.gemm_plan(*args)
        return Plan("gemm", chosen.columns, batched_out, batched_gx)
    monkeypatch.setattr(conv_cost, "plan", forced)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0]) if bias else None
    tx, tw = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    tb = ember.tensor(b, requires_grad=True) if bias else None
    out = F.conv2d(tx, tw, tb, stride, padding, dilation, groups)
    expected = ref.conv2d(x, w, b, stride, padding, dilation, groups)
    assert out.is_contiguous()
    np.testing.assert_allclose(out.detach().numpy(), expected, atol=1e-10)
    g = rng.standard_normal(expected.shape)
    out.backward(ember.tensor(g))
    np.testing.assert_allclose(tw.grad.numpy(), weight_gradient(x, g, w_shape, stride, padding, dilation, groups),
                               atol=1e-10)
    full = [(g.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (w_shape[2 + i] - 1) + 1
            for i in range(2)]
    gx = ref.conv_transpose2d(g, w, None, stride, padding, (x_shape[2] - full[0], x_shape[3] - full[1]), groups,
                              dilation)
    np.testing.assert_allclose(tx.grad.numpy(), gx, atol=1e-10)
    if bias:
        np.testing.assert_allclose(tb.grad.numpy(), g.sum(axis=(0, 2, 3)), atol=1e-10)


def test_weight_gradient_is_one_product_not_a_stack_per_image():
    """A batch of 64 images on a 1x1 map with 256 channels: a per-image (K, C_out) stack summed afterwards would
    take 64 * 2304 * 256 * 4 bytes = 151 MB; one product over the batch needs the columns and the result."""
    x = ember.randn(64, 256, 1, 1, requires_grad=True)
    w = ember.randn(256, 256, 3, 3, requires_grad=True)
    out = F.conv2d(x, w, padding=1)
    tracemalloc.start()
    try:
        out.backward(ember.ones_like(out))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20e6, peak
    x64 = x.detach().numpy().astype(np.float64)
    expected = weight_gradient(x64, np.ones((64, 256, 1, 1)), (256, 256, 3, 3), (1, 1), (1, 1), (1, 1), 1)
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-4, atol=1e-3)


def test_winograd_transforms_the_filters_once_per_step(monkeypatch):
    """The backward's input gradient reuses the filters the forward transformed."""
    calls = []
    transform = _winograd.filter_transform
    monkeypatch.setattr(_winograd, "filter_transform", lambda *args: calls.append(1) or transform(*args))
    monkeypatch.setattr(conv_cost, "plan", conv_cost.winograd_where_it_fits)
    x = ember.randn(2, 16, 8, 8, dtype=ember.float64, requires_grad=True)
    w = ember.randn(24, 16, 3, 3, dtype=ember.float64, requires_grad=True)
    out = F.conv2d(x, w, padding=1)
    out.backward(ember.ones_like(out))
    assert len(calls) == 1
    np.testing.assert_allclose(x.grad.numpy(), ref.conv_transpose2d(np.ones(out.shape), w.detach().numpy(),
                                                                     padding=(1, 1)), atol=1e-10)


def test_cost_model_chooses_by_size_not_by_shape():
    """The same layer flips from one product over the batch to Winograd as its map grows, and to image-by-image
    products as the batch's maps get large enough that moving the output costs more than re-reading weights."""
    def chosen(n, c, h):
        return conv_cost.plan((n, c, h, h), (c, c, 3, 3), (1, 1), (1, 1), (1, 1), 1)
    algorithms = [chosen(8, 256, h).algorithm for h in (1, 2, 4, 8, 16, 32)]
    assert algorithms[0] == "gemm" and algorithms[-1] == "winograd"
    assert algorithms == sorted(algorithms)      # gemm ... gemm winograd ... winograd: one switch
    assert chosen(8, 256, 1).batched_out and chosen(8, 256, 1).batched_gx
    stem = conv_cost.plan((8, 3, 224, 224), (64, 3, 7, 7), (2, 2), (3, 3), (1, 1), 1)
    assert stem.algorithm == "gemm" and not stem.batched_out
    one_by_one = conv_cost.plan((8, 64, 16, 16), (128, 64, 1, 1), (1, 1), (0, 0), (1, 1), 1)
    assert not one_by_one.columns
    assert conv_cost.plan((8, 64, 16, 16), (128, 64, 1, 1), (2, 2), (0, 0), (1, 1), 1).columns


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation"), [
    ((3, 5, 4, 3), (2, 5, 4, 3), (1, 1), (0, 0), (1, 1)),
    ((2, 3, 1, 5), (4, 3, 1, 5), (2, 1), (0, 0), (3, 1)),   # a dilated axis of one tap still spans the image
])
def test_a_kernel_spanning_the_image_needs_no_im2col(monkeypatch, x_shape, w_shape, stride, padding, dilation):
    """One window per image: the columns are the images transposed and the input gradient their transposition back
    (no Cython gather or scatter); the same values as the definition, for conv2d and conv_transpose2d."""
    from ember.backends.cpu import _im2col, conv_gemm

    def refused(*args):
        raise AssertionError("im2col/col2im ran for a kernel spanning the image")
    monkeypatch.setattr(_im2col, "im2col", refused)
    monkeypatch.setattr(_im2col, "col2im", refused)
    assert conv_gemm.spans_input(x_shape, w_shape[2:], padding, dilation)
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    tx, tw = ember.tensor(x, requires_grad=True), ember.tensor(w, requires_grad=True)
    out = F.conv2d(tx, tw, None, stride, padding, dilation)
    np.testing.assert_allclose(out.detach().numpy(), ref.conv2d(x, w, None, stride, padding, dilation, 1),
                               atol=1e-10)
    g = rng.standard_normal(tuple(out.shape))
    out.backward(ember.tensor(g))
    np.testing.assert_allclose(tw.grad.numpy(), weight_gradient(x, g, w_shape, stride, padding, dilation, 1),
                               atol=1e-10)
    np.testing.assert_allclose(tx.grad.numpy(), ref.conv_transpose2d(g, w, None, stride, padding, (0, 0), 1,
                                                                     dilation), atol=1e-10)
    # the generator's first layer: a 1x1 input transposed-convolved to the kernel's size
    tg = ember.tensor(g, requires_grad=True)
    up = F.conv_transpose2d(tg, tw, None, stride, padding, 0, 1, dilation)
    np.testing.assert_allclose(up.detach().numpy(), tx.grad.numpy(), atol=1e-10)
    up.backward(ember.tensor(x))
    np.testing.assert_allclose(tg.grad.numpy(), out.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(tw.grad.numpy(), 2 * weight_gradient(x, g, w_shape, stride, padding, dilation, 1),
                               atol=1e-10)


def test_a_padded_or_dilated_kernel_does_not_span_the_image():
    from ember.backends.cpu import conv_gemm
    assert not conv_gemm.spans_input((2, 3, 4, 4), (4, 4), (1, 0), (1, 1))
    assert not conv_gemm.spans_input((2, 3, 4, 4), (4, 4), (0, 0), (1, 2))
    assert not conv_gemm.spans_input((2, 3, 4, 5), (4, 4), (0, 0), (1, 1))


@pytest.mark.parametrize(("stride", "padding", "output_padding", "groups", "dilation"),
                         [(2, 1, 0, 1, 1), (2, 1, 1, 2, 1), (1, 0, 0, 1, 2), (3, 2, 1, 1, 1)])
def test_conv_transpose2d_runs_as_the_adjoint_kernel(monkeypatch, stride, padding, output_padding, groups, dilation):
    """The fused kernel (not im2col's composite) computes the output and both backward passes, which equal the
    composite's, and double backward (create_graph) goes through differentiable ops."""
    from ember.backends.cpu import nn_ops
    calls = []
    kernels = ember.ones(1).device._kernels
    for name in ("conv_transpose2d", "conv_transpose2d_backward"):
        monkeypatch.setitem(kernels, name, lambda *a, _f=getattr(nn_ops, name), _n=name: calls.append(_n) or _f(*a))
    x = rng.standard_normal((2, 4, 5, 4))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(3 * groups)
    tx, tw, tb = (ember.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv_transpose2d(tx, tw, tb, stride, padding, output_padding, groups, dilation)
    np.testing.assert_allclose(out.detach().numpy(), ref.conv_transpose2d(x, w, b, stride=(stride,) * 2,
                               padding=(padding,) * 2, output_padding=(output_padding,) * 2, groups=groups,
                               dilation=(dilation,) * 2), atol=1e-10)
    g = rng.standard_normal(tuple(out.shape))
    out.backward(ember.tensor(g))
    assert calls == ["conv_transpose2d", "conv_transpose2d_backward"]
    # the gradients by the definition of the adjoint: conv2d of g gives x's, the pairing of x with g's windows w's
    np.testing.assert_allclose(tx.grad.numpy(), ref.conv2d(g, w, None, (stride,) * 2, (padding,) * 2,
                                                           (dilation,) * 2, groups)[:, :, :5, :4], atol=1e-10)
    np.testing.assert_allclose(tw.grad.numpy(), weight_gradient(g, x, w.shape, (stride,) * 2, (padding,) * 2,
                                                                (dilation,) * 2, groups), atol=1e-10)
    np.testing.assert_allclose(tb.grad.numpy(), g.sum(axis=(0, 2, 3)), atol=1e-10)
    small = (ember.tensor(rng.standard_normal((1, 4, 3, 2)), requires_grad=True),
             ember.tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True))
    assert gradgradcheck(lambda a, c: F.conv_transpose2d(a, c, None, stride, padding, output_padding, groups,
                                                         dilation), small, atol=1e-4)
