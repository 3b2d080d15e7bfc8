"""``parametrizations.orthogonal``: keep a matrix (or batch of matrices) orthogonal by computing it from an
unconstrained one, through the matrix exponential or the Cayley map of a skew-symmetric matrix, or a
product of Householder reflections (Lezcano-Casado & Martinez-Rubio, 2019)."""

from __future__ import annotations

import ember
from ember.nn.modules.module import Module
from ember.nn.utils import parametrize

__all__ = ["orthogonal"]

_MAPS = ("matrix_exp", "cayley", "householder")


def _make_orthogonal(a):
    """The Q of a QR decomposition of ``a`` with R's diagonal made positive (so Q is unique)."""
    x, tau = ember.geqrf(a)
    q = ember.linalg.householder_product(x, tau)
    return q * ember.sign(x.diagonal(0, -2, -1)).unsqueeze(-2)


def _is_orthogonal(q) -> bool:
    n, k = q.shape[-2:]
    eye = ember.eye(k, dtype=q.dtype, device=q.device)
    eps = 10.0 * n * ember.finfo(q.dtype).eps
    return bool(ember.allclose(q.mT @ q, eye.expand_as(q.mT @ q), atol=eps))


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X):
        n, k = X.shape[-2:]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:   # embed into a square matrix
                X = ember.cat([X, ember.zeros(tuple(X.shape[:-2]) + (n, n - k), dtype=X.dtype, device=X.device)],
                              -1)
            A = X - X.mT
            if self.orthogonal_map == "matrix_exp":
                Q = ember.matrix_exp(A)
            else:   # the Cayley retraction (I + A/2)(I - A/2)^-1
                eye = ember.eye(n, dtype=A.dtype, device=A.device)
                Q = ember.linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = ember.linalg.householder_product(A, tau)
            Q = Q * X.diagonal(0, -2, -1).detach().to(ember.int32).unsqueeze(-2)
        if self._buffers.get("base") is not None:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q):
        if tuple(Q.shape) != self.shape:
            raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. Got a tensor of shape "
                             f"{tuple(Q.shape)}.")
        q_init = Q
        n, k = Q.shape[-2:]
        transposed = n < k
        if transposed:
            Q = Q.mT
            n, k = k, n
        if "base" not in self._buffers:
            if self.orthogonal_map in ("matrix_exp", "cayley"):
                raise NotImplementedError("It is not possible to assign to the matrix exponential or the Cayley "
                                          "parametrizations when use_trivialization=False.")
            A, tau = ember.geqrf(Q)
            diag = ember.sign(A.diagonal(0, -2, -1))
            diag = ember.where(tau == 0, -diag, diag)
            A = ember.diagonal_scatter(A, diag, 0, -2, -1)
            return A.mT if transposed else A
        if n == k:
            Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
        else:   # complete Q to an n x n orthogonal matrix
            extra = ember.randn(tuple(Q.shape[:-2]) + (n, n - k), dtype=Q.dtype, device=Q.device)
            Q = _make_orthogonal(ember.cat([Q, extra], -1))
        self.base = Q
        # -Id: the Householder map sends zeros to the identity through the diagonal's signs
        neg_eye = ember.zeros_like(q_init)
        return neg_eye.fill_diagonal_(-1.0) if neg_eye.ndim == 2 else ember.diagonal_scatter(
            neg_eye, -ember.ones(tuple(neg_eye.shape[:-2]) + (min(neg_eye.shape[-2:]),), dtype=neg_eye.dtype),
            0, -2, -1)


def orthogonal(module, name: str = "weight", orthogonal_map: str | None = None, *, use_trivialization: bool = True):
    """Parametrize ``module.<name>`` (a matrix or batch of matrices) to be orthogonal: Q^T Q = I for tall
    matrices, Q Q^T = I for wide ones.

    Args:
        orthogonal_map: ``"matrix_exp"``, ``"cayley"`` or ``"householder"`` (default: ``"matrix_exp"`` for
            square matrices, ``"householder"`` otherwise).
        use_trivialization: optimise relative to a base orthogonal matrix (the initial weight, made
            orthogonal), which lets the weight be assigned.
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, ember.Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: '
                         f"{orthogonal_map}")
    parametrize.register_parametrization(module, name,
                                         _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization),
                                         unsafe=True)
    return module
