"""CPU kernels for ``ember.ops.nn_ops``: Cython im2col/col2im and pooling, BLAS for the products.

The Cython kernels take float32 or float64; other float dtypes go through float32.
"""

from __future__ import annotations

import os
import threading

import numpy as np

from ember.backends.cpu import _im2col, _pooling, _winograd


def _max_threads() -> int:
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0]))
    except ValueError:
        return max(1, os.cpu_count() or 1)


_MAX_THREADS = _max_threads()
_PARALLEL_WORK = 1 << 24   # elements; below this a thread team (beside BLAS's own threads) costs more than it saves


def _threads(work: int) -> int:
    """OpenMP threads for a kernel touching ``work`` elements: only large kernels fork a team."""
    return _MAX_THREADS if work >= _PARALLEL_WORK else 1


def _real(x: np.ndarray) -> np.ndarray:
    """``x`` as a C-contiguous float32/float64 array (the dtypes the Cython kernels take)."""
    if x.dtype != np.float32 and x.dtype != np.float64:
        x = x.astype(np.float32)
    return np.ascontiguousarray(x)


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


_WINOGRAD_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


def _slabs(count: int, shape: tuple, dtype) -> np.ndarray:
    """``count`` C-contiguous arrays of ``shape`` stacked with a cache line between them.

    Slabs a power-of-two size apart would map their rows to the same cache sets.
    """
    size = int(np.prod(shape))
    pad = 64 // np.dtype(dtype).itemsize
    return np.empty((count, size + pad), dtype=dtype)[:, :size].reshape((count,) + tuple(shape))


_scratch = threading.local()


def _workspace(name: str, count: int, shape: tuple, dtype) -> np.ndarray:
    """Slabs as ``_slabs``, kept per thread and reused: large temporaries cost page faults every call."""
    cache = _scratch.__dict__
    arr = cache.get(name)
    if arr is None or arr.shape != (count,) + tuple(shape) or arr.dtype != dtype:
        arr = cache[name] = _slabs(count, shape, dtype)
    return arr


def _winograd_filter(w, dtype):
    """U = G g G^T for every (out, in) channel pair: (16, C_out, C_in)."""
    c_out, c = w.shape[:2]
    return np.einsum("ai,ocij,bj->aboc", _WINOGRAD_G, w, _WINOGRAD_G).astype(dtype).reshape(16, c_out, c)


def _winograd_tiles(x_shape, pad: int):
    ho, wo = x_shape[2] + 2 * pad - 2, x_shape[3] + 2 * pad - 2
    return ho, wo, (ho + 1) // 2, (wo + 1) // 2


def _winograd_conv(x, w, b, pad: int):
    """3x3 stride-1 convolution by Winograd F(2x2, 3x3): 16 channel products instead of 9 on 4x the pixels.

    Returns the output and V, the transformed input tiles (16, C, T) that the weight gradient needs.
    """
    x = _real(x)
    n, c = x.shape[:2]
    c_out = w.shape[0]
    ho, wo, th, tw = _winograd_tiles(x.shape, pad)
    u = _winograd_filter(w, x.dtype)
    v = _slabs(16, (c, n * th * tw), x.dtype)
    _winograd.input_transform(x, v, pad, th, tw, _threads(v.size))
    m = _workspace("winograd_m", 16, (c_out, n * th * tw), x.dtype)
    for k in range(16):      # one 2-D product per slab: each is contiguous, so BLAS takes it as is
        np.matmul(u[k], v[k], out=m[k])
    out = np.empty((n, c_out, ho, wo), dtype=x.dtype)
    _winograd.output_transform(m, out, th, tw, _threads(m.size))
    if b is not None:
        out += b.reshape(1, c_out, 1, 1)
    return out, v


def _winograd_backward(g, x_shape, w, v, pad: int, need_x: bool, need_w: bool):
    """The input and weight gradients of ``_winograd_conv``, by the transposed transforms."""
    g = _real(g)
    n, c = x_shape[:2]
    c_out = w.shape[0]
    _, _, th, tw = _winograd_tiles(x_shape, pad)
    gt = _workspace("winograd_gt", 16, (c_out, n * th * tw), g.dtype)
    _winograd.grad_transform(g, gt, th, tw, _threads(gt.size))
    gx = gw = None
    if need_w:     # dU[k] = Gy[k] V[k]^T, then dL/dg = G^T dU G
        du = np.empty((16, c_out, c), dtype=g.dtype)
        for k in range(16):
            np.matmul(gt[k], v[k].T, out=du[k])
        gw = np.einsum("ai,aboc,bj->ocij", _WINOGRAD_G, du.reshape(4, 4, c_out, c), _WINOGRAD_G)
    if need_x:     # dV[k] = U[k]^T Gy[k], then the adjoint of the input transform
        u = _winograd_filter(w, g.dtype)
        dv = _workspace("winograd_dv", 16, (c, n * th * tw), g.dtype)
        for k in range(16):
            np.matmul(u[k].T, gt[k], out=dv[k])
        gx = np.zeros(x_shape, dtype=g.dtype)
        _winograd.input_transform_adjoint(dv, gx, pad, th, tw, _threads(dv.size))
    return gx, gw


