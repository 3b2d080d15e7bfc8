"""CPU kernels for ``ember.ops.nn_ops``: Cython im2col/col2im and pooling, BLAS for the products.

The Cython kernels take float32 or float64; other float dtypes go through float32.
"""

from __future__ import annotations

import numpy as np

from ember.backends.cpu import _im2col, _pooling, conv_cost, conv_gemm
from ember.backends.cpu.buffers import as_real as _real
from ember.backends.cpu.buffers import threads_for as _threads
from ember.backends.cpu.winograd import winograd_backward, winograd_conv


def _conv_out(size, k, s, p, d):
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def im2col(x, kernel, stride, padding, dilation):
    dtype = x.dtype
    x = _real(x)
    n, c, h, w = x.shape
    ho = _conv_out(h, kernel[0], stride[0], padding[0], dilation[0])
    wo = _conv_out(w, kernel[1], stride[1], padding[1], dilation[1])
    cols = np.empty((c * kernel[0] * kernel[1], n, ho * wo), dtype=x.dtype)
    _im2col.im2col(x, cols, *kernel, *stride, *padding, *dilation, _threads(cols.size))
    return cols.astype(dtype, copy=False)


def col2im(cols, size, kernel, stride, padding, dilation):
    dtype = cols.dtype
    cols = _real(cols)
    rows, n, _ = cols.shape
    x = np.zeros((n, rows // (kernel[0] * kernel[1])) + tuple(size), dtype=cols.dtype)
    _im2col.col2im(cols, x, *kernel, *stride, *padding, *dilation, _threads(cols.size))
    return x.astype(dtype, copy=False)


def _plan(x_shape, w_shape, stride, padding, dilation, groups, dtype):
    return conv_cost.plan(x_shape, w_shape, stride, padding, dilation, groups, np.dtype(dtype).itemsize)


def conv2d(x, w, *rest):
    """Fused convolution by the algorithm ``conv_cost.plan`` picks; returns (out, what its backward needs):
    the columns (gemm), nothing (1x1 gemm), or the transformed tiles and filters (Winograd)."""
    b, (stride, padding, dilation, groups) = (rest[0], rest[1:]) if len(rest) == 5 else (None, rest)
    plan = _plan(x.shape, w.shape, stride, padding, dilation, groups, _real(x[:0]).dtype)
    if plan.algorithm == "winograd":
        out, saved = winograd_conv(x, w, b, padding[0])
    else:
        out, saved = conv_gemm.conv_forward(x, w, b, stride, padding, dilation, groups, plan)
    return out.astype(x.dtype, copy=False), saved


def conv2d_backward(g, x, w, saved, stride, padding, dilation, groups, needs):
    """The gradients of ``conv2d`` (an empty array for one not in ``needs``) from what it saved."""
    empty = np.empty((0,), dtype=g.dtype)
    gb = None
    plan = _plan(x.shape, w.shape, stride, padding, dilation, groups, saved.dtype)
    if plan.algorithm == "winograd":
        gx, gw = winograd_backward(g, x.shape, w, saved, padding[0], needs[0], needs[1])
    else:
        gx, gw, gb = conv_gemm.conv_backward(g, x, w, saved, stride, padding, dilation, groups, needs, plan)
    if gb is None:
        gb = g.sum(axis=(0, 2, 3)) if needs[2] else empty
    return (empty if gx is None else gx.astype(x.dtype, copy=False),
            empty if gw is None else gw.astype(w.dtype, copy=False), gb.astype(g.dtype, copy=False))


def conv_transpose2d(x, w, *rest):
    """Transposed convolution as the adjoint of ``conv2d`` in its input: the convolution's input-gradient
    products and col2im (image by image or over the batch, as the cost model says), plus the bias."""
    b, (size, stride, padding, dilation, groups) = (rest[0], rest[1:]) if len(rest) == 6 else (None, rest)
    dtype, x = x.dtype, _real(x)
    image = (x.shape[0], w.shape[1] * groups) + tuple(size)     # the input of the convolution it is the adjoint of
    plan = conv_cost.gemm_plan(image, w.shape, stride, padding, dilation, groups, x.itemsize)[0]
    out = conv_gemm.input_gradient(x, w, image, stride, padding, dilation, groups, plan)
    if b is not None:
        out += np.asarray(b, dtype=out.dtype).reshape(1, -1, 1, 1)
    return out.astype(dtype, copy=False)


def conv_transpose2d_backward(g, x, w, stride, padding, dilation, groups, needs):
    """(dX, dW, db) of ``conv_transpose2d``: dX is the convolution of ``g``, dW the convolution's weight gradient
    with the roles of image and output gradient swapped (both from one im2col of ``g``); an empty array for one
    not in ``needs``."""
    empty = np.empty((0,), dtype=g.dtype)
    g = _real(g)
    x = np.ascontiguousarray(x, dtype=g.dtype)
    gx = gw = cols = empty
    plan = conv_cost.gemm_plan(g.shape, w.shape, stride, padding, dilation, groups, g.itemsize)[0]
    if needs[0]:       # the forward's columns of g serve the weight gradient too
        gx, cols = conv_gemm.conv_forward(g, w, None, stride, padding, dilation, groups, plan)
    elif plan.columns:
        cols = conv_gemm.columns(g, w.shape[2:], stride, padding, dilation)
    if needs[1]:
        gw = conv_gemm.weight_gradient(conv_gemm.by_channel(x, groups), g, cols, w.shape, stride, padding, dilation,
                                       groups, plan, False)[0]
    gb = g.sum(axis=(0, 2, 3)) if needs[2] else empty
    return tuple(a.astype(w.dtype, copy=False) for a in (gx, gw, gb))


def _planes(x):
    """(N, C, H, W) -> contiguous (N*C, H, W) float32/float64."""
    x = _real(x)
    return x.reshape((-1,) + x.shape[-2:])


def _pool_out(size, k, pad, stride, dilation, ceil_mode):
    out = (size + 2 * pad - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def max_pool2d(x, kernel, stride, padding, dilation, ceil_mode):
    n, c, h, w = x.shape
    ho = _pool_out(h, kernel[0], padding[0], stride[0], dilation[0], ceil_mode)
    wo = _pool_out(w, kernel[1], padding[1], stride[1], dilation[1], ceil_mode)
    planes = _planes(x)
    out = np.empty((planes.shape[0], ho, wo), dtype=planes.dtype)
    idx = np.empty((planes.shape[0], ho, wo), dtype=np.int64)
    _pooling.max_pool2d(planes, out, idx, *kernel, *stride, *padding, *dilation, _threads(planes.size))
    return out.astype(x.dtype, copy=False).reshape(n, c, ho, wo), idx.reshape(n, c, ho, wo)


def max_pool_scatter(grad, indices, size):
    lead = grad.shape[:-2]
    g = _planes(grad)
    out = np.zeros((g.shape[0], size[0] * size[1]), dtype=g.dtype)
    _pooling.max_pool2d_backward(g, np.ascontiguousarray(indices, dtype=np.int64).reshape(g.shape), out,
                                 _threads(out.size))
    return out.astype(grad.dtype, copy=False).reshape(lead + tuple(size))


def max_pool_gather(x, indices):
    lead = x.shape[:-2]
    src = _real(x).reshape(-1, x.shape[-2] * x.shape[-1])
    idx = np.ascontiguousarray(indices, dtype=np.int64)
    idx = idx.reshape((-1,) + idx.shape[-2:])
    out = np.empty(idx.shape, dtype=src.dtype)
    _pooling.gather_planes(src, idx, out, _threads(out.size))
    return out.astype(x.dtype, copy=False).reshape(lead + idx.shape[-2:])


def avg_pool2d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    n, c, h, w = x.shape
    ho = _pool_out(h, kernel[0], padding[0], stride[0], 1, ceil_mode)
    wo = _pool_out(w, kernel[1], padding[1], stride[1], 1, ceil_mode)
    planes = _planes(x)
    out = np.empty((planes.shape[0], ho, wo), dtype=planes.dtype)
    _pooling.avg_pool2d(planes, out, *kernel, *stride, *padding, count_include_pad, divisor, _threads(planes.size))
    return out.astype(x.dtype, copy=False).reshape(n, c, ho, wo)


def avg_pool2d_backward(grad, size, kernel, stride, padding, ceil_mode, count_include_pad, divisor):
    n, c = grad.shape[:2]
    g = _planes(grad)
    out = np.zeros((g.shape[0],) + tuple(size), dtype=g.dtype)
    _pooling.avg_pool2d_backward(g, out, *kernel, *stride, *padding, count_include_pad, divisor, _threads(out.size))
    return out.astype(grad.dtype, copy=False).reshape((n, c) + tuple(size))


def adaptive_avg_pool2d(x, size):
    n, c = x.shape[:2]
    planes = _planes(x)
    out = np.empty((planes.shape[0],) + tuple(size), dtype=planes.dtype)
    _pooling.adaptive_avg_pool2d(planes, out, _threads(planes.size))
    return out.astype(x.dtype, copy=False).reshape((n, c) + tuple(size))


def adaptive_avg_pool2d_backward(grad, size):
    n, c = grad.shape[:2]
    g = _planes(grad)
    out = np.zeros((g.shape[0],) + tuple(size), dtype=g.dtype)
    _pooling.adaptive_avg_pool2d_backward(g, out, _threads(out.size))
    return out.astype(grad.dtype, copy=False).reshape((n, c) + tuple(size))


def adaptive_max_pool2d(x, size):
    n, c = x.shape[:2]
    planes = _planes(x)
    out = np.empty((planes.shape[0],) + tuple(size), dtype=planes.dtype)
    idx = np.empty((planes.shape[0],) + tuple(size), dtype=np.int64)
    (h, w), (ho, wo) = planes.shape[1:], size
    if ho and wo and h % ho == 0 and w % wo == 0 and (wo >= 8 or (h == 2 * ho and w == 2 * wo)):
        # equal windows side by side: the same windows as max_pool2d's, whose kernel folds a whole output row
        # at a time (2x2 has its own path); with fewer outputs a row, window by window is faster
        _pooling.max_pool2d(planes, out, idx, h // ho, w // wo, h // ho, w // wo, 0, 0, 1, 1, _threads(planes.size))
    else:
        _pooling.adaptive_max_pool2d(planes, out, idx, _threads(planes.size))
    return out.astype(x.dtype, copy=False).reshape((n, c) + tuple(size)), idx.reshape((n, c) + tuple(size))


def embedding(weight, indices, padding_idx):
    if indices.size and (indices.min() < 0 or indices.max() >= weight.shape[0]):
        raise IndexError("index out of range in self")
    return weight[indices]


def embedding_backward(grad, indices, num_weights, padding_idx):
    flat = indices.reshape(-1)
    g = grad.reshape(flat.shape[0], -1)
    out = np.zeros((num_weights, g.shape[1]), dtype=grad.dtype)
    np.add.at(out, flat, g)
    if padding_idx >= 0:
        out[padding_idx] = 0
    return out


def _nll_terms(target, weight, ignore_index, n_classes, dtype):
    """(safe targets, per-sample weights or None when every sample counts once)."""
    t = target if target.dtype == np.int64 else target.astype(np.int64)
    if t.size:
        lo, hi = t.min(), t.max()
        ignorable = 0 <= ignore_index < n_classes or lo <= ignore_index <= hi
        if not ignorable and weight is None and lo >= 0 and hi < n_classes:
            return t, None                    # the common case: nothing ignored, no class weights
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    if safe.size:
        lo, hi = safe.min(), safe.max()
        if lo < 0 or hi >= n_classes:
            raise IndexError(f"Target {lo if lo < 0 else hi} is out of bounds.")
    w = keep.astype(dtype) if weight is None else (weight[safe] * keep).astype(dtype, copy=False)
    return safe, w


def nll_loss(x, target, *rest):
    """-x[n, target[n]] * weight[target[n]], reduced; also returns the summed weight (the mean's divisor)."""
    weight = rest[0] if len(rest) == 3 else None
    reduction, ignore_index = rest[-2:]
    safe, w = _nll_terms(target, weight, ignore_index, x.shape[1], x.dtype)
    losses = -x[np.arange(x.shape[0]), safe]
    if w is None:
        total = np.asarray(safe.shape[0], dtype=x.dtype)
    else:
        losses *= w
        total = np.asarray(w.sum(dtype=x.dtype))
    if reduction == "none":
        return losses, total
    out = losses.sum(dtype=x.dtype)
    return np.asarray(out / total if reduction == "mean" else out, dtype=x.dtype), total


def nll_loss_backward(grad, target, total, *rest):
    """The input gradient of ``nll_loss``: -weight * grad at each target, zero elsewhere."""
    weight = rest[0] if len(rest) == 4 else None
    reduction, ignore_index, n_classes = rest[-3:]
    safe, w = _nll_terms(target, weight, ignore_index, n_classes, grad.dtype)
    scale = grad / total if reduction == "mean" else grad
    out = np.zeros((safe.shape[0], n_classes), dtype=grad.dtype)
    out[np.arange(safe.shape[0]), safe] = -scale if w is None else -w * scale
    return out



def cross_entropy(x, target, *rest):
    """log_softmax and nll_loss of (N, C) logits in one pass over the rows: returns the loss (reduced
    or per sample), the softmax (what the backward needs) and the summed weight (the mean's divisor)."""
    weight = rest[0] if len(rest) == 3 else None
    reduction, ignore_index = rest[-2:]
    safe, w = _nll_terms(target, weight, ignore_index, x.shape[1], x.dtype)
    prob = np.subtract(x, np.maximum.reduce(x, axis=1, keepdims=True)) if x.shape[1] else x.copy()
    rows = np.arange(x.shape[0])
    shifted_at_target = prob[rows, safe] if x.shape[1] else np.zeros(x.shape[0], x.dtype)
    np.exp(prob, out=prob)
    total_exp = np.add.reduce(prob, axis=1)
    prob /= total_exp[:, None]
    losses = (np.log(total_exp) - shifted_at_target).astype(x.dtype, copy=False)
    if w is None:
        total = np.asarray(safe.shape[0], dtype=x.dtype)
    else:
        losses *= w
        total = np.asarray(w.sum(dtype=x.dtype))
    if reduction == "none":
        return losses, prob, total
    out = losses.sum(dtype=x.dtype)
    return np.asarray(out / total if reduction == "mean" else out, dtype=x.dtype), prob, total


def cross_entropy_backward(grad, prob, target, total, *rest):
    """The logits' gradient of ``cross_entropy``: (softmax - onehot(target)) scaled per row by the
    output gradient (divided by ``total`` for the mean) and the target's class weight."""
    weight = rest[0] if len(rest) == 3 else None
    reduction, ignore_index = rest[-2:]
    safe, w = _nll_terms(target, weight, ignore_index, prob.shape[1], prob.dtype)
    scale = grad / total if reduction == "mean" else grad
    if w is not None:
        scale = w * scale
    scale = np.asarray(scale, dtype=prob.dtype)
    out = np.multiply(prob, scale[:, None] if scale.ndim else scale)
    out[np.arange(safe.shape[0]), safe] -= scale
    return out


KERNELS = {
    "im2col": im2col,
    "col2im": col2im,
    "conv2d": conv2d,
    "conv2d_backward": conv2d_backward,
    "conv_transpose2d": conv_transpose2d,
    "conv_transpose2d_backward": conv_transpose2d_backward,
    "max_pool2d": max_pool2d,
    "max_pool_scatter": max_pool_scatter,
    "max_pool_gather": max_pool_gather,
    "avg_pool2d": avg_pool2d,
    "avg_pool2d_backward": avg_pool2d_backward,
    "adaptive_avg_pool2d": adaptive_avg_pool2d,
    "adaptive_avg_pool2d_backward": adaptive_avg_pool2d_backward,
    "adaptive_max_pool2d": adaptive_max_pool2d,
    "embedding": embedding,
    "embedding_backward": embedding_backward,
    "nll_loss": nll_loss,
    "nll_loss_backward": nll_loss_backward,
    "cross_entropy": cross_entropy,
    "cross_entropy_backward": cross_entropy_backward,
}
