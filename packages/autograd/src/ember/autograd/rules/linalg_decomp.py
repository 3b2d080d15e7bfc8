"""Derivatives of the decompositions and solvers (``ember/ops/linalg_decomp.py``).

Real matrices only. The formulas are the standard ones (Giles, "An extended collection of matrix
derivative results", 2008; Murray, "Differentiation of the Cholesky decomposition", 2016;
Walter and Lehmann for QR), written with ember ops so they differentiate again.
"""

from __future__ import annotations

import ember
from ember.autograd.rules import rule


def _eye(n: int, like):
    return ember.eye(n, dtype=like.dtype, device=like.device)


def _diag_embed(v):
    """The (*, n, n) matrices with ``v`` (*, n) on their diagonals."""
    return v.unsqueeze(-1) * _eye(v.shape[-1], v)


def _solve_right(M, R):
    """``M R^-1``, i.e. the X with ``X R = M``."""
    return ember.linalg.solve(R.mT, M.mT).mT


@rule("linalg_inv_ex", "LinalgInvExBackward0", save_inputs=False, save_output=(0,))
def _inv(grad, inputs, output, params):
    g, _ = grad
    inverse = output[0]
    return -(inverse.mT @ g @ inverse.mT)


@rule("linalg_slogdet", "LinalgSlogdetBackward0")
def _slogdet(grad, inputs, output, params):
    _, g = grad
    if g is None:
        return None
    (A,) = inputs
    # d log|det A| = tr(A^-1 dA): the gradient is A^-T (solve rather than inverse: one LU)
    return g.unsqueeze(-1).unsqueeze(-1) * ember.linalg.solve(A.mT, _eye(A.shape[-1], A).expand(A.shape))


@rule("linalg_solve_ex", "LinalgSolveExBackward0", save_output=(0,), uses={0: (0,), 1: (0,)})
def _solve(grad, inputs, output, params, needs):
    g, _ = grad
    A, _ = inputs
    X = output[0]
    gB = ember.linalg.solve(A.mT, g)
    gA = -(gB @ X.mT) if needs[0] else None
    return gA, gB if needs[1] else None


@rule("linalg_cholesky_ex", "LinalgCholeskyExBackward0", save_inputs=False, save_output=(0,))
def _cholesky(grad, inputs, output, params):
    g, _ = grad
    L = output[0]
    # Phi(L^T gL): its lower triangle with the diagonal halved, made symmetric
    P = (L.mT @ g).tril()
    P = 0.5 * (P + P.tril(-1).mT)
    left = ember.linalg.solve(L.mT, P)                 # L^-T P
    return ember.linalg.solve(L.mT, left.mT).mT        # L^-T P L^-1


@rule("linalg_qr", "LinalgQrBackward0", save_inputs=False, save_output=True)
def _qr(grad, inputs, output, params):
    (mode,) = params
    Q, R = output
    gQ, gR = grad
    m, n = inputs[0].shape[-2], inputs[0].shape[-1]
    if mode == "r":
        raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed when mode='r'. "
                           "Please use linalg.qr(A, mode='reduced') if you are going to differentiate through "
                           "linalg.qr.")
    if mode == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
    if m < n:
        raise NotImplementedError(f"linalg.qr: the gradient of the QR decomposition of a wide matrix ({m}x{n}) is "
                                  f"not implemented; differentiate the QR of its transpose instead")
    M = None
    if gR is not None:
        M = gR @ R.mT
    if gQ is not None:
        M = -(Q.mT @ gQ) if M is None else M - Q.mT @ gQ
    M = M.triu()
    sym = M + M.mT - _diag_embed((M * _eye(M.shape[-1], M)).sum(-1))   # M + M^T with the diagonal once
    gA = Q @ sym
    if gQ is not None:
        gA = gA + gQ
    return _solve_right(gA, R.mT)                       # (...) R^-T


@rule("linalg_svd", "LinalgSvdBackward0", save_inputs=False, save_output=True)
def _svd(grad, inputs, output, params):
    (full_matrices,) = params
    U, S, Vh = output
    gU, gS, gVh = grad
    m, n = inputs[0].shape[-2], inputs[0].shape[-1]
    k = S.shape[-1]
    if gU is None and gVh is None:
        gS_mat = _diag_embed(gS)
        return U[..., :, :k] @ gS_mat @ Vh[..., :k, :]
    if full_matrices and m != n:
        raise RuntimeError("linalg.svd: the gradient through U or Vh of a non-square matrix needs "
                           "full_matrices=False (the extra columns are not unique)")
    U, Vh = U[..., :, :k], Vh[..., :k, :]
    if gU is not None:
        gU = gU[..., :, :k]
    if gVh is not None:
        gVh = gVh[..., :k, :]
    V = Vh.mT
    gV = gVh.mT if gVh is not None else None
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1)
    eye = _eye(k, S)
    E = E + eye          # its diagonal is 0; the skew matrices below are 0 there too
    inner = None
    if gU is not None:
        UtgU = U.mT @ gU
        inner = (UtgU - UtgU.mT) * S.unsqueeze(-2)
    if gV is not None:
        VtgV = V.mT @ gV
        term = S.unsqueeze(-1) * (VtgV - VtgV.mT)
        inner = term if inner is None else inner + term
    gA = inner / E
    if gS is not None:
        gA = gA + _diag_embed(gS)
    if m > n and gU is not None:
        gA = U @ gA
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - U @ (U.mT @ gUSinv)
        return gA @ Vh
    if m < n and gV is not None:
        gA = gA @ Vh
        gVSinv = gV / S.unsqueeze(-2)
        gA = gA + gVSinv.mT - (gVSinv.mT @ V) @ Vh
        return U @ gA
    return U @ gA @ Vh


@rule("linalg_eigh", "LinalgEighBackward0", save_inputs=False, save_output=True)
def _eigh(grad, inputs, output, params):
    L, V = output
    gL, gV = grad
    n = L.shape[-1]
    if gV is None:
        return V @ _diag_embed(gL) @ V.mT
    VtgV = V.mT @ gV
    skew = 0.5 * (VtgV - VtgV.mT)
    E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye(n, L)
    inner = skew / E
    inner = inner * (1 - _eye(n, L))
    if gL is not None:
        inner = inner + _diag_embed(gL)
    return V @ inner @ V.mT


@rule("linalg_lu_factor_ex", "LinalgLuFactorExBackward0", save_inputs=False, save_output=(0, 1))
def _lu_factor(grad, inputs, output, params):
    g = grad[0]
    LU, pivots = output[0], output[1]
    m, n = LU.shape[-2], LU.shape[-1]
    if m != n:
        raise NotImplementedError(f"linalg.lu_factor: the gradient of the LU factorization of a non-square matrix "
                                  f"({m}x{n}) is not implemented")
    P, L, U = ember.linalg.lu_unpack(LU, pivots)
    # A = P L U: gA = P L^-T [tril(L^T gL, -1) + triu(gU U^T)] U^-T, with gL/gU the packed gradient's parts
    inner = (L.mT @ g.tril(-1)).tril(-1) + (g.triu() @ U.mT).triu()
    left = ember.linalg.solve_triangular(L.mT, inner, upper=True, unitriangular=True)
    return P @ _solve_right(left, U.mT)
