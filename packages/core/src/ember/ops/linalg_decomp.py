"""Matrix decompositions and solvers, ``ember.linalg``: inv, det, slogdet, solve, cholesky, qr,
svd, eigh, and what is built from them (pinv, lstsq, matrix_rank, norms, cond, ...).

Kernels (name -> params after the input arrays), for backends and autograd rules. Inputs are
floating point (float32/float64) stacks of matrices ``(*, m, n)``, checked here; batch dims
of two-operand kernels are already broadcast to one shape.

    linalg_inv_ex       (A) -> ()              (inverse, info); info (*,) int32, > 0 where A is
                                               singular (the inverse is then NaN there)
    linalg_slogdet      (A) -> ()              (sign, logabsdet)
    linalg_solve_ex     (A, B) -> ()           (X, info) with A X = B; B is (*, n, k)
    linalg_cholesky_ex  (A) -> ()              (L, info) with A = L L^T; info is the order of the
                                               first leading minor that is not positive-definite
    linalg_qr           (A) -> (mode,)         (Q, R); mode "reduced", "complete" or "r" (Q empty)
    linalg_svd          (A) -> (full_matrices,)    (U, S, Vh)
    linalg_eigh         (A) -> (uplo,)         (eigenvalues ascending, eigenvectors); reads the
                                               "L"ower or "U"pper triangle only

Everything else here is composed from those and ember's other ops, so it differentiates
through their rules.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from ember import _core, dtypes
from ember._core import TensorBase
from ember.ops import return_types
from ember.ops.reduction import norm as _vector_norm_impl
from ember.ops.reduction import normalize_dims
from ember.ops.shape import wrap_dim

__all__ = ["LinAlgError", "inv", "inv_ex", "det", "slogdet", "logdet", "solve", "solve_ex", "solve_triangular",
           "cholesky", "cholesky_ex", "qr", "svd", "svdvals", "eigh", "eigvalsh", "pinv", "lstsq", "matrix_rank",
           "cross", "vector_norm", "matrix_norm", "norm", "cond", "matrix_power", "multi_dot", "vecdot",
           "diagonal", "matmul", "vander", "tensorinv", "tensorsolve", "matrix_exp", "lu_factor", "lu_factor_ex",
           "lu", "lu_solve", "lu_unpack", "householder_product"]


class LinAlgError(RuntimeError):
    """A matrix has no answer for the asked operation (singular, not positive-definite)."""


def _type_name(dtype) -> str:
    return _core._type_name(dtype)


def _check_tensor(fn: str, x, arg: str = "A") -> None:
    if not isinstance(x, TensorBase):
        raise TypeError(f"linalg.{fn}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


def _check_float(fn: str, x, arg: str = "A") -> None:
    if not x._dtype.is_floating_point:
        raise RuntimeError(f"linalg.{fn}: Expected a floating point or complex tensor as input. Got "
                           f"{_type_name(x._dtype)}")
    if x._dtype is dtypes.float16:
        raise RuntimeError(f"linalg.{fn}: Low precision dtypes not supported. Got {_type_name(x._dtype)}")


def _check_matrix(fn: str, A, square: bool = True, arg: str = "A") -> None:
    """``A`` is a float32/float64 tensor of (square) matrices ``(*, n, n)``."""
    _check_tensor(fn, A, arg)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.{fn}: The input tensor {arg} must have at least 2 dimensions.")
    if square and A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.{fn}: {arg} must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    _check_float(fn, A, arg)


def _raise_info(fn: str, info, what: str) -> None:
    """Raise LinAlgError naming the first failed matrix when any entry of ``info`` is positive."""
    bad = info.numpy() if info.device.type == "cpu" else info.cpu().numpy()
    if not (bad > 0).any():
        return
    where = "" if bad.ndim == 0 else f" (batch element {int(bad.reshape(-1).nonzero()[0][0])})"
    raise LinAlgError(f"linalg.{fn}{where}: {what.format(info=int(bad.reshape(-1)[(bad.reshape(-1) > 0).argmax()]))}")


def _call(kernel: str, inputs: tuple, params: tuple = ()):
    """Run a decomposition kernel; a backend without it runs it on host copies (as the optimizer
    updates do), so ember.linalg works on every device."""
    device = inputs[0]._device
    if kernel in device._kernels:
        return _core.call(kernel, inputs, params)
    out = _core.call(kernel, tuple(x.cpu() for x in inputs), params)
    return tuple(o.to(device) for o in out) if isinstance(out, tuple) else out.to(device)


_SINGULAR = "the input matrix is singular, so it has no inverse; check its rank or use linalg.pinv"


# --------------------------------------------------------------------------- inverses and determinants

def inv_ex(A, *, check_errors: bool = False):
    """The inverse of each square matrix of ``A`` and an ``info`` tensor (0 where it succeeded).

    Returns ``(inverse, info)``; where ``info > 0`` the matrix is singular and its inverse NaN.
    With ``check_errors=True`` a singular matrix raises :class:`LinAlgError`.
    """
    _check_matrix("inv_ex", A)
    result, info = _call("linalg_inv_ex", (A,))
    if check_errors:
        _raise_info("inv_ex", info, _SINGULAR)
    return return_types.linalg_inv_ex((result, info))


def inv(A):
    """The inverse of each square matrix of ``A`` (``*, n, n``); a singular one raises :class:`LinAlgError`.

    Example::

        >>> ember.linalg.inv(ember.tensor([[2.0, 0.0], [0.0, 4.0]]))
        tensor([[0.5000, 0.0000],
                [0.0000, 0.2500]])
    """
    _check_matrix("inv", A)
    result, info = _call("linalg_inv_ex", (A,))
    _raise_info("inv", info, _SINGULAR)
    return result


def slogdet(A):
    """``(sign, logabsdet)`` of each square matrix: ``det(A) = sign * exp(logabsdet)``, without
    overflow. A singular matrix gives ``(0, -inf)``."""
    _check_matrix("slogdet", A)
    return return_types.linalg_slogdet(_call("linalg_slogdet", (A,)))


def det(A):
    """The determinant of each square matrix of ``A`` (``*, n, n``), shape ``*``.

    Its gradient is ``det(A) * inv(A)^T``, which is NaN at singular matrices (PyTorch's is finite there).
    """
    _check_matrix("det", A)
    sign, logabsdet = _call("linalg_slogdet", (A,))
    return sign * logabsdet.exp()


def logdet(A):
    """``log(det(A))``: NaN where the determinant is negative, ``-inf`` where it is 0."""
    _check_matrix("logdet", A)
    sign, logabsdet = _call("linalg_slogdet", (A,))
    from ember.ops.pointwise import where
    return where(sign < 0, math.nan, logabsdet)


# --------------------------------------------------------------------------- solvers

def _is_vector_rhs(A, B) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) if it is 1-D or has A's batch shape plus n."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


def _broadcast_batches(fn: str, A, B):
    """``A`` (*, n, n) and ``B`` (*, n, k) expanded to one batch shape."""
    from ember.ops.shape import _expand
    ba, bb = tuple(A.shape[:-2]), tuple(B.shape[:-2])
    n = max(len(ba), len(bb))
    pa, pb = (1,) * (n - len(ba)) + ba, (1,) * (n - len(bb)) + bb
    batch = []
    for x, y in zip(pa, pb):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"linalg.{fn}: the batch dims of A {tuple(A.shape)} and B {tuple(B.shape)} do not "
                               f"broadcast")
        batch.append(y if x == 1 else x)
    batch = tuple(batch)
    if ba != batch:
        A = _expand(A, batch + tuple(A.shape[-2:]))
    if bb != batch:
        B = _expand(B, batch + tuple(B.shape[-2:]))
    return A, B


def _solve(fn: str, A, B, left: bool, check: bool):
    _check_matrix(fn, A)
    _check_tensor(fn, B, "B")
    if B.dtype is not A.dtype:
        raise RuntimeError(f"linalg.{fn}: Expected A and B to have the same dtype, but found A of type "
                           f"{_type_name(A.dtype)} and B of type {_type_name(B.dtype)} instead")
    if not left:   # X A = B  <=>  A^T X^T = B^T
        if B.ndim < 2:
            raise RuntimeError(f"linalg.{fn}: with left=False, B must have at least 2 dimensions")
        X, info = _solve(fn, A.mT, B.mT, True, check)
        return X.mT, info
    vector = _is_vector_rhs(A, B)
    rhs = B.unsqueeze(-1) if vector else B
    if rhs.ndim < 2 or rhs.shape[-2] != A.shape[-1]:
        raise RuntimeError(f"linalg.{fn}: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {'x'.join(str(s) for s in B.shape)})")
    A2, rhs = _broadcast_batches(fn, A, rhs)
    X, info = _call("linalg_solve_ex", (A2, rhs))
    if check:
        _raise_info(fn, info, "the matrix A is singular, so AX = B has no unique solution")
    return (X.squeeze(-1) if vector else X), info


def solve(A, B, *, left: bool = True, out=None):
    """The solution ``X`` of ``A X = B`` (or ``X A = B`` with ``left=False``) for square ``A``.

    ``B`` is ``(*, n, k)`` or a (batch of) vector(s) ``(*, n)``; batch dims broadcast.
    A singular ``A`` raises :class:`LinAlgError`.

    Example::

        >>> ember.linalg.solve(ember.tensor([[2.0, 0.0], [0.0, 4.0]]), ember.tensor([2.0, 2.0]))
        tensor([1.0000, 0.5000])
    """
    X, _ = _solve("solve", A, B, left, True)
    return _write_out(X, out)


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False):
    """:func:`solve` that returns ``(result, info)`` instead of raising for singular matrices."""
    return return_types.linalg_solve_ex(_solve("solve_ex", A, B, left, check_errors))


def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False):
    """The solution of ``A X = B`` (``X A = B`` with ``left=False``) for triangular ``A``.

    Only the upper (``upper=True``) or lower triangle of ``A`` is read; with
    ``unitriangular=True`` its diagonal is taken to be ones. ``B`` is ``(*, n, k)``.
    """
    _check_matrix("solve_triangular", A)
    _check_tensor("solve_triangular", B, "B")
    if B.ndim < 2:
        raise RuntimeError("linalg.solve_triangular: The input tensor B must have at least 2 dimensions.")
    T = A.triu() if upper else A.tril()
    if unitriangular:
        eye = _eye_like(T)
        T = T * (1 - eye) + eye
    X, info = _solve("solve_triangular", T, B, left, False)
    _raise_info("solve_triangular", info, "a diagonal entry of the triangular matrix A is zero, so AX = B has "
                                          "no unique solution")
    return X


def _write_out(result, out):
    if out is None:
        return result
    from ember.ops.pointwise import _out
    return _out(result, out)


# --------------------------------------------------------------------------- decompositions

def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False):
    """:func:`cholesky` returning ``(L, info)``; ``info > 0`` where ``A`` is not positive-definite."""
    _check_matrix("cholesky_ex", A)
    L, info = _call("linalg_cholesky_ex", (A,))
    if check_errors:
        _raise_info("cholesky_ex", info, _NOT_PD)
    return return_types.linalg_cholesky_ex((L.mT if upper else L, info))


_NOT_PD = ("the input is not positive-definite (its leading minor of order {info} is not), so it has no Cholesky "
           "factorization")


def cholesky(A, *, upper: bool = False, out=None):
    """The Cholesky factor ``L`` (lower triangular, ``A = L L^T``) of each symmetric
    positive-definite matrix of ``A``; ``upper=True`` gives ``L^T``. Only the lower triangle of
    ``A`` is read. A matrix that is not positive-definite raises :class:`LinAlgError`."""
    _check_matrix("cholesky", A)
    L, info = _call("linalg_cholesky_ex", (A,))
    _raise_info("cholesky", info, _NOT_PD)
    return _write_out(L.mT if upper else L, out)


_QR_MODES = ("reduced", "complete", "r")


def qr(A, mode: str = "reduced"):
    """The QR decomposition ``A = Q R`` of each matrix of ``A`` (``*, m, n``), ``k = min(m, n)``.

    ``mode="reduced"``: Q is (m, k), R (k, n); ``"complete"``: Q is (m, m), R (m, n); ``"r"``:
    only R, Q is empty. Gradients need ``m >= n`` (and ``mode="reduced"`` or square A).
    """
    _check_matrix("qr", A, square=False)
    if mode not in _QR_MODES:
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           f"'r', or 'complete'")
    return return_types.linalg_qr(_call("linalg_qr", (A,), (mode,)))


def svd(A, full_matrices: bool = True, *, driver=None):
    """The singular value decomposition ``A = U diag(S) Vh`` of each matrix of ``A`` (``*, m, n``).

    S is descending, shape ``(*, k)`` with ``k = min(m, n)``; with ``full_matrices=False`` U is
    (m, k) and Vh (k, n), else (m, m) and (n, n). Gradients through U and Vh need
    ``full_matrices=False`` and distinct singular values (as in PyTorch).
    """
    _check_matrix("svd", A, square=False)
    if driver is not None:
        raise RuntimeError("linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER "
                           "backend.")
    return return_types.linalg_svd(_svd_call("svd", A, bool(full_matrices)))


def svdvals(A, *, driver=None):
    """The singular values of each matrix of ``A``, descending, shape ``(*, min(m, n))``."""
    _check_matrix("svdvals", A, square=False)
    if driver is not None:
        raise RuntimeError("linalg.svdvals: keyword argument `driver=` is only supported on CUDA inputs with "
                           "cuSOLVER backend.")
    return _svd_call("svdvals", A, False)[1]


def _svd_call(fn: str, A, full_matrices: bool):
    try:
        return _call("linalg_svd", (A,), (full_matrices,))
    except ValueError:   # LAPACK's iteration did not converge (NumPy's LinAlgError is a ValueError)
        raise LinAlgError(f"linalg.{fn}: the SVD did not converge; the input holds NaN or infinite values, "
                          f"or is too ill-conditioned") from None


def _check_uplo(fn: str, UPLO: str) -> str:
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"linalg.{fn}: Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper()


def eigh(A, UPLO: str = "L"):
    """Eigenvalues (ascending) and eigenvectors (columns) of each symmetric matrix of ``A``.

    Only the lower (``UPLO="L"``) or upper (``"U"``) triangle is read. Gradients need distinct
    eigenvalues.
    """
    _check_matrix("eigh", A)
    uplo = _check_uplo("eigh", UPLO)
    return return_types.linalg_eigh(_call("linalg_eigh", (A,), (uplo,)))


def eigvalsh(A, UPLO: str = "L"):
    """The eigenvalues of each symmetric matrix of ``A``, ascending."""
    _check_matrix("eigvalsh", A)
    uplo = _check_uplo("eigvalsh", UPLO)
    return _call("linalg_eigh", (A,), (uplo,))[0]


# --------------------------------------------------------------------------- built on the SVD

def _tolerance(fn: str, S, A, atol, rtol):
    """``max(atol, rtol * largest singular value)`` per matrix, shape (*, 1); PyTorch's defaults."""
    if atol is None and rtol is None:
        rtol = float(np.finfo(A.dtype.numpy).eps) * builtins.max(A.shape[-2], A.shape[-1])
    largest = S.amax(-1, keepdim=True) if S.shape[-1] else S.sum(-1, keepdim=True)
    tol = largest * (0.0 if rtol is None else rtol)
    if atol is not None:
        tol = tol.clamp(min=atol) if not isinstance(atol, TensorBase) else _maximum(tol, atol)
    return tol


def _maximum(a, b):
    from ember.ops.pointwise import maximum
    return maximum(a, b.unsqueeze(-1) if b.ndim else b)


def _safe_reciprocal(S, keep):
    """``1 / S`` where ``keep``, else 0, with no inf (nor NaN gradient) from the dropped entries."""
    from ember.ops.pointwise import where
    return where(keep, 1 / where(keep, S, 1.0), 0.0)


def pinv(A, *, atol=None, rtol=None, hermitian: bool = False):
    """The Moore-Penrose pseudo-inverse of each matrix of ``A`` (``*, m, n`` -> ``*, n, m``), from
    its SVD; singular values at most ``max(atol, rtol * S.max())`` count as 0 (``rtol`` defaults
    to ``eps * max(m, n)`` when neither is given)."""
    _check_matrix("pinv", A, square=False)
    if hermitian:
        w, V = eigh(A)
        tol = _tolerance("pinv", w.abs(), A, atol, rtol)
        w_inv = _safe_reciprocal(w, w.abs() > tol)
        return (V * w_inv.unsqueeze(-2)) @ V.mT
    U, S, Vh = svd(A, full_matrices=False)
    tol = _tolerance("pinv", S, A, atol, rtol)
    s_inv = _safe_reciprocal(S, S > tol)
    return (Vh.mT * s_inv.unsqueeze(-2)) @ U.mT


def matrix_rank(A, *, atol=None, rtol=None, hermitian: bool = False):
    """The number of singular values of each matrix above ``max(atol, rtol * S.max())`` (int64)."""
    _check_matrix("matrix_rank", A, square=False)
    S = eigvalsh(A).abs() if hermitian else svdvals(A)
    tol = _tolerance("matrix_rank", S, A, atol, rtol)
    return (S > tol).sum(-1)


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution ``X`` minimising ``||A X - B||`` for ``A`` (``*, m, n``) and
    ``B`` (``*, m, k``), through the pseudo-inverse (rank-deficient ``A`` gives the
    minimum-norm solution).

    Returns ``(solution, residuals, rank, singular_values)``. As with PyTorch's default CPU
    driver ``"gelsy"``, ``residuals`` and ``singular_values`` are empty; ``rank`` is computed.
    """
    _check_matrix("lstsq", A, square=False)
    _check_tensor("lstsq", B, "B")
    if driver not in (None, "gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)"
                           .replace("torch.", "") + f", got {driver!r}")
    if B.dtype is not A.dtype:
        raise RuntimeError(f"linalg.lstsq: Expected B to have the same dtype as A, but got A of dtype "
                           f"{_type_name(A.dtype)} and B of dtype {_type_name(B.dtype)}")
    vector = B.ndim == A.ndim - 1
    rhs = B.unsqueeze(-1) if vector else B
    if rhs.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"linalg.lstsq: input.size(-2) should match other.size(-2), got {A.shape[-2]} and "
                           f"{rhs.shape[-2]}")
    if rcond is None:
        rcond = float(np.finfo(A.dtype.numpy).eps) * builtins.max(A.shape[-2], A.shape[-1])
    X = pinv(A, rtol=rcond) @ rhs
    rank = matrix_rank(A, rtol=rcond)
    from ember.ops.creation import zeros
    empty = zeros(0, dtype=A.dtype, device=A.device)
    return return_types.linalg_lstsq((X.squeeze(-1) if vector else X, empty, rank, empty))


def cond(A, p=None):
    """The condition number of each matrix: ``norm(A, p) * norm(inv(A), p)``; with ``p`` None or
    ±2 it is the ratio of the largest to the smallest singular value."""
    if p is None or p in (2, -2):
        _check_matrix("cond", A, square=False)
        S = svdvals(A)
        big, small = S[..., 0], S[..., -1]
        return big / small if p in (None, 2) else small / big
    _check_matrix("cond", A)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# --------------------------------------------------------------------------- norms

def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):
    """The vector ``ord``-norm of ``x`` over ``dim`` (all elements by default): ``sum(|x|^ord)^(1/ord)``;
    ``inf``/``-inf`` give the max/min of ``|x|``, 0 the number of nonzeros."""
    _check_tensor("vector_norm", x, "x")
    if isinstance(ord, str):
        raise TypeError(f"linalg.vector_norm(): argument 'ord' must be Number, not str ({ord!r})")
    return _vector_norm_impl(x, float(ord), dim, keepdim, dtype)


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None):
    """The matrix norm of each matrix of ``A`` over the two dims ``dim``.

    ``ord``: ``"fro"`` (default), ``"nuc"`` (sum of singular values), ``inf``/``-inf`` (max/min
    row sum of ``|A|``), ``1``/``-1`` (max/min column sum), ``2``/``-2`` (largest/smallest
    singular value).
    """
    _check_tensor("matrix_norm", A)
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    dims = normalize_dims(dim, A.ndim)
    if dims is None or len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {dim}")
    _check_float("matrix_norm", A)
    if dtype is not None and dtype is not A.dtype:
        A = A.to(dtype)
    r, c = dims
    if ord == "fro":
        return _vector_norm_impl(A, 2.0, dims, keepdim, None)
    if ord in ("nuc", 2, -2):
        S = svdvals(A.movedim((r, c), (-2, -1)))
        out = S.sum(-1) if ord == "nuc" else (S.amax(-1) if ord == 2 else S.amin(-1))
        if keepdim:
            for d in sorted(dims):
                out = out.unsqueeze(d)
        return out
    summed, reduce = (r, c) if ord in (1, -1) else (c, r)   # 1: the largest column sum; inf: row sum
    sums = A.abs().sum(summed, keepdim=True)
    out = sums.amax(reduce, keepdim=True) if ord > 0 else sums.amin(reduce, keepdim=True)
    return out if keepdim else out.squeeze(builtins.max(dims)).squeeze(builtins.min(dims))


def norm(A, ord=None, dim=None, keepdim: bool = False, *, out=None, dtype=None):
    """A vector or matrix norm: ``dim`` an int (or ``A`` 1-D) gives :func:`vector_norm`, a
    2-tuple (or ``A`` 2-D with ``ord`` given) :func:`matrix_norm`; ``ord=None, dim=None`` is the
    2-norm of all elements."""
    _check_tensor("norm", A)
    if dim is not None and not isinstance(dim, (tuple, list)):
        dim = (dim,)
    if dim is not None and len(dim) == 1:
        result = vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    elif dim is not None and len(dim) == 2:
        result = matrix_norm(A, "fro" if ord is None else ord, dim, keepdim, dtype=dtype)
    elif dim is not None:
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    elif ord is None:
        result = vector_norm(A, 2, None, keepdim, dtype=dtype)
    elif A.ndim == 1:
        result = vector_norm(A, ord, None, keepdim, dtype=dtype)
    elif A.ndim == 2:
        result = matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    else:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got "
                           f"{A.ndim}D.")
    return _write_out(result, out)


# --------------------------------------------------------------------------- products and helpers

def _eye_like(A):
    from ember.ops.creation import eye
    return eye(A.shape[-1], dtype=A.dtype, device=A.device)


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """The diagonal (``offset`` above it if positive, below if negative) of each matrix of ``A``
    over dims ``dim1``/``dim2``, as the last dim. A copy, not a view."""
    _check_tensor("diagonal", A)
    d1, d2 = wrap_dim(dim1, A.ndim), wrap_dim(dim2, A.ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    M = A.movedim((d1, d2), (-2, -1))
    rows, cols = M.shape[-2], M.shape[-1]
    r0, c0 = (0, offset) if offset >= 0 else (-offset, 0)
    length = builtins.max(0, builtins.min(rows - r0, cols - c0))
    if length == 0:
        return M.reshape(tuple(M.shape[:-2]) + (0,)) if M.numel() == 0 else M[..., :0, 0]
    from ember.ops.creation import arange
    idx = arange(length, device=A.device)
    return M[..., idx + r0, idx + c0]


def matmul(input, other, *, out=None):
    """Alias of :func:`ember.matmul`."""
    from ember.ops.linalg import matmul as _matmul
    return _write_out(_matmul(input, other), out)


def vecdot(x, y, *, dim: int = -1):
    """The dot product of ``x`` and ``y`` along ``dim``, with broadcasting."""
    _check_tensor("vecdot", x, "x")
    _check_tensor("vecdot", y, "y")
    return (x * y).sum(dim)


def multi_dot(tensors):
    """The product of a chain of matrices (the first and last may be vectors), multiplied in the
    order that needs the fewest multiply-adds."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vec, last_vec = tensors[0].ndim == 1, tensors[-1].ndim == 1
    mats = [t.unsqueeze(0) if (i == 0 and first_vec) else t for i, t in enumerate(tensors)]
    if last_vec:
        mats[-1] = mats[-1].unsqueeze(-1)
    for i, t in enumerate(mats):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {tensors[i].ndim}D")
    dims = [mats[0].shape[0]] + [m.shape[1] for m in mats]
    order = _chain_order(dims)
    out = _chain_product(mats, order, 0, len(mats) - 1)
    if last_vec:
        out = out.squeeze(-1)
    if first_vec:
        out = out.squeeze(0)
    return out


def _chain_order(dims: list[int]):
    """The classic dynamic programme: split[i][j] is where the product of matrices i..j splits."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain_product(mats, split, i: int, j: int):
    if i == j:
        return mats[i]
    k = split[i][j]
    return _chain_product(mats, split, i, k) @ _chain_product(mats, split, k + 1, j)


def matrix_power(A, n: int):
    """``A`` to the integer power ``n`` by repeated squaring (``n < 0`` inverts first, 0 gives I)."""
    _check_tensor("matrix_power", A)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but got shape "
                           f"{tuple(A.shape)}")
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"linalg.matrix_power(): argument 'n' must be int, not {type(n).__name__}")
    if n == 0:
        return _eye_like(A).expand(A.shape).clone()
    if n < 0:
        A, n = inv(A), -n
    result, base = None, A
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


def cross(input, other, *, dim: int = -1):
    """The cross product of 3-vectors along ``dim``; the other dims broadcast."""
    _check_tensor("cross", input, "input")
    _check_tensor("cross", other, "other")
    from ember.ops.shape import stack
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, got {input.ndim} and "
                           f"{other.ndim}")
    a, b = _broadcast_pair(input, other)
    d = wrap_dim(dim, a.ndim)
    if a.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    a0, a1, a2 = a.unbind(d)
    b0, b1, b2 = b.unbind(d)
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


def _broadcast_pair(a, b):
    from ember.ops.shape import _expand
    shape = tuple(x if y == 1 else y for x, y in zip(a.shape, b.shape))
    for x, y in zip(a.shape, b.shape):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"linalg.cross: the shapes {tuple(a.shape)} and {tuple(b.shape)} do not broadcast")
    return (a if tuple(a.shape) == shape else _expand(a, shape)), (b if tuple(b.shape) == shape else _expand(b, shape))


def vander(x, *, N: int | None = None):
    """The Vandermonde matrix of ``x`` (``*, n``): columns ``x^0, x^1, ..., x^(N-1)`` (N = n by default)."""
    _check_tensor("vander", x, "x")
    if x.ndim < 1:
        raise RuntimeError("linalg.vander: x must have at least one dimension")
    N = x.shape[-1] if N is None else N
    if N < 1:
        raise RuntimeError(f"linalg.vander: N must be greater than 1, got {N}")
    from ember.ops.reduction import cumprod
    from ember.ops.shape import cat
    ones = x.unsqueeze(-1) * 0 + 1
    if N == 1:
        return ones
    powers = cumprod(x.unsqueeze(-1).expand(tuple(x.shape) + (N - 1,)), -1)
    return cat([ones, powers], -1)


def tensorinv(A, ind: int = 2):
    """The tensor ``X`` with ``tensordot(A, X, ind)`` the identity: ``A`` reshaped to a square matrix
    (the product of its first ``ind`` dims by the rest) and inverted."""
    _check_tensor("tensorinv", A)
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    left, right = tuple(A.shape[:ind]), tuple(A.shape[ind:])
    rows, cols = math.prod(left), math.prod(right)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[ind:]) == "
                           f"prod(self.shape[:ind]), but got {cols} != {rows}")
    return inv(A.reshape(rows, cols)).reshape(right + left)


def tensorsolve(A, B, dims=None):
    """The ``X`` with ``tensordot(A, X, X.ndim) == B``: ``A`` reshaped to a square matrix and solved."""
    _check_tensor("tensorsolve", A)
    _check_tensor("tensorsolve", B, "B")
    if dims is not None:
        dims = [wrap_dim(d, A.ndim) for d in dims]
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    result_shape = tuple(A.shape[B.ndim:])
    rows, cols = B.numel(), math.prod(result_shape)
    if rows != cols:
        raise RuntimeError(f"Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
                           f"prod(self.shape[:other.ndim]), but got {cols} != {rows}")
    return solve(A.reshape(rows, cols), B.reshape(rows)).reshape(result_shape)


def matrix_exp(A):
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix of ``A``.

    Scaling and squaring: ``A`` is divided by ``2^s`` until its 1-norm is at most 1/2, the
    Taylor series is summed to 18 terms (truncation below 1e-22 there), and the result is
    squared ``s`` times. Composed of matrix products, so it is differentiable.
    """
    _check_matrix("matrix_exp", A)
    if A.numel() == 0:
        return A.clone()
    norm = float(matrix_norm(A.detach(), 1).amax().item())
    s = builtins.max(0, math.ceil(math.log2(norm)) + 1) if norm > 0.5 and math.isfinite(norm) else 0
    X = A / (2.0 ** s) if s else A
    eye = _eye_like(A)
    result = eye + X
    term = X
    for k in range(2, 19):
        term = (term @ X) / k
        result = result + term
    for _ in range(s):
        result = result @ result
    return result


# --------------------------------------------------------------------------- LU

def lu_factor_ex(A, *, pivot: bool = True, check_errors: bool = False):
    """The LU decomposition with partial pivoting, packed: ``(LU, pivots, info)``. ``LU`` holds
    U on and above the diagonal and L (unit diagonal, not stored) below it; ``pivots`` (int32,
    1-based, as LAPACK) says which row was swapped with row i; ``info > 0`` marks a zero pivot
    (a singular matrix: the factorization is still returned)."""
    _check_matrix("lu_factor_ex", A, square=False)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    LU, pivots, info = _call("linalg_lu_factor_ex", (A,))
    if check_errors:
        _raise_info("lu_factor_ex", info, "U[{info}, {info}] is zero, the matrix is singular")
    return return_types.linalg_lu_factor_ex((LU, pivots, info))


def lu_factor(A, *, pivot: bool = True):
    """``(LU, pivots)`` of :func:`lu_factor_ex`; a singular matrix raises :class:`LinAlgError`."""
    LU, pivots, info = lu_factor_ex(A, pivot=pivot)
    _raise_info("lu_factor", info, "U[{info}, {info}] is zero, the matrix is singular, so its LU factors "
                                   "cannot solve systems")
    return return_types.linalg_lu_factor((LU, pivots))


def _permutation(pivots, m: int, like):
    """The (*, m, m) permutation matrices P with ``A = P L U`` from LAPACK-style pivots."""
    from ember.ops.creation import tensor
    piv = pivots.detach().cpu().numpy() if pivots.device.type != "cpu" else pivots.detach().numpy()
    flat = piv.reshape(-1, piv.shape[-1]) if piv.ndim else piv.reshape(1, -1)
    perms = np.tile(np.arange(m), (flat.shape[0], 1))
    rows = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j] - 1
        perms[rows, j], perms[rows, p] = perms[rows, p], perms[rows, j].copy()
    P = np.zeros((flat.shape[0], m, m), dtype=like.dtype.numpy)
    P[rows[:, None], perms, np.arange(m)[None, :]] = 1   # P[perm[i], i] = 1
    return tensor(P.reshape(tuple(piv.shape[:-1]) + (m, m)), device=like.device)


