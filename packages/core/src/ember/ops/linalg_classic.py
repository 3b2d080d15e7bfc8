"""The older, top-level forms of the decompositions (``torch.svd``, ``torch.qr``,
``torch.cholesky``, ``torch.pinverse``, ``torch.cross``) and the Tensor methods of the matrix
functions (``A.det()``, ``A.inverse()``, ``A.svd()``, ...). They differ from ``ember.linalg``
in their arguments and results (``svd`` gives V, not Vh; ``some=`` instead of ``mode=``)."""

from __future__ import annotations

from ember.ops import linalg_decomp as L
from ember.ops import return_types
from ember.ops.creation import zeros

__all__ = ["svd", "qr", "cholesky", "pinverse", "cross", "LinalgClassicMethods"]


def svd(input, some: bool = True, compute_uv: bool = True, *, out=None):
    """``(U, S, V)`` with ``input = U diag(S) V^T`` (V, not ``linalg.svd``'s Vh); ``some=True``
    gives the reduced decomposition. With ``compute_uv=False``, U and V are zero-filled
    (m, m) and (n, n) matrices, as in PyTorch."""
    if not compute_uv:
        S = L.svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        U = zeros(batch + (m, m), dtype=input.dtype, device=input.device)
        V = zeros(batch + (n, n), dtype=input.dtype, device=input.device)
        return return_types.svd((U, S, V))
    U, S, Vh = L.svd(input, full_matrices=not some)
    return return_types.svd((U, S, Vh.mT))


def qr(input, some: bool = True, *, out=None):
    """``(Q, R)``: ``linalg.qr`` with ``mode="reduced"`` (``some=True``) or ``"complete"``."""
    return return_types.qr(L.qr(input, "reduced" if some else "complete"))


def cholesky(input, upper: bool = False, *, out=None):
    """The Cholesky factor, lower (or upper with ``upper=True``); see :func:`ember.linalg.cholesky`."""
    return L.cholesky(input, upper=upper, out=out)


def pinverse(input, rcond: float = 1e-15):
    """The pseudo-inverse, singular values below ``rcond`` times the largest counted as 0."""
    return L.pinv(input, rtol=rcond)


def cross(input, other, dim: int | None = None, *, out=None):
    """The cross product along ``dim``; without ``dim``, along the first dim of size 3 (as
    PyTorch's deprecated default)."""
    if dim is None:
        sizes = [i for i, s in enumerate(input.shape) if s == 3]
        if not sizes:
            raise RuntimeError(f"no dimension of size 3 in input of shape {tuple(input.shape)}")
        dim = sizes[0]
    return L._write_out(L.cross(input, other, dim=dim), out)


class LinalgClassicMethods:
    __slots__ = ()

    def det(self):
        return L.det(self)

    def logdet(self):
        return L.logdet(self)

    def slogdet(self):
        return return_types.slogdet(L.slogdet(self))

    def inverse(self):
        return L.inv(self)

    def pinverse(self, rcond: float = 1e-15):
        return pinverse(self, rcond)

    def matrix_power(self, n: int):
        return L.matrix_power(self, n)

    def matrix_exp(self):
        return L.matrix_exp(self)

    def cholesky(self, upper: bool = False):
        return cholesky(self, upper)

    def qr(self, some: bool = True):
        return qr(self, some)

    def svd(self, some: bool = True, compute_uv: bool = True):
        return svd(self, some, compute_uv)

    def cross(self, other, dim: int | None = None):
        return cross(self, other, dim)
