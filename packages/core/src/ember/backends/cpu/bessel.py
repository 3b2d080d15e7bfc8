"""CPU kernels for the modified Bessel functions of the first kind, ``I0`` and ``I1``, and their
exponentially scaled forms ``i0e(x) = exp(-|x|) I0(x)``, ``i1e(x) = exp(-|x|) I1(x)`` (float64
inside).

Up to ``|x| = 30`` the power series ``I_nu(x) = sum_k (x/2)^(2k+nu) / (k! (k+nu)!)`` (all terms
positive, so no cancellation); beyond, the asymptotic expansion
``I_nu(x) ~ e^x / sqrt(2 pi x) * sum_k (-1)^k a_k(nu) / x^k`` (Abramowitz & Stegun 9.7.1),
whose terms keep falling until k ~ 2x, far past double precision at x > 30.
"""

from __future__ import annotations

import math

import numpy as np

_SWITCH = 30.0
_SERIES_TERMS = 90       # (15^k / k!)^2 < 1e-17 of the sum's peak well before k = 90
_ASYMPTOTIC_TERMS = 20


def _series(nu: int, x: np.ndarray) -> np.ndarray:
    half = x / 2.0
    q = half * half
    term = half ** nu / math.factorial(nu)
    total = term.copy() if isinstance(term, np.ndarray) else np.full(x.shape, term)
    for k in range(1, _SERIES_TERMS):
        term = term * q / (k * (k + nu))
        total += term
    return total


def _asymptotic_scaled(nu: int, x: np.ndarray) -> np.ndarray:
    """``exp(-x) I_nu(x)`` for large positive x."""
    mu = 4.0 * nu * nu
    term = np.ones_like(x)
    total = np.ones_like(x)
    for k in range(1, _ASYMPTOTIC_TERMS):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        total += term
    return total / np.sqrt(2.0 * math.pi * x)


def _scaled(nu: int, x: np.ndarray) -> np.ndarray:
    """``exp(-|x|) I_nu(|x|)``; NaN stays NaN, ``|x| = inf`` gives 0."""
    a = np.abs(x)
    out = np.empty_like(a)
    small = a <= _SWITCH
    out[small] = _series(nu, a[small]) * np.exp(-a[small])
    big = ~small & np.isfinite(a)
    out[big] = _asymptotic_scaled(nu, a[big])
    out[a == np.inf] = 0.0
    out[np.isnan(a)] = np.nan
    return out


def _cast(result: np.ndarray, like: np.ndarray) -> np.ndarray:
    return result.astype(like.dtype, copy=False) if like.dtype.kind == "f" else result


def i0e(x: np.ndarray) -> np.ndarray:
    return _cast(_scaled(0, np.asarray(x, dtype=np.float64)), x)


def i1e(x: np.ndarray) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    return _cast(np.copysign(_scaled(1, v), v), x)   # I1 is odd


def i0(x: np.ndarray) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        out = _scaled(0, v) * np.exp(np.abs(v))
    out[np.abs(v) == np.inf] = np.inf
    return _cast(out, x)


def i1(x: np.ndarray) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.copysign(_scaled(1, v) * np.exp(np.abs(v)), v)
    inf = np.abs(v) == np.inf
    out[inf] = v[inf]
    return _cast(out, x)


KERNELS = {"i0": i0, "i0e": i0e, "i1": i1, "i1e": i1e}
