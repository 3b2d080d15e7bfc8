"""Derivatives of the neural-network ops (``ember/ops/nn_ops.py``).

The pooling and embedding kernels come in adjoint pairs (``im2col``/``col2im``,
``max_pool_scatter``/``max_pool_gather``, ``avg_pool2d``/``avg_pool2d_backward``, ...), so each
rule is the other kernel of its pair and double backward works without extra code.
"""

from __future__ import annotations

from ember import _core
from ember.autograd.rules import rule
from ember.ops import nn_ops
from ember.ops.activation import softmax
from ember.ops.creation import ones_like, zeros_like
from ember.ops.pointwise import where


@rule("im2col", "Im2ColBackward0", save_inputs=False)
def _im2col(grad, inputs, output, params):
    kernel, stride, padding, dilation = params
    return nn_ops.col2im(grad, tuple(inputs[0].shape[2:]), kernel, stride, padding, dilation)


@rule("col2im", "Col2ImBackward0", save_inputs=False)
def _col2im(grad, inputs, output, params):
    _, kernel, stride, padding, dilation = params
    return nn_ops.im2col(grad, kernel, stride, padding, dilation)


@rule("conv2d", "ConvolutionBackward0", save_output=(1,))  # the saved columns, not y (ReLU(inplace))
def _conv2d(grad, inputs, output, params, needs):
    g = grad[0]
    x, w = inputs[0], inputs[1]
    has_bias = len(inputs) == 3
    if not _core.is_grad_enabled() and "conv2d_backward" in g._device._kernels:
        # the backend's fused backward reads whatever its forward kernel saved (columns, tiles)
        want = (needs[0], needs[1], has_bias and needs[2])
        gx, gw, gb = _core.call("conv2d_backward", (g, x, w, output[1]), tuple(params) + (want,))
        grads = (gx if want[0] else None, gw if want[1] else None, gb if want[2] else None)
        return grads if has_bias else grads[:2]
    return _conv2d_composite_grads(g, x, w, params, needs, has_bias)


