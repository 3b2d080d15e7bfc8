"""The older, top-level forms of the decompositions (``torch.svd``, ``torch.qr``,
``torch.cholesky``, ``torch.pinverse``, ``torch.cross``) and the Tensor methods of the matrix
functions (``A.det()``, ``A.inverse()``, ``A.svd()``, ...). They differ from ``ember.linalg``
in their arguments and results (``svd`` gives V, not Vh; ``some=`` instead of ``mode=``)."""

from __future__ import annotations

from ember import _core
from ember.ops import linalg_decomp as _decomp
from ember.ops import return_types
from ember.ops.creation import zeros
from ember.ops.linalg_decomp import _write_out

__all__ = ["svd", "qr", "cholesky", "pinverse", "cross", "cholesky_solve", "cholesky_inverse", "chain_matmul",
           "inner", "vdot", "kron", "tensordot", "trace", "addmv", "addr", "addbmm", "LinalgClassicMethods"]


def _write_outs(fn: str, result, out):
    """``result`` (a named tuple of tensors) written into the tensors of ``out``, when given."""
    if out is None:
        return result
    if not isinstance(out, (tuple, list)) or len(out) != len(result) or \
            not all(isinstance(o, _core.TensorBase) for o in out):
        raise TypeError(f"{fn}(): argument 'out' must be a tuple of {len(result)} Tensors")
    return type(result)(tuple(_write_out(r, o) for r, o in zip(result, out)))


def svd(input, some: bool = True, compute_uv: bool = True, *, out=None):
    """``(U, S, V)`` with ``input = U diag(S) V^T`` (V, not ``linalg.svd``'s Vh); ``some=True``
    gives the reduced decomposition. With ``compute_uv=False``, U and V are zero-filled
    (m, m) and (n, n) matrices, as in PyTorch. ``out``: a tuple of three tensors to write into."""
    return _write_outs("svd", _svd(input, some, compute_uv), out)


def _svd(input, some: bool, compute_uv: bool):
    if not compute_uv:
        S = _decomp.svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        U = zeros(batch + (m, m), dtype=input.dtype, device=input.device)
        V = zeros(batch + (n, n), dtype=input.dtype, device=input.device)
        return return_types.svd((U, S, V))
    U, S, Vh = _decomp.svd(input, full_matrices=not some)
    return return_types.svd((U, S, Vh.mT))


def qr(input, some: bool = True, *, out=None):
    """``(Q, R)``: ``linalg.qr`` with ``mode="reduced"`` (``some=True``) or ``"complete"``;
    ``out``: a tuple of two tensors to write into."""
    return _write_outs("qr", return_types.qr(_decomp.qr(input, "reduced" if some else "complete")), out)


def cholesky(input, upper: bool = False, *, out=None):
    """The Cholesky factor, lower (or upper with ``upper=True``); see :func:`ember.linalg.cholesky`."""
    return _decomp.cholesky(input, upper=upper, out=out)


def pinverse(input, rcond: float = 1e-15):
    """The pseudo-inverse, singular values below ``rcond`` times the largest counted as 0."""
    return _decomp.pinv(input, rtol=rcond)


def cross(input, other, dim: int | None = None, *, out=None):
    """The cross product along ``dim``; without ``dim``, along the first dim of size 3 (as
    PyTorch's deprecated default)."""
    if dim is None:
        sizes = [i for i, s in enumerate(input.shape) if s == 3]
        if not sizes:
            raise RuntimeError(f"no dimension of size 3 in input of shape {tuple(input.shape)}")
        dim = sizes[0]
    return _decomp._write_out(_decomp.cross(input, other, dim=dim), out)


def cholesky_solve(B, L, upper: bool = False, *, out=None):
    """The solution of ``A X = B`` given the Cholesky factor ``L`` of ``A`` (``A = L L^T``, or
    ``U^T U`` with ``upper=True``)."""
    lower = L.mT if upper else L
    Y = _decomp.solve_triangular(lower, B, upper=False)
    return _decomp._write_out(_decomp.solve_triangular(lower.mT, Y, upper=True), out)


def cholesky_inverse(L_factor, upper: bool = False, *, out=None):
    """The inverse of ``A`` from its Cholesky factor (``A = L L^T``; ``U^T U`` with ``upper=True``)."""
    from ember.ops.creation import eye
    n = L_factor.shape[-1]
    identity = eye(n, dtype=L_factor.dtype, device=L_factor.device).expand(L_factor.shape)
    return cholesky_solve(identity, L_factor, upper, out=out)


def chain_matmul(*matrices, out=None):
    """The product of two or more matrices (deprecated in PyTorch for ``linalg.multi_dot``)."""
    if len(matrices) == 1:
        return matrices[0].clone()
    return _decomp._write_out(_decomp.multi_dot(matrices), out)


