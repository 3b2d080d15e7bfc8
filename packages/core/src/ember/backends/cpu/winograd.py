"""Winograd F(2x2, 3x3) convolution for 3x3 stride-1 layers: transforms in Cython, the 16 products in BLAS.

Against an im2col product it does 2.25x fewer multiplications and its transformed tiles take 4 values
per output pixel and channel (im2col's columns: 9). Its transforms hold only 0, +-1 and +-1/2, so float32
results round about as a direct convolution's do (relative error 2-6e-7 at ResNet's shapes against 2-3e-7;
tests/nn/test_conv_accuracy.py holds both to 1e-6). F(4x4, 3x3), with 4x fewer multiplications, rounded
7-10x worse; in a ResNet-18 training step that made float32 units switch on or off against the exact run
(and every gradient behind them change) about four times as often as PyTorch's or im2col's, so ember
does not use it. float64 results are exact to about 1e-14.

``conv_cost.plan`` decides where it runs: its 16 products stream 16/9 of the weights' bytes and the filters
are transformed once a step (the forward saves them for the backward), so it pays on larger maps, not on
the 4x4 and smaller maps of deep layers with hundreds of channels.
"""

from __future__ import annotations

import numpy as np

from ember.backends.cpu import _winograd
from ember.backends.cpu.blas_threads import blas_threads
from ember.backends.cpu.buffers import as_real, threads_for, workspace

SLABS = 16        # positions in a 4x4 transformed tile
TILE = 2          # output tile side


def _winograd_tiles(x_shape, pad: int):
    ho, wo = x_shape[2] + 2 * pad - 2, x_shape[3] + 2 * pad - 2
    return ho, wo, -(-ho // TILE), -(-wo // TILE)


def _saved_parts(buf, c: int, c_out: int, t: int):
    """The two views of the buffer a forward saves: V (16, C, T) slabs a cache line apart, U (16, C_out, C)."""
    row = c * t + 64 // buf.itemsize
    v = buf[:SLABS * row].reshape(SLABS, row)[:, :c * t].reshape(SLABS, c, t)
    return v, buf[SLABS * row:].reshape(SLABS, c_out, c)


def _saved_size(c: int, c_out: int, t: int, itemsize: int) -> int:
    return SLABS * (c * t + 64 // itemsize) + SLABS * c_out * c


def winograd_conv(x, w, b, pad: int):
    """3x3 stride-1 convolution by Winograd F(2x2, 3x3): 16 channel products per 4 output pixels instead of 36.

    Returns the output and one buffer holding V, the transformed input tiles (16, C, T) that the weight
    gradient needs, and U, the transformed filters (16, C_out, C) that the input gradient needs: the
    filters are transformed once per forward, not again in the backward.
    """
    x = as_real(x)
    n, c = x.shape[:2]
    c_out = w.shape[0]
    ho, wo, th, tw = _winograd_tiles(x.shape, pad)
    t = n * th * tw
    saved = np.empty(_saved_size(c, c_out, t, x.itemsize), dtype=x.dtype)
    v, u = _saved_parts(saved, c, c_out, t)
    _winograd.filter_transform(np.ascontiguousarray(w, dtype=x.dtype), u)
    _winograd.input_transform(x, v, pad, th, tw, threads_for(v.size))
    m = workspace("winograd_m", SLABS, (c_out, t), x.dtype)
    blas_threads.fit(c_out * c * t)
    for k in range(SLABS):      # one 2-D product per slab: each is contiguous, so BLAS takes it as is
        np.matmul(u[k], v[k], out=m[k])
    out = np.empty((n, c_out, ho, wo), dtype=x.dtype)
    bias = np.empty(0, dtype=x.dtype) if b is None else np.ascontiguousarray(b, dtype=x.dtype)
    _winograd.output_transform(m, out, bias, th, tw, threads_for(m.size))
    return out, saved


def winograd_backward(g, x_shape, w, saved, pad: int, need_x: bool, need_w: bool):
    """The input and weight gradients of ``winograd_conv``, by the adjoint transforms."""
    g = np.ascontiguousarray(g, dtype=saved.dtype)
    n, c = x_shape[:2]
    c_out = w.shape[0]
    _, _, th, tw = _winograd_tiles(x_shape, pad)
    v, u = _saved_parts(saved, c, c_out, n * th * tw)
    gt = workspace("winograd_gt", SLABS, (c_out, n * th * tw), g.dtype)
    _winograd.grad_transform(g, gt, th, tw, threads_for(gt.size))
    gx = gw = None
    blas_threads.fit(c_out * c * n * th * tw)
    if need_w:     # dU[k] = Gy[k] V[k]^T, then dL/dg = G^T dU G
        du = np.empty((SLABS, c_out, c), dtype=g.dtype)
        for k in range(SLABS):
            np.matmul(gt[k], v[k].T, out=du[k])
        gw = np.empty(tuple(w.shape), dtype=g.dtype)
        _winograd.filter_transform_adjoint(du, gw)
    if need_x:     # dV[k] = U[k]^T Gy[k], then the adjoint of the input transform
        dv = workspace("winograd_dv", SLABS, (c, n * th * tw), g.dtype)
        for k in range(SLABS):
            np.matmul(u[k].T, gt[k], out=dv[k])
        gx = np.zeros(x_shape, dtype=g.dtype)
        _winograd.input_transform_adjoint(dv, gx, pad, th, tw, threads_for(dv.size))
    return gx, gw