def lu_unpack(LU_data, LU_pivots, unpack_data: bool = True, unpack_pivots: bool = True):
    """``(P, L, U)`` from the packed factors of :func:`lu_factor`: ``A = P L U``."""
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = builtins.min(m, n)
    P = _permutation(LU_pivots, m, LU_data) if unpack_pivots else None
    if not unpack_data:
        return return_types.lu_unpack((P, None, None))
    from ember.ops.creation import eye
    L = LU_data[..., :, :k].tril(-1) + eye(m, k, dtype=LU_data.dtype, device=LU_data.device)
    U = LU_data[..., :k, :].triu()
    return return_types.lu_unpack((P, L, U))


def lu(A, *, pivot: bool = True):
    """``(P, L, U)`` with ``A = P L U``: P a permutation, L unit lower triangular (m, k), U upper
    triangular (k, n), ``k = min(m, n)``. Differentiable for square matrices."""
    LU, pivots, _ = lu_factor_ex(A, pivot=pivot)
    return return_types.linalg_lu(tuple(lu_unpack(LU, pivots)))


def lu_solve(LU, pivots, B, *, left: bool = True, adjoint: bool = False):
    """The solution of ``A X = B`` from ``A``'s packed LU factors (``adjoint=True``: ``A^T X = B``;
    ``left=False``: ``X A = B``)."""
    _check_matrix("lu_solve", LU)
    _check_tensor("lu_solve", B, "B")
    if not left:   # X A = B  <=>  A^T X^T = B^T
        return lu_solve(LU, pivots, B.mT, left=True, adjoint=not adjoint).mT
    P, L, U = lu_unpack(LU, pivots)
    if adjoint:    # A^T = U^T L^T P^T
        Y = solve_triangular(U.mT, B, upper=False)
        return P @ solve_triangular(L.mT, Y, upper=True, unitriangular=True)
    Y = solve_triangular(L, P.mT @ B, upper=False, unitriangular=True)
    return solve_triangular(U, Y, upper=True)


