"""Standard gamma samples with implicit reparameterization gradients.

A sample ``z ~ Gamma(alpha, 1)`` is held fixed at its CDF level ``u = P(alpha, z)`` while
``alpha`` moves, so ``dz/dalpha = -(dP/dalpha)(alpha, z) / p(z; alpha)`` (Figurnov, Mohamed &
Mnih, "Implicit Reparameterization Gradients", 2018). ``P`` is the regularized lower incomplete
gamma function, whose series ``P = sum_n z^(alpha+n) e^(-z) / Gamma(alpha+n+1)`` differentiates
term by term; divided by the density the terms are ``r_n = z^(n+1) Gamma(alpha) / Gamma(alpha+n+1)``,
so ``dz/dalpha = -sum_n r_n (log z - psi(alpha+n+1))``. Beyond ``_SERIES_MAX`` the
Wilson-Hilferty approximation (a normal cube root) is differentiated instead: its error there
is far below sampling noise. Beta and Dirichlet samples are normalized gamma samples, so they
inherit these gradients through autograd.
"""

from __future__ import annotations

import numpy as np

import ember
from ember.autograd import Function
from ember.distributions.parameters import tiny_of
from ember.random import _rng

_SERIES_MAX = 1e4
_TOL = 1e-16
_MAX_TERMS = 100_000  # never reached for alpha <= _SERIES_MAX at finite z: a guard, not a limit


def _series(alpha: np.ndarray, z: np.ndarray) -> np.ndarray:
    log_z = np.log(z)
    psi = ember.digamma(ember.from_numpy(alpha + 1.0)).numpy()  # psi(alpha + n + 1) at n = 0
    r = z / alpha
    total = r * (log_z - psi)
    active = np.ones(alpha.shape, bool)
    n = 0
    while active.any() and n < _MAX_TERMS:
        n += 1
        idx = np.nonzero(active)[0]
        a, x = alpha[idx], z[idx]
        psi[idx] += 1.0 / (a + n)
        r[idx] *= x / (a + n)
        term = r[idx] * (log_z[idx] - psi[idx])
        total[idx] += term
        # past the terms' peak (n > z - alpha) they shrink geometrically; stop when negligible
        done = (n > x - a) & (np.abs(term) <= _TOL * np.maximum(np.abs(total[idx]), 1e-300))
        active[idx[done]] = False
    return -total


def _wilson_hilferty(alpha: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``z ~ alpha (1 - 1/(9 alpha) + e / (3 sqrt(alpha)))^3`` with ``e`` standard normal, held fixed."""
    cube = np.cbrt(z / alpha)
    e = (cube - 1.0 + 1.0 / (9.0 * alpha)) * 3.0 * np.sqrt(alpha)
    base = 1.0 - 1.0 / (9.0 * alpha) + e / (3.0 * np.sqrt(alpha))
    dbase = 1.0 / (9.0 * alpha ** 2) - e / (6.0 * alpha ** 1.5)
    return base ** 3 + 3.0 * alpha * base ** 2 * dbase


def standard_gamma_grad(alpha: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``dz/dalpha`` of standard gamma samples ``z`` at concentrations ``alpha`` (float64 inside)."""
    a = np.asarray(alpha, np.float64).reshape(-1)
    x = np.asarray(z, np.float64).reshape(-1)
    out = np.full_like(a, np.nan)
    valid = np.isfinite(a) & np.isfinite(x) & (a > 0) & (x > 0)
    small = valid & (a <= _SERIES_MAX)
    if small.any():
        out[small] = _series(a[small], x[small])
    large = valid & ~small
    if large.any():
        out[large] = _wilson_hilferty(a[large], x[large])
    return out.reshape(np.shape(alpha))


class _StandardGamma(Function):
    @staticmethod
    def forward(ctx, alpha):
        a = alpha.detach().cpu().numpy()
        draws = _rng(None).standard_gamma(a.astype(np.float64))
        draws = np.maximum(draws, tiny_of(alpha.dtype)).astype(a.dtype)  # keep log(z) finite
        z = ember.from_numpy(np.asarray(draws)).to(alpha.device)
        ctx.save_for_backward(alpha, z)
        return z

    @staticmethod
    def backward(ctx, grad):
        alpha, z = ctx.saved_tensors
        dz = standard_gamma_grad(alpha.detach().cpu().numpy(), z.detach().cpu().numpy())
        return grad * ember.from_numpy(dz.astype(alpha.detach().cpu().numpy().dtype)).to(alpha.device)


def standard_gamma(alpha):
    """Samples of ``Gamma(alpha, 1)``, one per element of ``alpha``, differentiable in ``alpha``;
    random numbers come from ember's default generator (``ember.manual_seed``)."""
    return _StandardGamma.apply(alpha)
