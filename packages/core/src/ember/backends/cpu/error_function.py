"""CPU kernels for the complementary and inverse error functions (float64 inside).

``erfinv`` starts from Winitzki's closed-form approximation (relative error ~2e-3) and takes
three Halley steps on ``erf(x) - y``; past ``|y| = 1/2`` the residual is written with erfc,
``(1 - |y|) - erfc(x)``, in which both terms are exact, so the tail keeps its digits.
"""

from __future__ import annotations

import math

import numpy as np

from ember.backends.cpu._special import erf, erfc

_A = 0.147   # Winitzki's constant
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _float64(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def erfinv(y: np.ndarray) -> np.ndarray:
    """The inverse of erf on [-1, 1]: ``erfinv(±1) = ±inf``, NaN outside."""
    v = _float64(y)
    a = np.abs(v)
    inside = a < 1
    t = np.where(inside, a, 0.0)
    log_term = np.log1p(-t * t)
    b = 2.0 / (math.pi * _A) + 0.5 * log_term
    x = np.sqrt(np.sqrt(b * b - log_term / _A) - b)
    tail = t > 0.5
    one_minus = 1.0 - t
    for _ in range(3):
        residual = np.where(tail, one_minus - erfc(x), erf(x) - t)
        slope = _TWO_OVER_SQRT_PI * np.exp(-x * x)
        x = x - residual / (slope + x * residual)   # Halley: f'' = -2 x f'
    out = np.copysign(x, v)
    out[a == 1] = np.copysign(np.inf, v[a == 1])
    out[(a > 1) | np.isnan(a)] = np.nan
    return out.astype(y.dtype, copy=False) if y.dtype.kind == "f" else out


def _erfcinv_small(q: np.ndarray) -> np.ndarray:
    """The x >= 0 with ``erfc(x) = q`` for q in (0, 1]: from ``erfc(x) ~ exp(-x^2) / (x sqrt(pi))``
    (or Winitzki's erfinv(1 - q) for q > 1e-3), then Halley steps on ``erfc(x) - q``, in which
    erfc keeps its relative accuracy however small q is."""
    log_q = np.log(q)
    x = np.sqrt(np.maximum(-log_q, 1.0))
    for _ in range(3):
        x = np.sqrt(np.maximum(-log_q - np.log(x * math.sqrt(math.pi)), 0.25))
    moderate = q > 1e-3
    if moderate.any():
        t = 1.0 - q[moderate]
        log_term = np.log1p(-t * t)
        b = 2.0 / (math.pi * _A) + 0.5 * log_term
        x[moderate] = np.sqrt(np.sqrt(b * b - log_term / _A) - b)
    for _ in range(4):
        residual = erfc(x) - q
        slope = -_TWO_OVER_SQRT_PI * np.exp(-x * x)
        x = x - residual / (slope + x * residual)
    return x


def ndtri(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile: the x with ``ndtr(x) = p``; ±inf at 1 and 0, NaN outside [0, 1].
    Each half goes through erfc's inverse of its own tail (``1 - p`` is exact for p >= 1/2)."""
    v = _float64(p)
    out = np.full(v.shape, np.nan)
    lower = (v > 0) & (v < 0.5)
    upper = (v >= 0.5) & (v < 1)
    out[lower] = -math.sqrt(2.0) * _erfcinv_small(2.0 * v[lower])
    out[upper] = math.sqrt(2.0) * _erfcinv_small(2.0 * (1.0 - v[upper]))
    out[v == 0] = -np.inf
    out[v == 1] = np.inf
    return out.astype(p.dtype, copy=False) if p.dtype.kind == "f" else out


KERNELS = {
    "erfc": erfc,
    "erfinv": erfinv,
    "ndtri": ndtri,
}
