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


def check_storage(fn: str, layout=None, pin_memory: bool = False, memory_format=None) -> None:
    """The storage options PyTorch's creation functions take, where ember has one answer: dense
    (``ember.strided``) tensors, in ordinary host memory, row-major. Asking for anything else
    raises rather than being ignored."""
    if layout is not None and layout is not strided:
        raise NotImplementedError(f"{fn}(): layout={layout} is not supported here, only ember.strided; make a sparse "
                                  f"tensor with ember.sparse_coo_tensor or Tensor.to_sparse()")
    if pin_memory:
        raise RuntimeError(f"{fn}(): pin_memory=True is not supported: ember pins host memory only in "
                           f"DataLoader(pin_memory=True), through an accelerator backend")
    if memory_format is not None:
        raise NotImplementedError(f"{fn}(): memory_format={memory_format!r} is not supported: ember's tensors are "
                                  f"always contiguous in row-major order (leave memory_format=None)")


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
