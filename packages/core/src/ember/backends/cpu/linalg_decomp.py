"""CPU kernels for matrix decompositions and solvers: NumPy's LAPACK bindings (``np.linalg``).

NumPy raises for a whole stack when one matrix fails; these kernels find the failed matrices,
report them in an ``info`` array (as LAPACK does) and fill their results with NaN, so the op
layer decides whether that is an error.
"""

from __future__ import annotations

import numpy as np


def _per_matrix(fn, a: np.ndarray, out_shape: tuple, failed_value) -> tuple[np.ndarray, np.ndarray]:
    """``fn`` on each matrix of stack ``a`` separately: (results, info), info[i] from ``failed_value``."""
    batch = a.shape[:-2]
    flat = a.reshape((-1,) + a.shape[-2:])
    out = np.full((flat.shape[0],) + out_shape, np.nan, dtype=a.dtype)
    info = np.zeros(flat.shape[0], dtype=np.int32)
    for i, m in enumerate(flat):
        try:
            out[i] = fn(m)
        except np.linalg.LinAlgError:
            info[i] = failed_value(m)
    return out.reshape(batch + out_shape), info.reshape(batch)


def _empty_info(a: np.ndarray) -> np.ndarray:
    return np.zeros(a.shape[:-2], dtype=np.int32)


def inv_ex(a: np.ndarray):
    try:
        return np.linalg.inv(a).astype(a.dtype, copy=False), _empty_info(a)
    except np.linalg.LinAlgError:
        return _per_matrix(np.linalg.inv, a, a.shape[-2:], lambda m: 1)


def slogdet(a: np.ndarray):
    with np.errstate(invalid="ignore"):   # NaN in, NaN out, silently (as PyTorch)
        sign, logabsdet = np.linalg.slogdet(a)
    return np.asarray(sign, dtype=a.dtype), np.asarray(logabsdet, dtype=a.dtype)


def solve_ex(a: np.ndarray, b: np.ndarray):
    try:
        return np.linalg.solve(a, b).astype(a.dtype, copy=False), _empty_info(a)
    except np.linalg.LinAlgError:
        batch = a.shape[:-2]
        flat_a = a.reshape((-1,) + a.shape[-2:])
        flat_b = b.reshape((-1,) + b.shape[-2:])
        out = np.full(flat_b.shape, np.nan, dtype=a.dtype)
        info = np.zeros(flat_a.shape[0], dtype=np.int32)
        for i in range(flat_a.shape[0]):
            try:
                out[i] = np.linalg.solve(flat_a[i], flat_b[i])
            except np.linalg.LinAlgError:
                info[i] = 1
        return out.reshape(b.shape), info.reshape(batch)


def _failed_minor(m: np.ndarray) -> int:
    """The order of the first leading minor of ``m`` that is not positive-definite."""
    for k in range(1, m.shape[0] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return m.shape[0]


def cholesky_ex(a: np.ndarray):
    lower = np.tril(a)   # LAPACK reads the lower triangle only; NumPy's wrapper does too
    try:
        return np.linalg.cholesky(lower + np.tril(lower, -1).swapaxes(-1, -2)).astype(a.dtype, copy=False), \
            _empty_info(a)
    except np.linalg.LinAlgError:
        sym = lower + np.tril(lower, -1).swapaxes(-1, -2)
        return _per_matrix(np.linalg.cholesky, sym, a.shape[-2:], _failed_minor)


def qr(a: np.ndarray, mode: str):
    if mode == "r":
        r = np.linalg.qr(a, mode="r")
        return np.zeros((0,), dtype=a.dtype), np.ascontiguousarray(r, dtype=a.dtype)
    q, r = np.linalg.qr(a, mode=mode)
    return q.astype(a.dtype, copy=False), r.astype(a.dtype, copy=False)


def svd(a: np.ndarray, full_matrices: bool):
    m, n = a.shape[-2:]
    if a.size == 0:   # LAPACK is not called on empty matrices; U and Vh are identities then
        k = min(m, n)
        batch = a.shape[:-2]
        u_cols, v_rows = (m, n) if full_matrices else (k, k)
        u = np.broadcast_to(np.eye(m, u_cols, dtype=a.dtype), batch + (m, u_cols)).copy()
        vh = np.broadcast_to(np.eye(v_rows, n, dtype=a.dtype), batch + (v_rows, n)).copy()
        return u, np.zeros(batch + (k,), dtype=a.dtype), vh
    u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
    return u.astype(a.dtype, copy=False), s.astype(a.dtype, copy=False), vh.astype(a.dtype, copy=False)


def eigh(a: np.ndarray, uplo: str):
    w, v = np.linalg.eigh(a, UPLO=uplo)
    return w.astype(a.dtype, copy=False), v.astype(a.dtype, copy=False)


def lu_factor_ex(a: np.ndarray):
    """LU with partial pivoting of each (m, n) matrix: (LU packed, pivots (k,) int32 1-based as
    LAPACK's getrf gives them, info). One vectorised elimination step per column over the batch."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    count = int(np.prod(batch, dtype=np.int64))
    lu = np.array(a.reshape((count, m, n)), dtype=a.dtype, copy=True)
    pivots = np.zeros((count, k), dtype=np.int32)
    info = np.zeros(count, dtype=np.int32)
    rows = np.arange(count)
    for j in range(k):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
        pivots[:, j] = p + 1
        swap = p != j
        if swap.any():
            r = rows[swap]
            lu[r, j], lu[r, p[swap]] = lu[r, p[swap]], lu[r, j].copy()
        pivot = lu[:, j, j]
        zero = pivot == 0
        info[zero & (info == 0)] = j + 1
        safe = np.where(zero, 1, pivot)
        lu[:, j + 1:, j] /= safe[:, None]
        lu[:, j + 1:, j][zero] = 0
        lu[:, j + 1:, j + 1:] -= lu[:, j + 1:, j, None] * lu[:, j, None, j + 1:]
    return lu.reshape(a.shape), pivots.reshape(batch + (k,)), info.reshape(batch)


KERNELS = {
    "linalg_lu_factor_ex": lu_factor_ex,
    "linalg_inv_ex": inv_ex,
    "linalg_slogdet": slogdet,
    "linalg_solve_ex": solve_ex,
    "linalg_cholesky_ex": cholesky_ex,
    "linalg_qr": qr,
    "linalg_svd": svd,
    "linalg_eigh": eigh,
}
