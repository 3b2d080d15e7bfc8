"""CPU kernel for sparse COO tensors: the product of a sparse matrix and a dense one."""

from __future__ import annotations

import numpy as np


def sparse_coo_mm(indices: np.ndarray, values: np.ndarray, dense: np.ndarray, rows: int) -> np.ndarray:
    """(rows, k) sparse matrix (``values`` at ``indices``) @ (k, m) ``dense``; repeats add up.

    Each stored element contributes ``value * dense[col]`` to its row; the contributions are
    summed per row with one ``add.reduceat`` over the row-sorted list (coalesced tensors are
    already sorted), which is deterministic, unlike scattered atomic adds.
    """
    out = np.zeros((rows, dense.shape[1]), dtype=dense.dtype)
    if values.shape[0] == 0 or dense.shape[1] == 0:
        return out
    r, c = indices[0], indices[1]
    if r.shape[0] > 1 and np.any(r[1:] < r[:-1]):
        order = np.argsort(r, kind="stable")
        r, c, values = r[order], c[order], values[order]
    contrib = dense[c] * values[:, None]
    starts = np.flatnonzero(np.concatenate(([True], r[1:] != r[:-1])))
    out[r[starts]] = np.add.reduceat(contrib, starts, axis=0)
    return out


KERNELS = {"sparse_coo_mm": sparse_coo_mm}
