"""``SparseCooTensor``: an ``ember.Tensor`` whose elements are stored as (indices, values) pairs.

Index arithmetic (sorting, de-duplicating, bounds) runs on the host with NumPy: indices are
never differentiable. Everything done to the values uses ember ops (``index_add``,
``index_select``, ...), so it runs on any backend and autograd records it.
"""

from __future__ import annotations

import math

import numpy as np

from ember import _core, dtypes
from ember._tensor import Tensor
from ember.layout import CooData, check_storage, sparse_coo

__all__ = ["SparseCooTensor", "sparse_coo_tensor", "dense_to_sparse", "make"]


def _host(t) -> np.ndarray:
    return t._device._backend.to_numpy(t._data)


def make(indices, values, shape: tuple, coalesced: bool) -> SparseCooTensor:
    """A sparse tensor around ``indices`` (int64, on ``values``' device) and ``values``; no checks."""
    t = _core.TensorBase.__new__(SparseCooTensor)
    t._data = CooData(indices, values, tuple(shape), coalesced)
    t._device = values._device
    t._dtype = values._dtype
    return t


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, requires_grad: bool = False,
                      check_invariants=None, is_coalesced=None) -> SparseCooTensor:
    """A sparse COO tensor with ``values`` at the positions in ``indices``.

    Args:
        indices: integer data of shape ``(sparse_dim, nnz)``: column ``k`` is the position of
            ``values[k]``. Repeated positions are allowed (their values add up).
        values: data of shape ``(nnz, *dense_shape)``.
        size: the tensor's size; by default the smallest that holds every index.
        dtype, device: of the values (by default inferred from ``values``).
        requires_grad: make the values a leaf that requires grad; ``.grad`` is then sparse.
        is_coalesced: promise that the indices are unique and sorted (checked).
        check_invariants: accepted for PyTorch's signature; ember always checks the indices
            against ``size`` (as PyTorch's ``check_invariants=True`` does).

    Example::

        >>> i = ember.tensor([[0, 1, 1], [2, 0, 2]])
        >>> s = ember.sparse_coo_tensor(i, ember.tensor([3., 4., 5.]), (2, 3))
        >>> s.to_dense()
        tensor([[0., 0., 3.],
                [4., 0., 5.]])
    """
    from ember.ops.creation import tensor
    if not isinstance(values, _core.TensorBase):
        values = tensor(values, dtype=dtype, device=device)
    elif (dtype is not None and values.dtype is not dtype) or device is not None:
        values = values.to(device=device if device is not None else values.device, dtype=dtype or values.dtype)
    if not isinstance(indices, _core.TensorBase):
        indices = tensor(indices)
    if indices.dtype.is_floating_point or indices.dtype is dtypes.bool:
        raise RuntimeError(f"indices must be an int64 tensor, but got {indices.dtype}")
    if indices.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(indices.shape)}")
    if values.ndim < 1:
        raise RuntimeError("values must be a tensor of shape (nnz, *dense_shape), got a 0-d tensor")
    sparse_dim, nnz = indices.shape
    if values.shape[0] != nnz:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {nnz}, nnz from "
                           f"values: {values.shape[0]}")
    idx = _host(indices).astype(np.int64, copy=False)
    if nnz and idx.min() < 0:
        raise RuntimeError(f"found negative index {int(idx.min())} for dim {int(np.argmin(idx.min(axis=1)))}")
    dense_shape = tuple(values.shape[1:])
    if size is None:
        sparse_shape = tuple(int(m) + 1 for m in idx.max(axis=1)) if nnz else (0,) * sparse_dim
        shape = sparse_shape + dense_shape
    else:
        shape = tuple(int(s) for s in size)
        if len(shape) != sparse_dim + len(dense_shape):
            raise RuntimeError(f"number of dimensions must be sparse_dim ({sparse_dim}) + dense_dim "
                               f"({len(dense_shape)}), but got {len(shape)}")
        if any(s < 0 for s in shape):
            raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
        if nnz:
            top = idx.max(axis=1)
            for d in range(sparse_dim):
                if top[d] >= shape[d]:
                    raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {shape[d]} but "
                                       f"found index {int(top[d])}")
        if tuple(shape[sparse_dim:]) != dense_shape:
            raise RuntimeError(f"values has incorrect size, expected {[nnz, *shape[sparse_dim:]]}, got "
                               f"{[nnz, *dense_shape]}")
    coalesced = _is_sorted_unique(idx, shape[:sparse_dim])
    if is_coalesced and not coalesced:
        raise RuntimeError("is_coalesced=True was given, but the indices are not unique and sorted")
    indices = indices.to(device=values.device, dtype=dtypes.int64).detach()
    if requires_grad:
        values = values.detach().requires_grad_(True)
    return make(indices, values, shape, coalesced)


