"""``ember.sparse``: sparse COO tensors, at the level graph networks (GCN, GAT) use them.

A sparse COO tensor stores the positions of its non-zero elements (``indices``, an int64
tensor of shape ``(sparse_dim, nnz)``) and their values (a tensor of shape ``(nnz,
*dense_shape)``). It is an ``ember.Tensor`` with ``layout == ember.sparse_coo`` and
``is_sparse == True``, made by ``ember.sparse_coo_tensor`` or ``dense.to_sparse()``.

What works: ``sparse.mm``/``ember.spmm``/``ember.mm``/``matmul``/``@`` with a sparse matrix
on either side and a dense one, ``sparse.sum``, ``to_dense``, ``coalesce``, ``indices``/
``values``, ``t``/``transpose``, ``to``/``cpu``, sums of two sparse tensors, products with a
scalar. Autograd flows through all of them to the dense operand and to the *values* (the
gradient of the sparse operand is defined at its non-zero positions only, as in PyTorch).
Other dense ops raise ``TypeError`` asking for ``to_dense()``.
"""

from __future__ import annotations

from ember.sparse.coo import SparseCooTensor, sparse_coo_tensor
from ember.sparse.ops import addmm, mm, sum
from ember.sparse.ops import mm as spmm

__all__ = ["SparseCooTensor", "sparse_coo_tensor", "mm", "spmm", "addmm", "sum", "FloatTensor", "DoubleTensor",
           "LongTensor"]


class _LegacySparseType(type):
    """``ember.sparse.FloatTensor(indices, values, size)``: PyTorch's legacy sparse constructor."""

    def __call__(cls, indices, values, size=None):
        from ember.ops.creation import tensor
        if not hasattr(values, "dtype") or values.dtype is not cls.dtype:
            values = tensor(values, dtype=cls.dtype) if not hasattr(values, "to") else values.to(cls.dtype)
        return sparse_coo_tensor(indices, values, size)

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, SparseCooTensor) and obj.dtype is cls.dtype and obj.device.type == "cpu"

    def __repr__(cls) -> str:
        return f"<class 'ember.sparse.{cls.__name__}'>"


def _legacy(name: str, dtype) -> type:
    return _LegacySparseType(name, (), {"dtype": dtype, "__module__": "ember.sparse"})


def _dtypes():
    from ember import dtypes
    return dtypes


FloatTensor = _legacy("FloatTensor", _dtypes().float32)
DoubleTensor = _legacy("DoubleTensor", _dtypes().float64)
LongTensor = _legacy("LongTensor", _dtypes().int64)
