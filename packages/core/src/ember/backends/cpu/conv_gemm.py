"""Convolution as matrix products: im2col (or the input itself for 1x1 stride-1 unpadded kernels) and BLAS.

The columns are laid out (C*kh*kw, N, Ho*Wo): one (K, N*P) matrix over the whole batch, whose
(K, P) slice for an image is a strided BLAS operand too. So the output and the input gradient run
image by image (no transposition; the weights read once per image) or as one product over the batch
(one pass to move channels first), as ``conv_cost.plan`` decides, and the weight gradient is always
one product over the batch: the output gradient as (C_out, N*P) times the columns' transpose, never
a stack of per-image products summed afterwards.

With a bias and one group, the columns get a last row of ones: the bias rides in the product (an
extra weight column) and its gradient falls out of the weight gradient's (an extra row).
"""

from __future__ import annotations

import numpy as np

from ember.backends.cpu import _im2col
from ember.backends.cpu.blas_threads import blas_threads
from ember.backends.cpu.buffers import as_real, threads_for


def out_size(x_shape, w_shape, stride, padding, dilation) -> tuple[int, int]:
    return tuple((x_shape[2 + i] + 2 * padding[i] - dilation[i] * (w_shape[2 + i] - 1) - 1) // stride[i] + 1
                 for i in range(2))


def spans_input(x_shape, kernel, padding, dilation) -> bool:
    """The kernel covers the whole unpadded image in one window: each image's single column is the image itself
    (in the columns' (c, i, j) row order), so im2col is a transposition and col2im its inverse."""
    return (tuple(padding) == (0, 0) and tuple(kernel) == tuple(x_shape[2:])
            and all(k == 1 or d == 1 for k, d in zip(kernel, dilation)))


def columns(x, kernel, stride, padding, dilation, ones: bool = False):
    """im2col of ``x`` (N, C, H, W) as a contiguous (C*kh*kw [+ 1], N, Ho*Wo) array (a last row of ones)."""
    n, c = x.shape[:2]
    ho, wo = out_size(x.shape, (0, 0) + tuple(kernel), stride, padding, dilation)
    k = c * kernel[0] * kernel[1]
    cols = np.empty((k + ones, n, ho * wo), dtype=x.dtype)
    if spans_input(x.shape, kernel, padding, dilation):
        cols[:k, :, 0] = x.reshape(n, k).T     # one window per image: a transposition, not a gather per pixel
    else:
        _im2col.im2col(x, cols[:k], *kernel, *stride, *padding, *dilation, threads_for(cols.size))
    if ones:
        cols[k] = 1
    return cols


def _channels_first(a):
    """(N, C, P) -> contiguous (C, N, P)."""
    return np.ascontiguousarray(a.transpose(1, 0, 2))


def _batch_first(a, n: int, p: int):
    """(C, N*P) -> contiguous (N, C, P)."""
    return np.ascontiguousarray(a.reshape(a.shape[0], n, p).transpose(1, 0, 2))


def conv_forward(x, w, b, stride, padding, dilation, groups, plan):
    """The convolution by ``plan`` (gemm); returns (out (N, C_out, Ho, Wo), what the backward needs)."""
    x = as_real(x)
    dt = x.dtype
    n, c = x.shape[:2]
    o, cg, kh, kw = w.shape
    ho, wo = out_size(x.shape, w.shape, stride, padding, dilation)
    p, k, og = ho * wo, cg * kh * kw, o // groups
    ones = b is not None and groups == 1 and plan.columns
    if ones:   # [W | b]
        w2 = np.empty((1, o, k + 1), dtype=dt)
        w2[0, :, :k] = w.reshape(o, k)
        w2[0, :, k] = b
    else:
        w2 = np.ascontiguousarray(w.reshape(groups, og, k), dtype=dt)
    kk = k + ones
    if plan.columns:
        cols = saved = columns(x, (kh, kw), stride, padding, dilation, ones)
    else:
        cols, saved = None, np.empty((0,), dtype=dt)
    if plan.batched_out:
        blas_threads.fit(o * kk * n * p)
        src = (cols if cols is not None else _channels_first(x.reshape(n, c, p))).reshape(groups, kk, n * p)
        out = _batch_first(np.matmul(w2, src).reshape(o, n * p), n, p)
    else:
        blas_threads.fit(o * kk * p)
        src = (cols.reshape(groups, kk, n, p).transpose(2, 0, 1, 3) if cols is not None
               else x.reshape(n, groups, k, p))
        out = np.ascontiguousarray(np.matmul(w2, src)).reshape(n, o, p)   # matmul keeps its operands' order
    if b is not None and not ones:
        out += np.asarray(b, dtype=dt).reshape(1, o, 1)
    return out.reshape(n, o, ho, wo), saved


