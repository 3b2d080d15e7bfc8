"""CPU kernels for the regularized incomplete gamma functions (float64 inside):
``P(a, x) = gamma(a, x) / Gamma(a)`` (``gammainc``) and ``Q = 1 - P`` (``gammaincc``).

Below ``x = a + 1`` the power series ``P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a+1)...(a+n))``
converges fast; above it, Legendre's continued fraction for Q (modified Lentz's method), so
each is computed where it has no cancellation and the other is ``1 -`` it
(Numerical Recipes, 3rd ed., 6.2).
"""

from __future__ import annotations

import numpy as np

from ember.backends.cpu._special import lgamma

_EPS = 1e-16
_TINY = 1e-300
_MAX_TERMS = 5000


def _prefactor(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``x^a e^-x / Gamma(a)``, through logs."""
    return np.exp(a * np.log(x) - x - lgamma(a))


def _series_p(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    term = 1.0 / a
    total = term.copy()
    ap = a.copy()
    active = np.ones(a.shape, bool)
    for _ in range(_MAX_TERMS):
        ap = ap + 1
        term = np.where(active, term * x / ap, 0.0)
        total += term
        active &= np.abs(term) > np.abs(total) * _EPS
        if not active.any():
            break
    return total * _prefactor(a, x)


def _fraction_q(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    b = x + 1 - a
    c = np.full(a.shape, 1 / _TINY)
    d = 1 / b
    h = d.copy()
    active = np.ones(a.shape, bool)
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1 / d
        delta = np.where(active, d * c, 1.0)
        h *= delta
        active &= np.abs(delta - 1) > _EPS
        if not active.any():
            break
    return h * _prefactor(a, x)


def _regularized(a: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    dtype = np.result_type(a, x)
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.full(a.shape, np.nan)
    valid = (a > 0) & (x > 0) & np.isfinite(a)
    low = valid & (x < a + 1) & np.isfinite(x)
    high = valid & ~(x < a + 1) & np.isfinite(x)
    if low.any():
        p = _series_p(a[low], x[low])
        out[low] = 1 - p if upper else p
    if high.any():
        q = _fraction_q(a[high], x[high])
        out[high] = q if upper else 1 - q
    edge = (a > 0) & (x == 0)
    out[edge] = 1.0 if upper else 0.0
    out[(a > 0) & (x == np.inf)] = 0.0 if upper else 1.0
    out[(a == 0) & (x > 0)] = 0.0 if upper else 1.0   # PyTorch's limits at a = 0
    return out.astype(dtype, copy=False) if dtype.kind == "f" else out


def gammainc(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _regularized(a, x, upper=False)


def gammaincc(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    return _regularized(a, x, upper=True)


KERNELS = {"gammainc": gammainc, "gammaincc": gammaincc}