def _linear(idx: np.ndarray, sparse_shape: tuple) -> np.ndarray:
    """Row-major positions of the index columns (in int64; sizes that overflow are refused)."""
    if math.prod(sparse_shape) >= 2 ** 63:
        raise RuntimeError(f"sparse size {list(sparse_shape)} has too many positions to index in int64")
    if idx.shape[1] == 0:
        return np.zeros(0, np.int64)
    return np.ravel_multi_index(tuple(idx), sparse_shape) if sparse_shape else np.zeros(idx.shape[1], np.int64)


def _is_sorted_unique(idx: np.ndarray, sparse_shape: tuple) -> bool:
    if idx.shape[1] < 2:
        return True
    lin = _linear(idx, sparse_shape)
    return bool(np.all(lin[1:] > lin[:-1]))


def dense_to_sparse(x, sparse_dim: int | None = None) -> SparseCooTensor:
    """``x.to_sparse()``: the non-zero elements of dense ``x`` (coalesced; differentiable)."""
    from ember.ops.creation import place
    sparse_dim = x.ndim if sparse_dim is None else int(sparse_dim)
    if not 0 <= sparse_dim <= x.ndim:
        raise RuntimeError(f"sparse_dim argument must be in [0, {x.ndim}] range, but {sparse_dim} is given")
    if sparse_dim == 0 and x.ndim > 0:
        raise RuntimeError("to_sparse: sparse_dim argument must be > 0 when the tensor has dimensions")
    if x.ndim == 0:   # a 0-d tensor: one stored value, or none when it is zero
        nnz = int(_host(x.detach()).item() != 0)
        return make(place(np.zeros((0, nnz), np.int64), x.device), x.unsqueeze(0)[:nnz], (), True)
    host = _host(x.detach())
    mask = host != 0
    if sparse_dim < x.ndim:
        mask = mask.reshape(host.shape[:sparse_dim] + (-1,)).any(axis=-1)
    idx = np.stack(np.nonzero(mask)).astype(np.int64).reshape(sparse_dim, -1)
    indices = place(idx, x.device)
    values = x[tuple(indices[d] for d in range(sparse_dim))]
    return make(indices, values, tuple(x.shape), True)


