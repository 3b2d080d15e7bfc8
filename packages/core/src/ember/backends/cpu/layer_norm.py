"""CPU kernels for layer norm over the trailing dims, forward and fused backward (Cython)."""

from __future__ import annotations

import numpy as np

from ember.backends.cpu import _layer_norm


def _rows(x: np.ndarray, width: int) -> np.ndarray:
    """``x`` as a C-contiguous (rows, width) array."""
    return np.ascontiguousarray(x).reshape(-1, width)


def _vector(t, width: int, dtype) -> np.ndarray:
    return np.empty(0, dtype=dtype) if t is None else np.ascontiguousarray(t, dtype=dtype).reshape(width)


def layer_norm(x, *rest):
    """Normalise the trailing ``width`` values of ``x``: returns (out, mean, rstd), the statistics per row."""
    has_weight, has_bias, width, eps = rest[-4:]
    weight = rest[0] if has_weight else None
    bias = rest[int(has_weight)] if has_bias else None
    x2 = _rows(x, width)
    out = np.empty_like(x2)
    mean, rstd = np.empty(x2.shape[0], dtype=x.dtype), np.empty(x2.shape[0], dtype=x.dtype)
    _layer_norm.forward(x2, out, mean, rstd, _vector(weight, width, x.dtype), _vector(bias, width, x.dtype), eps)
    return out.reshape(x.shape), mean, rstd


def layer_norm_backward(g, x, mean, rstd, *rest):
    """The (input, weight, bias) gradients of ``layer_norm`` at ``g``; an empty array for one not in ``needs``."""
    has_weight, width, needs = rest[-3:]
    weight = rest[0] if has_weight else None
    x2 = _rows(x, width)
    g2 = np.ascontiguousarray(_rows(g, width), dtype=x.dtype)
    gx = np.empty(x2.shape if needs[0] else (0, width), dtype=x.dtype)
    gw, gb = np.zeros(width), np.zeros(width)
    _layer_norm.backward(g2, x2, np.ascontiguousarray(mean, dtype=x.dtype), np.ascontiguousarray(rstd, dtype=x.dtype),
                         _vector(weight, width, x.dtype), gx, gw, gb)
    empty = np.empty((0,), dtype=x.dtype)
    return (gx.reshape(x.shape) if needs[0] else empty,
            gw.astype(x.dtype) if needs[1] else empty,
            gb.astype(x.dtype) if needs[2] else empty)


KERNELS = {
    "layer_norm": layer_norm,
    "layer_norm_backward": layer_norm_backward,
}
