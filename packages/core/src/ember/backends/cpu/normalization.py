"""CPU kernels for normalization layers: training-mode batch norm."""

from __future__ import annotations

import numpy as np


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
    "batch_norm": batch_norm,
}
