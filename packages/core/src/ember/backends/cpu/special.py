"""The digamma and polygamma functions on the host, vectorised with NumPy (float64 inside).

``psi^(n)(x)`` for x >= 1/2 is shifted up by the recurrence
``psi^(n)(x) = psi^(n)(x + 1) - (-1)^n n! / x^(n+1)`` until x is large, then summed from its
asymptotic (Stirling) series; x < 1/2 goes through the reflection formula
``psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x))``, where ``P_n`` is the
polynomial with ``d^n/dy^n cot(y) = P_n(cot(y))`` (Abramowitz & Stegun 6.3.7, 6.4.7, 6.4.11).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.polynomial import polynomial as P

# B_2k for k = 1..10: the series' terms fall until about 2k = 2 pi x, so at x >= 12 ten suffice
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798,
              -174611 / 330)


def _cot_derivative(n: int) -> np.ndarray:
    """Coefficients (lowest first) of ``P_n``: ``P_0(c) = c``, ``P_(k+1)(c) = -(1 + c^2) P_k'(c)``."""
    p = np.array([0.0, 1.0])
    for _ in range(n):
        p = -P.polymul([1.0, 0.0, 1.0], P.polyder(p))
    return p


def _series(n: int, x: np.ndarray) -> np.ndarray:
    """The asymptotic series of ``psi^(n)`` at large ``x``."""
    if n == 0:
        total = np.log(x) - 0.5 / x
        x2 = x * x
        power = x2.copy()
        for k, b in enumerate(_BERNOULLI, start=1):
            total -= b / (2 * k * power)
            power *= x2
        return total
    total = math.factorial(n - 1) / x ** n + math.factorial(n) / (2 * x ** (n + 1))
    for k, b in enumerate(_BERNOULLI, start=1):
        total += b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) / x ** (2 * k + n)
    return total if n % 2 == 1 else -total


def _shifted(n: int, x: np.ndarray) -> np.ndarray:
    """``psi^(n)`` for ``x >= 1/2``: recurrence up to ``x >= 12 + n``, then the series."""
    big = 12.0 + n
    steps = int(np.ceil(big - x.min())) if x.size else 0
    acc = np.zeros_like(x)
    y = x.copy()
    coef = math.factorial(n) * (-1.0) ** n
    for _ in range(max(steps, 0)):
        low = y < big
        if not low.any():
            break
        acc[low] += coef / y[low] ** (n + 1)
        y[low] += 1.0
    return _series(n, y) - acc


def polygamma(x: np.ndarray, n: int) -> np.ndarray:
    """``psi^(n)(x)``, the n-th derivative of the digamma function, elementwise (``n >= 0``)."""
    v = np.asarray(x, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    finite = np.isfinite(v)
    pole = finite & (v <= 0) & (v == np.floor(v))
    right = finite & ~pole & (v >= 0.5)
    left = finite & ~pole & (v < 0.5)
    if right.any():
        out[right] = _shifted(n, v[right])
    if left.any():
        xl = v[left]
        # reduce x mod 1 before the cotangent: pi * x loses digits for large |x|
        frac = xl - np.floor(xl)
        cot = 1.0 / np.tan(np.pi * frac)
        out[left] = (-1.0) ** n * _shifted(n, 1.0 - xl) - np.pi ** (n + 1) * P.polyval(cot, _cot_derivative(n))
    # poles, as PyTorch gives them: psi(0) = -inf and NaN at negative integers (the two sides'
    # limits differ); psi^(n) is +inf for odd n and -inf for even n >= 2 (the limit from the right)
    if n == 0:
        out[pole & (v == 0)] = -np.inf
    else:
        out[pole] = np.inf if n % 2 == 1 else -np.inf
    out[v == np.inf] = 0.0 if n else np.inf
    return out.astype(x.dtype, copy=False) if x.dtype.kind == "f" else out


def digamma(x: np.ndarray) -> np.ndarray:
    """``psi(x) = d/dx log Gamma(x)``, elementwise."""
    if x.dtype == np.float16:
        return polygamma(x.astype(np.float32), 0).astype(np.float16)
    return polygamma(x, 0)