def _use_winograd(x, w, stride, padding, dilation, groups) -> bool:
    """Winograd pays for 3x3 stride-1 convolutions with enough channels for its 16 products."""
    return (w.shape[2:] == (3, 3) and stride == (1, 1) and dilation == (1, 1) and groups == 1
            and padding[0] == padding[1] and w.shape[0] >= 16 and w.shape[1] >= 16
            and x.shape[2] + 2 * padding[0] > 3 and x.shape[3] + 2 * padding[1] > 3)


def conv2d(x, w, *rest):
    """Fused convolution: im2col, one BLAS product per group, bias; returns (out, cols).

    3x3 stride-1 convolutions with 16+ channels use Winograd instead and return its transformed
    input tiles in place of the columns; ``conv2d_backward`` knows both.
    """
    b, (stride, padding, dilation, groups) = (rest[0], rest[1:]) if len(rest) == 5 else (None, rest)
    if _use_winograd(x, w, stride, padding, dilation, groups):
        out, v = _winograd_conv(x, w, b, padding[0])
        return out.astype(x.dtype, copy=False), v
    n = x.shape[0]
    c_out, _, kh, kw = w.shape
    cols = im2col(x, (kh, kw), stride, padding, dilation)
    ho = _conv_out(x.shape[2], kh, stride[0], padding[0], dilation[0])
    wo = _conv_out(x.shape[3], kw, stride[1], padding[1], dilation[1])
    if groups == 1:
        out = w.reshape(c_out, -1) @ cols.reshape(cols.shape[0], -1)
    else:
        out = np.matmul(w.reshape(groups, c_out // groups, -1), cols.reshape(groups, -1, n * ho * wo))
    out = out.reshape(c_out, n, ho * wo).transpose(1, 0, 2)
    if b is not None:
        out = out + b.reshape(1, c_out, 1)
    return np.ascontiguousarray(out, dtype=x.dtype).reshape(n, c_out, ho, wo), cols


def conv2d_backward(g, x, w, saved, stride, padding, dilation, groups, needs):
    """The gradients of ``conv2d`` (an empty array for one not in ``needs``) from what it saved."""
    empty = np.empty((0,), dtype=g.dtype)
    gb = g.sum(axis=(0, 2, 3)) if needs[2] else empty
    if _use_winograd(x, w, stride, padding, dilation, groups):
        gx, gw = _winograd_backward(g, x.shape, w, saved, padding[0], needs[0], needs[1])
    else:
        n, c_out, ho, wo = g.shape
        g2 = np.ascontiguousarray(g.transpose(1, 0, 2, 3)).reshape(groups, c_out // groups, n * ho * wo)
        gx = gw = None
        if needs[1]:
            cols = saved.reshape(groups, -1, n * ho * wo)
            gw = np.empty((groups, c_out // groups, cols.shape[1]), dtype=g.dtype)
            for k in range(groups):
                np.matmul(g2[k], cols[k].T, out=gw[k])
            gw = gw.reshape(w.shape)
        if needs[0]:
            w2 = w.reshape(groups, c_out // groups, -1)
            gcols = np.concatenate([w2[k].T @ g2[k] for k in range(groups)]) if groups > 1 else w2[0].T @ g2[0]
            gx = col2im(gcols.reshape(-1, n, ho * wo), x.shape[2:], w.shape[2:], stride, padding, dilation)
    return (empty if gx is None else gx.astype(x.dtype, copy=False),
            empty if gw is None else gw.astype(w.dtype, copy=False), gb)


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


def batch_norm(x, *rest):
    """Training-mode batch norm over (N, C, *): returns (out, batch mean, biased batch variance)."""
    has_weight, has_bias, eps = rest[-3:]
    weight = rest[0] if has_weight else None
    bias = rest[int(has_weight)] if has_bias else None
    n, c = x.shape[:2]
    acc = np.float64 if x.dtype == np.float64 else np.float32
    x3 = x.reshape(n, c, -1)
    count = x3.shape[0] * x3.shape[2]
    mean = np.einsum("ncl->c", x3, dtype=acc) / count
    centered = x3 - mean.reshape(1, c, 1).astype(x.dtype)
    var = np.einsum("ncl,ncl->c", centered, centered, dtype=acc) / count
    scale = 1.0 / np.sqrt(var + eps)
    if weight is not None:
        scale = scale * weight
    out = centered * scale.reshape(1, c, 1).astype(x.dtype)
    if bias is not None:
        out += bias.reshape(1, c, 1)
    return out.astype(x.dtype, copy=False).reshape(x.shape), mean.astype(x.dtype), var.astype(x.dtype)


KERNELS = {
    "im2col": im2col,
    "col2im": col2im,
    "conv2d": conv2d,
    "conv2d_backward": conv2d_backward,
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
    "batch_norm": batch_norm,
    "nll_loss": nll_loss,
    "nll_loss_backward": nll_loss_backward,
}