class SparseCooTensor(Tensor):
    """A sparse COO tensor (``layout == ember.sparse_coo``); see ``ember.sparse``."""

    # -- structure --------------------------------------------------------------------------
    @property
    def is_sparse(self) -> bool:
        return True

    @property
    def layout(self):
        return sparse_coo

    def sparse_dim(self) -> int:
        """How many leading dimensions are indexed (the rows of ``indices``)."""
        return self._data.indices.shape[0]

    def dense_dim(self) -> int:
        """How many trailing dimensions each value has."""
        return self._data.values.ndim - 1

    def _nnz(self) -> int:
        """How many (index, value) pairs are stored, duplicates included."""
        return self._data.values.shape[0]

    def _indices(self):
        """The indices as stored, whether coalesced or not."""
        return self._data.indices

    def _values(self):
        """The values as stored (differentiable), whether coalesced or not."""
        return self._data.values

    def indices(self):
        """The indices of a coalesced tensor."""
        self._need_coalesced("indices")
        return self._data.indices

    def values(self):
        """The values of a coalesced tensor (differentiable)."""
        self._need_coalesced("values")
        return self._data.values

    def _need_coalesced(self, what: str) -> None:
        if not self._data.coalesced:
            raise RuntimeError(f"Cannot get {what} on an uncoalesced tensor, please call .coalesce() first")

    def is_coalesced(self) -> bool:
        """True when no position is stored twice and the indices are sorted."""
        return self._data.coalesced

    def coalesce(self) -> SparseCooTensor:
        """This tensor with repeated positions summed and indices sorted (itself if already so)."""
        if self._data.coalesced:
            return self
        from ember.ops.creation import place
        from ember.ops.indexing import index_add
        sparse_shape = self.shape[:self.sparse_dim()]
        lin = _linear(_host(self._data.indices), sparse_shape)
        unique, inverse = np.unique(lin, return_inverse=True)
        values = self._data.values
        summed = values.new_zeros((len(unique), *values.shape[1:]))
        summed = index_add(summed, 0, place(inverse.reshape(-1).astype(np.int64), self.device), values)
        idx = np.stack(np.unravel_index(unique, sparse_shape)).astype(np.int64).reshape(len(sparse_shape), -1)
        return make(place(idx, self.device), summed, self.shape, True)

    # -- conversion -------------------------------------------------------------------------
    def to_dense(self, dtype=None, *, masked_grad=None):
        """The dense tensor with the values at their positions (repeated ones added); differentiable.
        The gradient reaches the values only (PyTorch's ``masked_grad=True``); ``masked_grad=False`` is refused."""
        if masked_grad is False:
            raise NotImplementedError("to_dense(masked_grad=False) is not supported: ember's gradient of a sparse "
                                      "tensor keeps its sparsity pattern (masked_grad=True)")
        from ember.ops.creation import place
        from ember.ops.indexing import index_add
        sparse_shape = tuple(self.shape[:self.sparse_dim()])
        values = self._data.values if dtype is None else self._data.values.to(dtype)
        lin = _linear(_host(self._data.indices), sparse_shape)
        flat = values.new_zeros((math.prod(sparse_shape), *values.shape[1:]))
        flat = index_add(flat, 0, place(lin, self.device), values)
        return flat.reshape(self.shape)

    def to_sparse(self, sparse_dim=None, *, layout=None):
        if layout is not None and layout is not sparse_coo:
            raise RuntimeError(f"to_sparse: ember supports layout=ember.sparse_coo only, got {layout}")
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError("to_sparse: conversion from Sparse to Sparse with sparse_dim argument "
                               "!=self.sparse_dim() is not supported")
        return self

    def to_sparse_coo(self):
        return self

    def to(self, *args, **kwargs):
        from ember.ops.conversion import _parse_to
        copy = kwargs.get("copy", False)
        device, dtype = _parse_to(args, dict(kwargs))
        values, indices = self._data.values, self._data.indices
        if device is not None:
            values, indices = values.to(device), indices.to(device)
        if dtype is not None:
            values = values.to(dtype)
        if values is self._data.values and not copy:
            return self
        return make(indices, values, self.shape, self._data.coalesced)

    def cpu(self):
        return self.to("cpu")

    def type(self, dtype=None, non_blocking: bool = False, **kwargs):
        if dtype is None:
            prefix = "ember.sparse." if self.device.type == "cpu" else f"ember.{self.device.type}.sparse."
            return prefix + super().type()[len("ember."):].split(".")[-1]
        return self.to(dtype)

    def numpy(self, *, force: bool = False):
        raise TypeError("can't convert a sparse tensor to numpy; call .to_dense() first")

    def detach(self):
        return make(self._data.indices, self._data.values.detach(), self.shape, self._data.coalesced)

    def clone(self, *, memory_format=None):
        check_storage("clone", memory_format=memory_format)
        return make(self._data.indices.clone(), self._data.values.clone(), self.shape, self._data.coalesced)

    def share_memory_(self):
        self._data.indices.share_memory_()
        self._data.values.share_memory_()
        return self

    def is_shared(self) -> bool:
        return self._data.values.is_shared()

    def is_contiguous(self, memory_format=None) -> bool:
        raise RuntimeError("sparse tensors do not have is_contiguous")

    def __reduce_ex__(self, protocol):
        values = self._data.values
        if values.grad_fn is not None:
            values = values.detach()   # history does not cross processes or files
        return (_rebuild, (self._data.indices, values, self.shape, self.requires_grad))

    def __deepcopy__(self, memo):
        out = self.detach().clone()
        if self.requires_grad:
            out.requires_grad_(True)
        memo[id(self)] = out
        return out

    # -- autograd: a sparse tensor's history is that of its values --------------------------
    @property
    def requires_grad(self) -> bool:
        return self._data.values.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._data.values.requires_grad = value

    @property
    def grad_fn(self):
        return self._data.values.grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._data.values.grad_fn is None

    @property
    def grad(self):
        """The gradient, a sparse tensor at this tensor's positions (None before backward)."""
        g = self._data.values.grad
        return None if g is None else make(self._data.indices, g, self.shape, self._data.coalesced)

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            raise RuntimeError("assigning .grad of a sparse tensor is not supported; set it to None")
        self._data.values.grad = None

    # -- arithmetic -------------------------------------------------------------------------
    def __add__(self, other):
        from ember.sparse.ops import add
        return add(self, other)

    __radd__ = __add__

    def add(self, other, *, alpha=1):
        from ember.sparse.ops import add
        return add(self, other if alpha == 1 else other * alpha)

    def __sub__(self, other):
        from ember.sparse.ops import add
        return add(self, -other)

    def __rsub__(self, other):
        from ember.sparse.ops import add
        return add(-self, other)

    def __neg__(self):
        return make(self._data.indices, -self._data.values, self.shape, self._data.coalesced)

    def __mul__(self, other):
        return make(self._data.indices, self._data.values * _scalar(other, "*"), self.shape, self._data.coalesced)

    __rmul__ = __mul__
    mul = __mul__

    def __truediv__(self, other):
        return make(self._data.indices, self._data.values / _scalar(other, "/"), self.shape, self._data.coalesced)

    div = __truediv__

    def t(self):
        """The transpose of a 2-D sparse matrix (shares the values)."""
        if self.ndim != 2 or self.sparse_dim() != 2:
            raise RuntimeError(f"t() expects a 2-D sparse matrix, got a tensor of {self.ndim} dims "
                               f"({self.sparse_dim()} sparse)")
        return self.transpose(0, 1)

    @property
    def T(self):
        """The transpose of a 2-D sparse matrix (``t()``)."""
        return self.t()

    def transpose(self, dim0: int, dim1: int):
        """Swap two sparse dimensions (shares the values; the result is not coalesced)."""
        from ember.ops.shape import wrap_dim
        d0, d1 = wrap_dim(dim0, self.ndim), wrap_dim(dim1, self.ndim)
        if max(d0, d1) >= self.sparse_dim():
            raise RuntimeError("transpose of a sparse tensor swaps sparse dimensions only")
        order = list(range(self.sparse_dim()))
        order[d0], order[d1] = order[d1], order[d0]
        from ember.ops.creation import place
        from ember.ops.indexing import index_select
        indices = index_select(self._data.indices, 0, place(np.array(order, np.int64), self.device))
        shape = list(self.shape)
        shape[d0], shape[d1] = shape[d1], shape[d0]
        return make(indices, self._data.values, tuple(shape), d0 == d1 and self._data.coalesced)

    def mm(self, mat2):
        from ember.sparse.ops import mm
        return mm(self, mat2)

    matmul = mm

    def __matmul__(self, other):
        from ember.sparse.ops import mm
        return mm(self, other)

    def __rmatmul__(self, other):
        from ember.sparse.ops import mm
        return mm(other, self)

    def sum(self, dim=None, keepdim: bool = False, *, dtype=None):
        from ember.sparse.ops import sum as sparse_sum
        if keepdim:
            raise RuntimeError("sum of a sparse tensor does not support keepdim=True")
        return sparse_sum(self, dim, dtype=dtype)

    # -- printing ---------------------------------------------------------------------------
    def __repr__(self, *, tensor_contents=None) -> str:
        from ember._tensor_str import tensor_repr
        tail = f"size={tuple(self.shape)}, nnz={self._nnz()}, layout=ember.sparse_coo"
        if self.grad_fn is not None:
            tail += f", grad_fn=<{type(self.grad_fn).__name__}>"
        elif self.requires_grad:
            tail += ", requires_grad=True"
        if tensor_contents is not None:   # printed in place of the indices and values
            return f"tensor({tensor_contents},\n       {tail})"
        ind = tensor_repr(self._data.indices).replace("\n", "\n" + " " * len("tensor(indices="))
        val = tensor_repr(self._data.values.detach()).replace("\n", "\n" + " " * len("       values="))
        return f"tensor(indices={ind},\n       values={val},\n       {tail})"


def _caster(dtype):
    def cast(self):
        return self.to(dtype)
    cast.__name__ = cast.__qualname__ = {"float32": "float", "float64": "double", "float16": "half",
                                         "int64": "long", "int32": "int", "int16": "short", "int8": "char",
                                         "uint8": "byte", "bool": "bool"}[dtype.name]
    return cast


for _dtype in dtypes.ALL:
    _method = _caster(_dtype)
    setattr(SparseCooTensor, _method.__name__, _method)


def _scalar(other, op: str):
    if isinstance(other, _core.TensorBase):
        if other.is_sparse or other.ndim != 0:
            raise RuntimeError(f"sparse tensor {op} tensor: only a number or a 0-d tensor is supported; "
                               f"convert with .to_dense() first")
    elif not isinstance(other, (int, float, bool, np.number)):
        raise TypeError(f"unsupported operand type(s) for {op}: sparse tensor and '{type(other).__name__}'")
    return other


def _rebuild(indices, values, shape, requires_grad):
    if values.requires_grad:
        values = values.detach()
    out = make(indices, values, shape, _is_sorted_unique(_host(indices), tuple(shape[:indices.shape[0]])))
    if requires_grad:
        out.requires_grad_(True)
    return out
