"""Operations on sparse COO tensors: products with dense matrices, sums, additions.

Kernel (name -> params after the input arrays), for backends and the autograd rule:

    sparse_coo_mm  (indices, values, dense) -> (rows,)   the (rows, k) sparse matrix with
                   ``values`` at ``indices`` (2, nnz) times ``dense`` (k, m); repeated positions
                   add up. Indices were checked in bounds when the sparse tensor was made.

A backend without ``sparse_coo_mm`` runs it as ``index_select``, ``mul`` and ``index_add``.
"""

from __future__ import annotations

import builtins

from ember import _core
from ember.sparse.coo import SparseCooTensor, make

__all__ = ["mm", "addmm", "sum", "add"]


def _check_operands(sparse, dense, fn: str) -> None:
    if not isinstance(dense, _core.TensorBase) or dense.is_sparse:
        raise TypeError(f"{fn}: expected a dense tensor as the second operand, got "
                        f"{'a sparse tensor' if isinstance(dense, _core.TensorBase) else type(dense).__name__}")
    if sparse.sparse_dim() != 2 or sparse.dense_dim() != 0:
        raise RuntimeError(f"{fn}: expected a 2-D sparse matrix (2 sparse dims, 0 dense dims), got "
                           f"{sparse.sparse_dim()} sparse and {sparse.dense_dim()} dense dims")
    if dense.ndim != 2:
        raise RuntimeError(f"{fn}: expected a 2-D dense matrix, got a {dense.ndim}-D tensor")
    if sparse.shape[1] != dense.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sparse.shape[0]}x{sparse.shape[1]} and "
                           f"{dense.shape[0]}x{dense.shape[1]})")
    if sparse.dtype is not dense.dtype:
        raise RuntimeError(f"expected mat1 and mat2 to have the same dtype, but got: {sparse.dtype} != "
                           f"{dense.dtype}")
    if sparse.device is not dense.device:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{sparse.device} and {dense.device}!")


def _product(indices, values, dense, rows: int):
    """``sparse @ dense`` on the values and the index tensor (recorded for autograd)."""
    if "sparse_coo_mm" in dense._device._kernels:
        return _core.call("sparse_coo_mm", (indices, values, dense), (rows,))
    from ember.ops.indexing import index_add
    contrib = dense.index_select(0, indices[1]) * values.unsqueeze(1)
    return index_add(dense.new_zeros((rows, dense.shape[1])), 0, indices[0], contrib)


def mm(mat1, mat2):
    """The product of a sparse COO matrix and a dense matrix (either order); the result is dense.

    Gradients flow to the dense operand and to the sparse operand's values (at its stored
    positions only, as in PyTorch).

    Args:
        mat1: a sparse (n, k) matrix, or a dense one when ``mat2`` is sparse.
        mat2: a dense (k, m) matrix, or a sparse one.

    Example::

        >>> adj = ember.sparse_coo_tensor([[0, 1], [1, 0]], [1., 1.], (2, 2))
        >>> ember.sparse.mm(adj, ember.tensor([[1., 2.], [3., 4.]]))
        tensor([[3., 4.],
                [1., 2.]])
    """
    if not (isinstance(mat1, SparseCooTensor) or isinstance(mat2, SparseCooTensor)):
        from ember.ops.linalg import mm as dense_mm
        return dense_mm(mat1, mat2)
    if not isinstance(mat1, SparseCooTensor):       # dense @ sparse = (sparse.T @ dense.T).T
        if not isinstance(mat1, _core.TensorBase) or mat1.ndim != 2:
            raise RuntimeError("mm: expected a 2-D dense matrix as the first operand")
        return mm(mat2.t(), mat1.t()).t()
    _check_operands(mat1, mat2, "mm")
    return _product(mat1._indices(), mat1._values(), mat2, mat1.shape[0])


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """``beta * input + alpha * (mat1 @ mat2)`` with a sparse ``mat1`` and dense ``input``, ``mat2``."""
    product = mm(mat1, mat2)
    if alpha != 1:
        product = product * alpha
    if isinstance(input, SparseCooTensor):
        input = input.to_dense()
    return product if beta == 0 else (input if beta == 1 else input * beta) + product


def sum(input, dim=None, dtype=None):  # noqa: A001 - PyTorch's name
    """Sum of a sparse tensor's elements: all of them (a 0-d dense tensor), or over ``dim``.

    Summing over every sparse dimension gives a dense tensor; summing over some of them gives
    a coalesced sparse tensor. Differentiable with respect to the values.
    """
    if not isinstance(input, SparseCooTensor):
        return input.sum() if dim is None else input.sum(dim)
    values = input._values() if dtype is None else input._values().to(dtype)
    if dim is None:
        return values.sum()
    from ember.ops.shape import wrap_dim
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = sorted({wrap_dim(d, input.ndim) for d in dims})
    sd = input.sparse_dim()
    dense_dims = [d - sd + 1 for d in dims if d >= sd]
    if dense_dims:
        values = values.sum(tuple(dense_dims))
    keep = [d for d in range(sd) if d not in dims]
    if not keep:
        return values.sum(0)
    if len(keep) == sd:
        shape = tuple(s for d, s in enumerate(input.shape) if d not in dims)
        return make(input._indices(), values, shape, input.is_coalesced())
    import numpy as np

    from ember.ops.creation import place
    from ember.ops.indexing import index_select
    indices = index_select(input._indices(), 0, place(np.array(keep, np.int64), input.device))
    shape = tuple(s for d, s in enumerate(input.shape) if d not in dims)
    return make(indices, values, shape, False).coalesce()


def add(input, other):
    """``input + other``: two sparse tensors give a sparse one (uncoalesced), a dense operand a dense one."""
    if not isinstance(input, SparseCooTensor):
        input, other = other, input
    if isinstance(other, SparseCooTensor):
        if tuple(input.shape) != tuple(other.shape):
            raise RuntimeError(f"add: expected sizes of the sparse tensors to match, but got {list(input.shape)} and "
                               f"{list(other.shape)}")
        from ember.ops.shape import cat
        values = cat([input._values(), other._values().to(input.dtype)
                      if other.dtype is not input.dtype else other._values()])
        indices = cat([input._indices(), other._indices()], 1)
        return make(indices, values, tuple(input.shape), False)
    if isinstance(other, _core.TensorBase):
        return input.to_dense() + other
    if isinstance(other, (int, float)) and not isinstance(other, builtins.bool) and other == 0:
        return input
    raise TypeError("adding a number to a sparse tensor would make it dense; use .to_dense() + number")
