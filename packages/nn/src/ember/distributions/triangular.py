"""Cholesky factors and triangular solves with gradients, on host NumPy copies.

ember has no ``ember.linalg`` yet; ``MultivariateNormal`` needs these two, so they live here
as autograd Functions (batched over leading dimensions, float32/float64).
"""

from __future__ import annotations

import numpy as np

import ember
from ember.autograd import Function


def _host(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def _like(a: np.ndarray, ref):
    return ember.from_numpy(np.ascontiguousarray(a.astype(_host(ref).dtype, copy=False))).to(ref.device)


def _solve_lower(L: np.ndarray, B: np.ndarray) -> np.ndarray:
    return np.linalg.solve(L, B)


def _mT(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2)


class _Cholesky(Function):
    @staticmethod
    def forward(ctx, A):
        a = _host(A)
        try:
            L = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise ValueError(f"cholesky: the matrix of shape {tuple(A.shape)} is not positive-definite") from None
        out = _like(L, A)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        # Murray (2016): A_bar = sym(L^-T Phi(L^T L_bar) L^-1), Phi = lower triangle with half diagonal
        (L,) = ctx.saved_tensors
        n = L.shape[-1]
        half = ember.ones(n, n, dtype=L.dtype, device=L.device).tril() - 0.5 * ember.eye(n, dtype=L.dtype,
                                                                                        device=L.device)
        phi = (L.mT @ grad) * half
        s = solve_upper(L.mT, solve_upper(L.mT, phi.mT).mT)  # L^-T phi L^-1
        return 0.5 * (s + s.mT)


class _SolveLower(Function):
    @staticmethod
    def forward(ctx, L, B):
        X = _like(_solve_lower(_host(L), _host(B)), B)
        ctx.save_for_backward(L, X)
        return X

    @staticmethod
    def backward(ctx, grad):
        L, X = ctx.saved_tensors
        gB = solve_upper(L.mT, grad)
        gL = -(gB @ X.mT).tril()
        return gL, gB


class _SolveUpper(Function):
    @staticmethod
    def forward(ctx, U, B):
        X = _like(np.linalg.solve(_host(U), _host(B)), B)
        ctx.save_for_backward(U, X)
        return X

    @staticmethod
    def backward(ctx, grad):
        U, X = ctx.saved_tensors
        gB = solve_lower(U.mT, grad)
        gU = -(gB @ X.mT).triu()
        return gU, gB


def cholesky(A):
    """The lower Cholesky factor ``L`` of symmetric positive-definite ``A`` (``A = L L^T``), batched."""
    return _Cholesky.apply(A)


def _common(T, B):
    batch = tuple(np.broadcast_shapes(tuple(T.shape[:-2]), tuple(B.shape[:-2])))
    return T.expand(batch + tuple(T.shape[-2:])), B.expand(batch + tuple(B.shape[-2:]))


def solve_lower(L, B):
    """``L^-1 B`` for lower-triangular ``L`` (``(..., n, n)``) and ``B`` (``(..., n, k)``), batches broadcast."""
    return _SolveLower.apply(*_common(L, B))


def solve_upper(U, B):
    """``U^-1 B`` for upper-triangular ``U``."""
    return _SolveUpper.apply(*_common(U, B))


def diagonal(M):
    """The diagonal of the last two dimensions (a differentiable composite)."""
    n = M.shape[-1]
    return (M * ember.eye(n, dtype=M.dtype, device=M.device)).sum(-1)
