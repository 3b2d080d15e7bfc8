"""``ember.layout``: how a tensor's elements are stored (``ember.strided``, ``ember.sparse_coo``)."""

from __future__ import annotations

__all__ = ["layout", "strided", "sparse_coo"]


class layout:  # noqa: N801 - PyTorch's name
    """A storage layout: ``ember.strided`` for dense tensors, ``ember.sparse_coo`` for COO."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


strided = layout("strided")
sparse_coo = layout("sparse_coo")


def _by_name(name: str) -> layout:
    return {"strided": strided, "sparse_coo": sparse_coo}[name]


class CooData:
    """What a sparse COO tensor holds in ``_data``: its indices and values tensors and its size.

    It answers ``shape``, ``ndim``, ``size`` and ``dtype`` like a native array, so a sparse
    tensor's ``shape``, ``dim()`` and ``numel()`` work; any dense kernel that tries to read it
    as an array gets the error of ``__array__``.
    """

    __slots__ = ("indices", "values", "shape", "coalesced")

    def __init__(self, indices, values, shape: tuple, coalesced: bool) -> None:
        self.indices = indices      # int64 tensor (sparse_dim, nnz)
        self.values = values        # tensor (nnz, *dense_shape)
        self.shape = shape
        self.coalesced = coalesced  # indices unique and sorted in row-major order

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def dtype(self):
        return self.values._data.dtype

    def __array__(self, dtype=None, copy=None):
        raise TypeError("this op does not support sparse COO tensors (layout=ember.sparse_coo); convert the "
                        "tensor with .to_dense() first")
