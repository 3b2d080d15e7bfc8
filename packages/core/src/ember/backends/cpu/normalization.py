"""CPU kernels for normalization layers: training-mode batch norm, forward and fused backward (Cython)."""

from __future__ import annotations

import numpy as np

from ember.backends.cpu import _norm
from ember.backends.cpu.buffers import as_real


def _channels(x: np.ndarray) -> np.ndarray:
    """(N, C, *) as a C-contiguous float32/float64 (N, C, L)."""
    x = as_real(x)
    return x.reshape(x.shape[0], x.shape[1], -1)


def _per_channel(t, c: int, dtype) -> np.ndarray:
    return np.empty(0, dtype=dtype) if t is None else np.ascontiguousarray(t, dtype=dtype).reshape(c)


def batch_norm(x, *rest):
    """Training-mode batch norm over (N, C, *): returns (out, batch mean, biased batch variance)."""
    has_weight, has_bias, eps = rest[-3:]
    weight = rest[0] if has_weight else None
    bias = rest[int(has_weight)] if has_bias else None
    x3 = _channels(x)
    c = x3.shape[1]
    out = np.empty_like(x3)
    mean, var = np.empty(c), np.empty(c)
    _norm.forward(x3, out, mean, var, _per_channel(weight, c, x3.dtype), _per_channel(bias, c, x3.dtype), eps)
    return out.astype(x.dtype, copy=False).reshape(x.shape), mean.astype(x.dtype), var.astype(x.dtype)


def batch_norm_backward(g, x, mean, var, *rest):
    """The (input, weight, bias) gradients of ``batch_norm`` at ``g``; an empty array for one not in ``needs``."""
    has_weight, eps, needs = rest[-3:]
    weight = rest[0] if has_weight else None
    x3 = _channels(x)
    g3 = np.ascontiguousarray(_channels(g), dtype=x3.dtype)
    n, c, l = x3.shape
    dt = x3.dtype
    gx = np.empty((n, c, l) if needs[0] else (0, 0, 0), dtype=dt)
    gw, gb = np.empty(c, dtype=dt), np.empty(c, dtype=dt)
    _norm.backward(g3, x3, _per_channel(mean, c, dt), _per_channel(var, c, dt), _per_channel(weight, c, dt),
                   eps, gx, gw, gb)
    empty = np.empty((0,), dtype=x.dtype)
    return (gx.astype(x.dtype, copy=False).reshape(x.shape) if needs[0] else empty,
            gw.astype(x.dtype, copy=False) if needs[1] else empty,
            gb.astype(x.dtype, copy=False) if needs[2] else empty)


KERNELS = {
    "batch_norm": batch_norm,
    "batch_norm_backward": batch_norm_backward,
}