def by_channel(g, groups: int):
    """The output gradient (N, C_out, Ho, Wo) as (groups, C_out/groups, N*P), the weight gradient's operand."""
    n, o, ho, wo = g.shape
    return _channels_first(g.reshape(n, o, ho * wo)).reshape(groups, o // groups, n * ho * wo)


def weight_gradient(gt, x, saved, w_shape, stride, padding, dilation, groups, plan, want_bias: bool):
    """dW (and db when the forward put the bias in the product): one product over the batch."""
    o, cg, kh, kw = w_shape
    k = cg * kh * kw
    if plan.columns:
        cols = saved
    else:
        cols = _channels_first(x.reshape(x.shape[0], x.shape[1], x.shape[2] * x.shape[3]))
    kk = cols.shape[0] // groups
    blas_threads.fit(o * kk * gt.shape[2])
    gwt = np.matmul(gt, cols.reshape(groups, kk, gt.shape[2]).transpose(0, 2, 1))     # (groups, C_out/groups, K [+ 1])
    gb = gwt[0, :, k] if want_bias and kk == k + 1 else None
    return gwt[:, :, :k].reshape(w_shape), gb


def input_gradient(g, w, x_shape, stride, padding, dilation, groups, plan, gt=None):
    """dX: the adjoint of the convolution in its input, onto an (N, C, H, W) image of ``x_shape``.

    ``gt`` is ``by_channel(g)`` when the caller has it (the batched product uses it)."""
    n, c = x_shape[:2]
    o, cg, kh, kw = w.shape
    og, k = o // groups, cg * kh * kw
    p = g.shape[2] * g.shape[3]
    dt = g.dtype
    wt = w.reshape(groups, og, k).astype(dt, copy=False).transpose(0, 2, 1)   # BLAS reads it transposed
    if plan.batched_gx:
        blas_threads.fit(o * k * n * p)
        gcols = np.matmul(wt, by_channel(g, groups) if gt is None else gt).reshape(groups * k, n, p)
        if not plan.columns:
            return _batch_first(gcols.reshape(c, n * p), n, p).reshape(x_shape)
    else:
        blas_threads.fit(o * k * p)
        gcols = np.ascontiguousarray(np.matmul(wt, g.reshape(n, groups, og, p))).reshape(n, groups * k, p)
        if not plan.columns:
            return gcols.reshape(x_shape)
        gcols = gcols.transpose(1, 0, 2)
    if spans_input(x_shape, (kh, kw), padding, dilation):   # one window per image: nothing overlaps
        return np.ascontiguousarray(gcols.reshape(c * kh * kw, n).T).reshape(x_shape)
    gx = np.zeros(x_shape, dtype=dt)
    _im2col.col2im(gcols, gx, kh, kw, *stride, *padding, *dilation, threads_for(gcols.size))
    return gx


def conv_backward(g, x, w, saved, stride, padding, dilation, groups, needs, plan):
    """(dX, dW, db) of ``conv_forward`` by the same plan; None for one not in ``needs`` (db: when not computed)."""
    x = as_real(x)
    g = np.ascontiguousarray(g, dtype=x.dtype)
    gt = by_channel(g, groups) if needs[1] or (needs[0] and plan.batched_gx) else None
    gx = gw = gb = None
    if needs[1]:
        gw, gb = weight_gradient(gt, x, saved, w.shape, stride, padding, dilation, groups, plan, needs[2])
    if needs[0]:
        gx = input_gradient(g, w, x.shape, stride, padding, dilation, groups, plan, gt)
    return gx, gw, gb