def _conv2d_composite_grads(g, x, w, params, needs, has_bias):
    """conv2d's gradients from differentiable ops (used with create_graph, or without a fused kernel)."""
    stride, padding, dilation, groups = params
    n, c_out, ho, wo = g.shape
    kernel = tuple(w.shape[2:])
    g2 = g.permute(1, 0, 2, 3).reshape(groups, c_out // groups, n * ho * wo)
    gx = gw = gb = None
    if needs[0]:
        # contiguous: NumPy's batched matmul has no BLAS path for a transposed first operand
        w2 = w.reshape(groups, c_out // groups, -1).transpose(1, 2).contiguous()
        gcols = w2.matmul(g2).reshape(-1, n, ho * wo)
        gx = nn_ops.col2im(gcols, tuple(x.shape[2:]), kernel, stride, padding, dilation)
    if needs[1]:
        cols = nn_ops.im2col(x, kernel, stride, padding, dilation)
        gw = g2.matmul(cols.reshape(groups, -1, n * ho * wo).transpose(1, 2)).reshape(w.shape)
    if not has_bias:
        return gx, gw
    if needs[2]:
        gb = g.sum((0, 2, 3))
    return gx, gw, gb


@rule("conv_transpose2d", "ConvolutionBackward0")
def _conv_transpose2d(grad, inputs, output, params, needs):
    x, w = inputs[0], inputs[1]
    has_bias = len(inputs) == 3
    _, stride, padding, dilation, groups = params
    if not _core.is_grad_enabled() and "conv_transpose2d_backward" in grad._device._kernels:
        want = (needs[0], needs[1], has_bias and needs[2])
        gx, gw, gb = _core.call("conv_transpose2d_backward", (grad, x, w), (stride, padding, dilation, groups, want))
        grads = (gx if want[0] else None, gw if want[1] else None, gb if want[2] else None)
        return grads if has_bias else grads[:2]
    # differentiable ops (create_graph): the input gradient is a convolution of grad, the weight gradient
    # pairs x with grad's columns, as conv2d's weight gradient pairs its output gradient with its input's
    gx = gw = gb = None
    if needs[0]:
        gx = nn_ops.conv2d(grad, w, None, stride, padding, dilation, groups)
    if needs[1]:
        n, c_in = x.shape[:2]
        cols = nn_ops.im2col(grad, tuple(w.shape[2:]), stride, padding, dilation)
        x2 = x.permute(1, 0, 2, 3).reshape(groups, c_in // groups, -1)
        gw = x2.matmul(cols.reshape(groups, cols.shape[0] // groups, -1).transpose(1, 2)).reshape(w.shape)
    if not has_bias:
        return gx, gw
    if needs[2]:
        gb = grad.sum((0, 2, 3))
    return gx, gw, gb


@rule("leaky_relu", "LeakyReluBackward0", save_inputs=False, save_output=True)
def _leaky_relu(grad, inputs, output, params):
    # the output has the input's sign (the op is only called with a slope of 0 or more), so in-place use works
    return nn_ops.leaky_relu_backward(grad, output, params[0])


@rule("leaky_relu_backward", "LeakyReluBackwardBackward0", save_inputs=(1,))
def _leaky_relu_backward(grad, inputs, output, params):
    return nn_ops.leaky_relu_backward(grad, inputs[1], params[0]), None


@rule("max_pool2d", "MaxPool2DWithIndicesBackward0", save_inputs=False, save_output=(1,))
def _max_pool2d(grad, inputs, output, params):
    return _core.call("max_pool_scatter", (grad[0], output[1]), (tuple(inputs[0].shape[2:]),))


@rule("adaptive_max_pool2d", "AdaptiveMaxPool2DBackward0", save_inputs=False, save_output=(1,))
def _adaptive_max_pool2d(grad, inputs, output, params):
    return _core.call("max_pool_scatter", (grad[0], output[1]), (tuple(inputs[0].shape[2:]),))


@rule("max_pool_scatter", "MaxPool2DWithIndicesBackwardBackward0")
def _max_pool_scatter(grad, inputs, output, params):
    return _core.call("max_pool_gather", (grad, inputs[1]), ()), None


@rule("max_pool_gather", "MaxPoolGatherBackward0")
def _max_pool_gather(grad, inputs, output, params):
    return _core.call("max_pool_scatter", (grad, inputs[1]), (tuple(inputs[0].shape[-2:]),)), None


@rule("avg_pool2d", "AvgPool2DBackward0", save_inputs=False)
def _avg_pool2d(grad, inputs, output, params):
    return _core.call("avg_pool2d_backward", (grad,), (tuple(inputs[0].shape[2:]),) + tuple(params))


@rule("avg_pool2d_backward", "AvgPool2DBackwardBackward0", save_inputs=False)
def _avg_pool2d_backward(grad, inputs, output, params):
    return _core.call("avg_pool2d", (grad,), tuple(params[1:]))


@rule("adaptive_avg_pool2d", "AdaptiveAvgPool2DBackward0", save_inputs=False)
def _adaptive_avg_pool2d(grad, inputs, output, params):
    return _core.call("adaptive_avg_pool2d_backward", (grad,), (tuple(inputs[0].shape[2:]),))


@rule("adaptive_avg_pool2d_backward", "AdaptiveAvgPool2DBackwardBackward0", save_inputs=False)
def _adaptive_avg_pool2d_backward(grad, inputs, output, params):
    return _core.call("adaptive_avg_pool2d", (grad,), (tuple(inputs[0].shape[2:]),))


@rule("embedding", "EmbeddingBackward0")
def _embedding(grad, inputs, output, params):
    weight, indices = inputs
    return _core.call("embedding_backward", (grad, indices), (weight.shape[0], params[0])), None


@rule("embedding_backward", "EmbeddingBackwardBackward0")
def _embedding_backward(grad, inputs, output, params):
    indices = inputs[1]
    rows = _core.call("embedding", (grad, indices), (-1,))
    padding_idx = params[1]
    if padding_idx >= 0:
        rows = rows * (indices != padding_idx).unsqueeze(-1).to(rows.dtype)
    return rows, None


@rule("batch_norm", "NativeBatchNormBackward0", save_output=(1, 2))  # mean and var, not the output
def _batch_norm(grad, inputs, output, params, needs):
    """out = (x - mean) * invstd * w + b with batch statistics: the usual three-term formula."""
    has_weight, has_bias, eps = params
    x = inputs[0]
    weight = inputs[1] if has_weight else None
    g = grad[0]
    mean, var = output[1], output[2]
    if not _core.is_grad_enabled() and "batch_norm_backward" in g._device._kernels:
        want = (needs[0], has_weight and needs[1], has_bias and needs[-1])
        extra = (weight,) if has_weight else ()
        gx, gw, gb = _core.call("batch_norm_backward", (g, x, mean, var) + extra, (has_weight, eps, want))
        return ((gx if want[0] else None,) + ((gw if want[1] else None,) if has_weight else ())
                + ((gb if want[2] else None,) if has_bias else ()))
    c = x.shape[1]
    dims = (0,) + tuple(range(2, x.ndim))
    shape = (1, c) + (1,) * (x.ndim - 2)
    count = x.numel() // c
    if _core.is_grad_enabled():   # create_graph: statistics as functions of x
        mean = x.mean(dims)
        centered = x - mean.reshape(shape)
        var = (centered * centered).mean(dims)
    else:
        centered = x - mean.reshape(shape)
    invstd = (var + eps).rsqrt()
    xhat = centered * invstd.reshape(shape)
    sum_g = g.sum(dims)
    sum_gx = (g * xhat).sum(dims)
    grads = []
    if needs[0]:
        scale = invstd if weight is None else invstd * weight
        gx = (g - (sum_g / count).reshape(shape) - xhat * (sum_gx / count).reshape(shape)) * scale.reshape(shape)
        grads.append(gx)
    else:
        grads.append(None)
    if has_weight:
        grads.append(sum_gx if needs[1] else None)
    if has_bias:
        grads.append(sum_g if needs[-1] else None)
    return tuple(grads)


@rule("nll_loss", "NllLossBackward0", save_output=True)
def _nll_loss(grad, inputs, output, params):
    reduction, ignore_index = params
    x, target = inputs[0], inputs[1]
    extra = tuple(inputs[2:])
    gx = _core.call("nll_loss_backward", (grad[0], target, output[1]) + extra,
                    (reduction, ignore_index, x.shape[1]))
    return (gx, None) + (None,) * len(extra)


@rule("nll_loss_backward", "NllLossBackwardBackward0")
def _nll_loss_backward(grad, inputs, output, params):
    """``nll_loss_backward`` is linear in its gradient argument, with ``nll_loss`` as adjoint."""
    reduction, ignore_index, _ = params
    target = inputs[1]
    extra = tuple(inputs[3:])
    gg = _core.call("nll_loss", (grad, target) + extra, (reduction, ignore_index))[0]
    return (gg, None, None) + (None,) * len(extra)


@rule("cross_entropy", "NllLossBackward0", save_output=(1, 2))  # the softmax and the divisor, not the loss
def _cross_entropy(grad, inputs, output, params):
    """loss = -log softmax(x)[target]: the logits get (softmax - onehot) times each row's scale. With
    create_graph (grad mode on) the softmax is recomputed from x, so the result is differentiable again."""
    reduction, ignore_index = params
    x, target = inputs[0], inputs[1]
    extra = tuple(inputs[2:])
    g = grad[0]
    if g is None:   # only the saved softmax or divisor were reached, which are not differentiable outputs
        return (None, None) + (None,) * len(extra)
    if not _core.is_grad_enabled() and "cross_entropy_backward" in g._device._kernels:
        gx = _core.call("cross_entropy_backward", (g, output[1], target, output[2]) + extra, (reduction, ignore_index))
        return (gx, None) + (None,) * len(extra)
    keep = target != ignore_index
    safe = where(keep, target, zeros_like(target))
    w = keep.to(x.dtype) if not extra else extra[0].gather(0, safe) * keep.to(x.dtype)
    scale = w * (g / output[2].detach() if reduction == "mean" else g)
    prob = softmax(x, 1)
    onehot = zeros_like(prob).scatter(1, safe.unsqueeze(1), ones_like(prob[:, :1]))
    gx = (prob - onehot) * scale.reshape(-1, 1)
    return (gx, None) + (None,) * len(extra)
