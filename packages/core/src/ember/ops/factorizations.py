"""PyTorch's LAPACK-style factorization functions, on top of ``ember.linalg``: ``geqrf`` (Householder QR
in compact form), ``orgqr``/``ormqr`` (apply its Q), ``lu``/``lu_solve`` and ``triangular_solve``."""

from __future__ import annotations

import numpy as np

from ember import linalg
from ember.ops.creation import tensor, zeros
from ember.ops.return_types import _return_type
from ember.ops.shape import cat

__all__ = ["geqrf", "orgqr", "ormqr", "lu_solve", "triangular_solve"]

_geqrf = _return_type("geqrf", ("a", "tau"))
_triangular_solve = _return_type("triangular_solve", ("solution", "cloned_coefficient"))


def _matrix(fn: str, x) -> None:
    if x.ndim < 2:
        raise RuntimeError(f"torch.{fn}: input must have at least 2 dimensions.".replace("torch", "ember"))
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"{fn}: Expected a floating point tensor, got {x.dtype}")


def geqrf(input):
    """The QR factorization in LAPACK's compact form: ``a`` holds R on and above the diagonal and the
    Householder vectors below it, ``tau`` their scales (``orgqr(a, tau)`` is Q). No gradient."""
    _matrix("geqrf", input)
    a = input.detach().cpu().numpy()
    m, n = a.shape[-2:]
    flat = a.reshape((-1, m, n))
    hs, taus = [], []
    for mat in flat:
        h, tau = np.linalg.qr(mat, mode="raw")
        hs.append(h.T)
        taus.append(tau)
    k = min(m, n)
    h = np.stack(hs).reshape(a.shape) if hs else np.empty(a.shape, a.dtype)
    tau = np.stack(taus).reshape(a.shape[:-2] + (k,)) if taus else np.empty(a.shape[:-2] + (k,), a.dtype)
    return _geqrf((tensor(h.astype(a.dtype), device=input.device),
                   tensor(tau.astype(a.dtype), device=input.device)))


def orgqr(input, tau):
    """The first n columns of Q from ``geqrf``'s compact form (``linalg.householder_product``)."""
    return linalg.householder_product(input, tau)


def ormqr(input, tau, other, left: bool = True, transpose: bool = False):
    """``Q @ other`` (or ``other @ Q``; with ``Q^T`` if ``transpose``), Q the full m x m orthogonal matrix of
    ``geqrf``'s compact form in ``input`` and ``tau``."""
    _matrix("ormqr", input)
    m = input.shape[-2]
    k = tau.shape[-1]
    lead = tuple(input.shape[:-2])
    vectors = input[..., :, :k]
    if k < m:   # reflectors with tau 0 are the identity: they complete Q to m x m
        vectors = cat([vectors, zeros(lead + (m, m - k), dtype=input.dtype, device=input.device)], -1)
        tau = cat([tau, zeros(lead + (m - k,), dtype=tau.dtype, device=tau.device)], -1)
    q = linalg.householder_product(vectors, tau)
    if transpose:
        q = q.transpose(-2, -1)
    return q @ other if left else other @ q


def lu_solve(b, LU_data, LU_pivots):
    """The solution X of ``A X = b`` from the LU factorization of A (``lu`` / ``linalg.lu_factor``)."""
    return linalg.lu_solve(LU_data, LU_pivots, b)


def triangular_solve(b, A, upper: bool = True, transpose: bool = False, unitriangular: bool = False):
    """The solution X of ``A X = b`` (``A^T X = b`` with ``transpose``) for triangular A; returns
    ``(solution, cloned_coefficient)``."""
    coefficient = A.transpose(-2, -1) if transpose else A
    solution = linalg.solve_triangular(coefficient, b, upper=upper != transpose, unitriangular=unitriangular)
    return _triangular_solve((solution, A.clone()))


def lu(A, pivot: bool = True, get_infos: bool = False):
    """The LU factorization of A in compact form: ``(LU, pivots)``, plus ``infos`` with ``get_infos``."""
    if not pivot:
        raise RuntimeError("lu without pivoting is not implemented on the CPU")
    if get_infos:
        return tuple(linalg.lu_factor_ex(A))
    return tuple(linalg.lu_factor(A))


class FactorizationMethods:
    __slots__ = ()

    geqrf, orgqr, ormqr, lu = geqrf, orgqr, ormqr, lu

    def lu_solve(self, LU_data, LU_pivots):
        return lu_solve(self, LU_data, LU_pivots)

    def triangular_solve(self, A, upper: bool = True, transpose: bool = False, unitriangular: bool = False):
        return triangular_solve(self, A, upper, transpose, unitriangular)
