"""Derivatives of the sparse COO products (``ember/sparse/ops.py``)."""

from __future__ import annotations

from ember import _core
from ember.autograd.rules import rule


@rule("sparse_coo_mm", "SparseAddmmBackward0", uses={1: (0, 2), 2: (0, 1)})
def _sparse_coo_mm(grad, inputs, output, params, needs):
    """out[r] += v * dense[c] for each stored (r, c, v): so dv = grad[r] . dense[c] and
    d(dense)[c] += v * grad[r], the product of the transposed sparse matrix with ``grad``."""
    indices, values, dense = inputs
    rows, cols = indices[0], indices[1]
    gv = gd = None
    if needs[1]:
        gv = (grad.index_select(0, rows) * dense.index_select(0, cols)).sum(1)
    if needs[2]:
        flipped = indices.flip(0)
        gd = _core.call("sparse_coo_mm", (flipped, values, grad), (dense.shape[0],))
    return None, gv, gd
