"""``ember.sparse_coo_tensor`` and ``ember.spmm``: the top-level doors to ``ember.sparse``,
which is imported on first use so ``import ember`` stays fast."""

from __future__ import annotations

__all__ = ["sparse_coo_tensor", "spmm"]


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, requires_grad: bool = False,
                      check_invariants=None, is_coalesced=None):
    """A sparse COO tensor with ``values`` at the positions in ``indices`` (see ``ember.sparse``).

    Example::

        >>> s = ember.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3., 4., 5.], (2, 3))
    """
    from ember.sparse.coo import sparse_coo_tensor as make
    return make(indices, values, size, dtype=dtype, device=device, requires_grad=requires_grad,
                check_invariants=check_invariants, is_coalesced=is_coalesced)


def spmm(input, mat2):
    """The product of a sparse COO matrix and a dense matrix, a dense tensor (``ember.sparse.mm``)."""
    from ember.sparse.ops import mm
    return mm(input, mat2)
