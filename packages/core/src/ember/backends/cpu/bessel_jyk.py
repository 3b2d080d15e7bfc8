"""CPU kernels for the Bessel functions ``J0 J1 Y0 Y1`` and the modified ``K0 K1`` (plain and
exponentially scaled), float64 inside.

- ``J_n(x) = 1/(2 pi) * integral_0^2pi cos(n t - x sin t) dt``: the integrand is periodic and
  analytic, so the trapezoidal rule on 256 points is exact to rounding while the aliased
  terms (``J_(256 - n)(x)``, n <= 81 here) are negligible, which holds for ``|x| <= 30``.
- ``Y0, Y1`` for ``x <= 30`` from Neumann's series in those J's:
  ``Y0 = 2/pi (log(x/2) + gamma) J0 - 4/pi sum_k (-1)^k J_2k / k`` and ``Y1 = -Y0'``.
- Beyond 30, Hankel's asymptotic expansions (A&S 9.2.5-9.2.10), whose terms fall below 1e-17
  before they start to grow.
- ``K_nu(x) = integral_0^inf exp(-x cosh t) cosh(nu t) dt``: the integrand decays doubly
  exponentially and is analytic in a strip, so the trapezoidal rule converges exponentially;
  the step follows the integrand's width (~1/sqrt(x)). The scaled forms integrate
  ``exp(-x (cosh t - 1))``, which never underflows.
"""

from __future__ import annotations

import math

import numpy as np

_EULER = 0.5772156649015329
_SWITCH = 30.0
_POINTS = 256
_THETA = 2 * math.pi * np.arange(_POINTS) / _POINTS
_SIN = np.sin(_THETA)


def _j_trapezoid(n: int, x: np.ndarray) -> np.ndarray:
    """``J_n(x)`` for ``|x| <= 30`` (any integer n >= 0)."""
    return np.cos(n * _THETA[None, :] - x[:, None] * _SIN[None, :]).mean(axis=1)


def _hankel(nu: int, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(J_nu(x), Y_nu(x))`` for ``x > 30``."""
    mu = 4.0 * nu * nu
    p, q = np.ones_like(x), np.zeros_like(x)
    term = np.ones_like(x)
    for k in range(1, 40):
        term = term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        if k % 2 == 1:
            q += term * (-1) ** ((k - 1) // 2)
        else:
            p += term * (-1) ** (k // 2)
    chi = x - (nu / 2 + 0.25) * math.pi
    scale = np.sqrt(2.0 / (math.pi * x))
    return scale * (p * np.cos(chi) - q * np.sin(chi)), scale * (p * np.sin(chi) + q * np.cos(chi))


def _j(nu: int, x: np.ndarray) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    a = np.abs(v)
    out = np.full(v.shape, np.nan)
    small = a <= _SWITCH
    out[small] = _j_trapezoid(nu, a[small])
    big = ~small & np.isfinite(a)
    out[big] = _hankel(nu, a[big])[0]
    out[np.isinf(a)] = 0.0   # the limit (PyTorch gives NaN)
    out[a == 0] = 1.0 if nu == 0 else 0.0
    return np.where(v < 0, -out, out) if nu % 2 else out   # J1 is odd, J0 even


def _y_small(nu: int, x: np.ndarray) -> np.ndarray:
    """``Y_nu(x)`` for ``0 < x <= 30`` by Neumann's series."""
    log_term = np.log(x / 2) + _EULER
    terms = int(_SWITCH / 2) + 25
    js = [_j_trapezoid(m, x) for m in range(2 * terms + 2)]
    if nu == 0:
        total = sum((-1) ** k * js[2 * k] / k for k in range(1, terms + 1))
        return 2 / math.pi * log_term * js[0] - 4 / math.pi * total
    total = sum((-1) ** k * (js[2 * k - 1] - js[2 * k + 1]) / k for k in range(1, terms + 1))
    return 2 / math.pi * (log_term * js[1] - js[0] / x) + 2 / math.pi * total


def _y(nu: int, x: np.ndarray) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    small = (v > 0) & (v <= _SWITCH)
    out[small] = _y_small(nu, v[small])
    big = (v > _SWITCH) & np.isfinite(v)
    out[big] = _hankel(nu, v[big])[1]
    out[v == 0] = -np.inf
    out[v == np.inf] = 0.0
    return out


_K_POINTS = 400


def _k_scaled(nu: int, x: np.ndarray) -> np.ndarray:
    """``exp(x) K_nu(x)`` for finite x > 0."""
    t_max = np.arccosh(1.0 + 745.0 / x)               # where exp(-x (cosh t - 1)) underflows
    h = t_max / _K_POINTS
    t = h[:, None] * np.arange(_K_POINTS + 1)[None, :]
    f = np.exp(-x[:, None] * (np.cosh(t) - 1.0)) * (np.cosh(nu * t) if nu else 1.0)
    return h * (f.sum(axis=1) - 0.5 * f[:, 0])


def _k(nu: int, x: np.ndarray, scaled: bool) -> np.ndarray:
    v = np.asarray(x, dtype=np.float64)
    out = np.full(v.shape, np.nan)
    ok = (v > 0) & np.isfinite(v)
    if ok.any():
        ks = _k_scaled(nu, v[ok])
        with np.errstate(under="ignore"):
            out[ok] = ks if scaled else ks * np.exp(-v[ok])
    out[v == 0] = np.inf
    out[v == np.inf] = 0.0
    return out


def _cast(fn):
    def kernel(x: np.ndarray) -> np.ndarray:
        out = fn(x)
        return out.astype(x.dtype, copy=False) if x.dtype.kind == "f" else out
    kernel.__name__ = fn.__name__
    return kernel


def bessel_j0(x):
    return _j(0, x)


def bessel_j1(x):
    return _j(1, x)


def bessel_y0(x):
    return _y(0, x)


def bessel_y1(x):
    return _y(1, x)


def modified_bessel_k0(x):
    return _k(0, x, False)


def modified_bessel_k1(x):
    return _k(1, x, False)


def scaled_modified_bessel_k0(x):
    return _k(0, x, True)


def scaled_modified_bessel_k1(x):
    return _k(1, x, True)


KERNELS = {fn.__name__: _cast(fn) for fn in (bessel_j0, bessel_j1, bessel_y0, bessel_y1, modified_bessel_k0,
                                              modified_bessel_k1, scaled_modified_bessel_k0,
                                              scaled_modified_bessel_k1)}