def inner(input, other, *, out=None):
    """The dot product over the last dims: ``input (*a, n)``, ``other (*b, n)`` -> ``(*a, *b)``;
    a scalar (0-d) operand multiplies."""
    if input.ndim == 0 or other.ndim == 0:
        return _decomp._write_out(input * other, out)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return _decomp._write_out(tensordot(input, other, ([-1], [-1])), out)


def vdot(input, other, *, out=None):
    """The dot product of two 1-D tensors (for real tensors, :func:`ember.dot`)."""
    from ember.ops.linalg import dot
    return _decomp._write_out(dot(input, other), out)


def kron(input, other, *, out=None):
    """The Kronecker product: for each pair of entries, ``input[i] * other``, tiled blockwise."""
    n = max(input.ndim, other.ndim)
    a = input.reshape((1,) * (n - input.ndim) + tuple(input.shape))
    b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
    # interleave: a (a0, 1, a1, 1, ...) * b (1, b0, 1, b1, ...) -> (a0*b0, a1*b1, ...)
    a_shape, b_shape = [], []
    for sa, sb in zip(a.shape, b.shape):
        a_shape += [sa, 1]
        b_shape += [1, sb]
    product = a.reshape(a_shape) * b.reshape(b_shape)
    return _decomp._write_out(product.reshape(tuple(sa * sb for sa, sb in zip(a.shape, b.shape))), out)


def tensordot(a, b, dims=2, out=None):
    """Sums of products over the last ``dims`` dims of ``a`` and the first ``dims`` of ``b``, or
    over the given lists of dims ``([a dims], [b dims])``."""
    from ember.ops.shape import wrap_dim
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([dims[0]] if isinstance(dims[0], int) else list(dims[0]),
                  [dims[1]] if isinstance(dims[1], int) else list(dims[1]))
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, got {len(da)} and {len(db)}")
    da = [wrap_dim(d, a.ndim) for d in da]
    db = [wrap_dim(d, b.ndim) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[x]} in dim {x} "
                               f"and second has size {b.shape[y]} in dim {y}")
    free_a = [d for d in range(a.ndim) if d not in da]
    free_b = [d for d in range(b.ndim) if d not in db]
    k = 1
    for d in da:
        k *= a.shape[d]
    left = a.permute(free_a + da).reshape(-1, k)
    right = b.permute(db + free_b).reshape(k, -1)
    shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    return _decomp._write_out((left @ right).reshape(shape), out)


def trace(input):
    """The sum of the main diagonal of a 2-D tensor."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return _decomp.diagonal(input).sum()


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``."""
    from ember.ops.linalg import mv
    product = mv(mat, vec)
    return _decomp._write_out((input * beta if beta != 1 else input) + (product * alpha if alpha != 1 else product)
                        if beta != 0 else product * alpha, out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``."""
    from ember.ops.linalg import outer
    product = outer(vec1, vec2)
    return _decomp._write_out((input * beta if beta != 1 else input) + (product * alpha if alpha != 1 else product)
                        if beta != 0 else product * alpha, out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_b batch1[b] @ batch2[b]``."""
    from ember.ops.linalg import bmm
    product = bmm(batch1, batch2).sum(0)
    return _decomp._write_out((input * beta if beta != 1 else input) + (product * alpha if alpha != 1 else product)
                        if beta != 0 else product * alpha, out)


class LinalgClassicMethods:
    __slots__ = ()

    def det(self):
        return _decomp.det(self)

    def logdet(self):
        return _decomp.logdet(self)

    def slogdet(self):
        return return_types.slogdet(_decomp.slogdet(self))

    def inverse(self):
        return _decomp.inv(self)

    def pinverse(self, rcond: float = 1e-15):
        return pinverse(self, rcond)

    def matrix_power(self, n: int):
        return _decomp.matrix_power(self, n)

    def matrix_exp(self):
        return _decomp.matrix_exp(self)

    def cholesky(self, upper: bool = False):
        return cholesky(self, upper)

    def qr(self, some: bool = True):
        return qr(self, some)

    def svd(self, some: bool = True, compute_uv: bool = True):
        return svd(self, some, compute_uv)

    def cross(self, other, dim: int | None = None):
        return cross(self, other, dim)

    def cholesky_solve(self, input2, upper: bool = False):
        return cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper: bool = False):
        return cholesky_inverse(self, upper)

    def inner(self, other):
        return inner(self, other)

    def vdot(self, other):
        return vdot(self, other)

    def kron(self, other):
        return kron(self, other)

    def trace(self):
        return trace(self)

    def addmv(self, mat, vec, *, beta=1, alpha=1):
        return addmv(self, mat, vec, beta=beta, alpha=alpha)

    def addr(self, vec1, vec2, *, beta=1, alpha=1):
        return addr(self, vec1, vec2, beta=beta, alpha=alpha)

    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return addbmm(self, batch1, batch2, beta=beta, alpha=alpha)