def householder_product(A, tau, *, out=None):
    """The first n columns of ``H_1 H_2 ... H_k``, ``H_i = I - tau_i v_i v_i^T``, where ``v_i`` is
    column i of ``A`` (``*, m, n``) below the diagonal with a 1 on it (LAPACK's orgqr; what
    ``geqrf`` leaves). ``tau`` is ``(*, k)``, ``k <= n``. Composed of matrix products."""
    _check_matrix("householder_product", A, square=False)
    _check_tensor("householder_product", tau, "tau")
    m, n = A.shape[-2], A.shape[-1]
    k = tau.shape[-1]
    if m < n:
        raise RuntimeError(f"linalg.householder_product: input.shape[-2] must be greater than or equal to "
                           f"input.shape[-1], got a {m}x{n} matrix")
    if k > n:
        raise RuntimeError("linalg.householder_product: input.shape[-1] must be greater than or equal to "
                           "tau.shape[-1]")
    if tau.dtype is not A.dtype:
        raise RuntimeError(f"linalg.householder_product: tau dtype {_type_name(tau.dtype)} does not match input "
                           f"dtype {_type_name(A.dtype)}")
    from ember.ops.creation import eye
    V = A.tril(-1) + eye(m, n, dtype=A.dtype, device=A.device)
    Q = eye(m, n, dtype=A.dtype, device=A.device).expand(tuple(A.shape[:-2]) + (m, n))
    for i in reversed(range(k)):   # Q <- H_i Q, from the last reflector to the first
        v = V[..., :, i:i + 1]
        Q = Q - (tau[..., i:i + 1].unsqueeze(-1) * v) @ (v.mT @ Q)
    return _write_out(Q, out)
