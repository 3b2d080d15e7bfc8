"""Indexing along one dim: gather/scatter, ``index_select``/``index_add``/``index_copy``/
``index_fill`` and ``take_along_dim``.

Kernels (name: inputs; params). ember-autograd writes one derivative rule per name.

    gather          (x, index)          (dim,)
    scatter         (x, index, src)     (dim,)
    scatter_value   (x, index)          (dim, value)
    scatter_add     (x, index, src)     (dim,)
    scatter_reduce  (x, index, src)     (dim, reduce, include_self)  reduce: sum prod mean amax amin
    index_select    (x, index)          (dim,)
    index_add       (x, index, source)  (dim, alpha)
    index_copy      (x, index, source)  (dim,)
    index_fill      (x, index)          (dim, value)
    take_along_dim  (x, index)          (dim,)                  dim None: over the flattened x

In-place ops run through ``ember.ops.inplace.run_inplace`` (the ``<name>_`` kernel when the
backend has one).
"""

from __future__ import annotations

import warnings

from ember import _core, dtypes
from ember.ops.conversion import fill_value as _scalar
from ember.ops.creation import _result as _out
from ember.ops.inplace import run_inplace as _inplace
from ember.ops.shape import broadcast_shape as _broadcast_shape
from ember.ops.shape import wrap_dim

__all__ = [
    "DimIndexingMethods", "gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
    "index_copy", "index_fill", "take_along_dim",
]

_Tensor = _core.TensorBase
_INDEX_DTYPES = (dtypes.int64, dtypes.int32)


def _name(t) -> str:
    return _core._type_name(t.dtype)


def _check_index_dtype(index, op: str) -> None:
    if not isinstance(index, _Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._dtype is not dtypes.int64 and index._dtype is not dtypes.int32:
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")


def gather(input, dim: int, index, *, sparse_grad: bool = False, out=None):
    """Values of ``input`` along ``dim`` at the positions in ``index``.

    For a 3-d input, ``out[i][j][k] = input[index[i][j][k]][j][k]`` when ``dim == 0`` (and
    likewise for the other dims). ``index`` has ``input``'s number of dimensions and is no
    larger than ``input`` in the other dimensions; the result has ``index``'s shape.

    Example::

        >>> ember.gather(ember.tensor([[1, 2], [3, 4]]), 1, ember.tensor([[0, 0], [1, 0]]))
        tensor([[1, 1],
                [4, 3]])
    """
    if sparse_grad:
        raise NotImplementedError("gather(): sparse_grad=True is not supported: ember's gradients are dense tensors")
    _check_index_dtype(index, "gather")
    shape, ishape = input._data.shape, index._data.shape
    d = wrap_dim(dim, len(shape))
    if max(len(ishape), 1) != max(len(shape), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if ishape != shape:
        for i, n in enumerate(ishape):
            if i != d and n > shape[i]:
                raise RuntimeError(f"Size does not match at dimension {i} expected index {list(ishape)} to be "
                                   f"no larger than self {list(shape)} apart from dimension {d}")
    return _out(_core.call("gather", (input, index), (d,)), out)


def _check_scatter(self, dim, index, src, op: str) -> int:
    _check_index_dtype(index, op)
    shape, ishape = self._data.shape, index._data.shape
    d = wrap_dim(dim, len(shape))
    is_tensor = isinstance(src, _Tensor)
    sshape = src._data.shape if is_tensor else None
    if is_tensor and src._dtype is not self._dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    if max(len(ishape), 1) != max(len(shape), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if is_tensor and 0 < len(sshape) < len(ishape):
        wrap_dim(len(sshape), len(sshape))   # PyTorch reads src's sizes first: IndexError
    if is_tensor and max(len(ishape), 1) != max(len(sshape), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if ishape == shape and (not is_tensor or ishape == sshape):
        return d
    too_big = any(n > shape[i] for i, n in enumerate(ishape) if i != d)
    if is_tensor:
        if too_big or any(n > sshape[i] for i, n in enumerate(ishape)):
            raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self {list(shape)} "
                               f"apart from dimension {d} and to be no larger size than src {list(sshape)}")
    elif too_big:
        raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self {list(shape)} "
                           f"apart from dimension {d}")
    return d


_SCATTER_REDUCE = {"add": "sum", "multiply": "prod"}


def _scatter(self, dim, index, src, value, reduce, inplace: bool):
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required argument: 'src' or 'value'")
    if reduce is not None and reduce not in _SCATTER_REDUCE:
        raise RuntimeError("reduce argument must be either add or multiply.")
    d = _check_scatter(self, dim, index, src, "scatter")
    if reduce is not None and isinstance(src, _Tensor):
        warnings.warn("The reduce argument of ember.scatter with Tensor src is deprecated; use "
                      "ember.scatter_reduce instead for more reduction options.", UserWarning, stacklevel=3)
    if not isinstance(src, _Tensor):
        value = _scalar(src, self.dtype)
        if reduce is None:
            name, inputs, params = "scatter_value", (index,), (d, value)
        else:
            from ember.ops.creation import full
            src = full(tuple(index.shape), value, dtype=self.dtype, device=self.device)
    if isinstance(src, _Tensor):
        if reduce is None:
            name, inputs, params = "scatter", (index, src), (d,)
        else:
            name, inputs, params = "scatter_reduce", (index, src), (d, _SCATTER_REDUCE[reduce], True)
    if inplace:
        return _inplace(name, self, inputs, params)
    return _core.call(name, (self, *inputs), params)


def scatter(input, dim: int, index, src=None, *, value=None, reduce: str | None = None):
    """A copy of ``input`` with the values of ``src`` (a tensor or a number) written along
    ``dim`` at the positions in ``index``: for a 3-d input and ``dim == 0``,
    ``out[index[i][j][k]][j][k] = src[i][j][k]``. With ``reduce="add"`` or ``"multiply"``
    the values are combined with what is there instead.

    Example::

        >>> ember.zeros(2, 3).scatter(1, ember.tensor([[2], [0]]), ember.tensor([[1.], [2.]]))
        tensor([[0., 0., 1.],
                [2., 0., 0.]])
    """
    return _scatter(input, dim, index, src, value, reduce, inplace=False)


def scatter_add(input, dim: int, index, src):
    """A copy of ``input`` with ``src`` added along ``dim`` at the positions in ``index``;
    repeated positions add up: ``out[index[i][j]][j] += src[i][j]`` for ``dim == 0``.

    Example::

        >>> ember.zeros(3).scatter_add(0, ember.tensor([0, 0, 2]), ember.tensor([1., 2., 3.]))
        tensor([3., 0., 3.])
    """
    d = _check_scatter(input, dim, index, src, "scatter")
    return _core.call("scatter_add", (input, index, src), (d,))


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")
_REDUCTION_ALIASES = {"max": "amax", "min": "amin"}   # PyTorch accepts these too


def _check_scatter_reduce(self, dim, index, src, reduce, include_self) -> tuple:
    reduce = _REDUCTION_ALIASES.get(reduce, reduce)
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, _Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' must be Tensor, not {type(src).__name__}")
    d = _check_scatter(self, dim, index, src, "scatter")
    return (d, reduce, bool(include_self))


def scatter_reduce(input, dim: int, index, src, reduce: str, *, include_self: bool = True):
    """A copy of ``input`` where the values of ``src`` scattered along ``dim`` to the positions
    in ``index`` are reduced with ``reduce`` (``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``,
    ``"amin"``), together with the value already there if ``include_self``.

    Integer ``"mean"`` rounds down, as in PyTorch.

    Example::

        >>> ember.tensor([1., 2.]).scatter_reduce(0, ember.tensor([0, 0, 1]), ember.tensor([5., 3., 7.]), "amax")
        tensor([5., 7.])
    """
    params = _check_scatter_reduce(input, dim, index, src, reduce, include_self)
    return _core.call("scatter_reduce", (input, index, src), params)


# ----------------------------------------------------------------------------------------
# index_select / index_add / index_copy / index_fill

def index_select(input, dim: int, index, *, out=None):
    """The entries of ``input`` along ``dim`` at the positions in the 1-d ``index``.

    Example::

        >>> ember.index_select(ember.tensor([[1, 2, 3], [4, 5, 6]]), 1, ember.tensor([2, 0]))
        tensor([[3, 1],
                [6, 4]])
    """
    if not isinstance(index, _Tensor):
        raise TypeError(f"index_select(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    d = wrap_dim(dim, input.ndim)
    if input.ndim == 0 and index.numel() != 1:
        raise IndexError(f"index_select(): Index to scalar can have only 1 value, got {index.numel()} value(s)")
    return _out(_core.call("index_select", (input, index), (d,)), out)


def _check_index_vector(index, op: str, dtype_ok: bool, dtype_msg: str, error=RuntimeError) -> None:
    if not isinstance(index, _Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if not dtype_ok:
        raise error(dtype_msg)


def _check_index_add(self, dim, index, source) -> int:
    _check_index_vector(index, "index_add", index.dtype in _INDEX_DTYPES,
                        f"index_add_(): Expected dtype int32/int64 for index but got: {_name(index)}")
    d = wrap_dim(dim, self.ndim)
    if index.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
                         f"{_name(index)} and size: {list(index.shape)}")
    if source.dtype is not self.dtype:
        raise RuntimeError(f"index_add_(): self ({_name(self)}) and source ({_name(source)}) must have the same "
                           f"scalar type")
    if source.ndim and d >= source.ndim:
        raise RuntimeError(f"index_add_(): Indexing dim {d} is out of bounds of the source tensor with dim "
                           f"{source.ndim}")
    n_src = source.shape[d] if source.ndim else 1
    if index.numel() != n_src:
        raise RuntimeError(f"index_add_(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({n_src}), for dim: {d}")
    if self.ndim and source.ndim and (self.ndim != source.ndim or any(
            a != b for i, (a, b) in enumerate(zip(self.shape, source.shape)) if i != d)):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified dimension. "
                           f"Got self.shape = {list(self.shape)} source.shape = {list(source.shape)}")
    return d


def index_add(input, dim: int, index, source, *, alpha=1, out=None):
    """A copy of ``input`` with ``alpha * source`` added at the positions ``index`` along
    ``dim``; repeated indices add up.

    Example::

        >>> ember.zeros(3, 2).index_add(0, ember.tensor([0, 0]), ember.ones(2, 2))
        tensor([[2., 2.],
                [0., 0.],
                [0., 0.]])
    """
    d = _check_index_add(input, dim, index, source)
    return _out(_core.call("index_add", (input, index, source), (d, alpha)), out)


def _check_index_copy(self, dim, index, source) -> int:
    _check_index_vector(index, "index_copy", index.dtype is dtypes.int64,
                        f"index_copy_(): Expected a long tensor for index, but got {_name(index)}")
    if source.dtype is not self.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{_name(self)} and (source) {_name(source)}")
    d = wrap_dim(dim, self.ndim)
    if index.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got {index.ndim})")
    n_src = source.shape[d] if source.ndim > d else 1
    if index.numel() != n_src:
        raise IndexError(f"index_copy_(): Number of indices ({index.numel()}) should be equal to "
                         f"source.size(dim) ({n_src})")
    self_slice = [n for i, n in enumerate(self.shape) if i != d]
    src_slice = [n for i, n in enumerate(source.shape) if i != d]
    if self_slice != src_slice and self.ndim and source.ndim:
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination "
                           f"slice shape: {' '.join(map(str, self_slice))} at dimension {d} and source slice "
                           f"shape: {' '.join(map(str, src_slice))} at dimension 0.")
    return d


def index_copy(input, dim: int, index, source):
    """A copy of ``input`` with the slices of ``source`` along ``dim`` written at the positions
    ``index``.

    Example::

        >>> ember.zeros(3, 2).index_copy(0, ember.tensor([2, 0]), ember.tensor([[1., 2.], [3., 4.]]))
        tensor([[3., 4.],
                [0., 0.],
                [1., 2.]])
    """
    d = _check_index_copy(input, dim, index, source)
    return _core.call("index_copy", (input, index, source), (d,))


def _check_index_fill(self, dim, index, value) -> tuple[int, object]:
    _check_index_vector(index, "index_fill", index.dtype is dtypes.int64,
                        "index_fill_(): Expected dtype int64 for index.", IndexError)
    d = wrap_dim(dim, self.ndim)
    if index.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    return d, _scalar(value, self.dtype, "index_fill_")


def index_fill(input, dim: int, index, value):
    """A copy of ``input`` with the entries at positions ``index`` along ``dim`` set to ``value``.

    Example::

        >>> ember.zeros(2, 3).index_fill(1, ember.tensor([0, 2]), 5.)
        tensor([[5., 0., 5.],
                [5., 0., 5.]])
    """
    d, value = _check_index_fill(input, dim, index, value)
    return _core.call("index_fill", (input, index), (d, value))


def take_along_dim(input, indices, dim: int | None = None, *, out=None):
    """The values of ``input`` at ``indices`` along ``dim`` (like ``gather``, but ``input`` and
    ``indices`` broadcast in the other dims); with ``dim=None``, over the flattened ``input``.
    Pairs with ``argsort``/``argmax(keepdim=True)``.

    Example::

        >>> x = ember.tensor([[10, 30, 20], [60, 40, 50]])
        >>> ember.take_along_dim(x, x.argsort(dim=1), dim=1)
        tensor([[10, 20, 30],
                [40, 50, 60]])
    """
    if indices.dtype is not dtypes.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {_name(indices)}"
                           .replace("torch.", "ember."))
    if dim is None:
        return _out(_core.call("take_along_dim", (input, indices), (None,)), out)
    d = wrap_dim(dim, input.ndim)
    if input.ndim != indices.ndim:
        raise RuntimeError(f"ember.take_along_dim(): input and indices should have the same number of "
                           f"dimensions, but got {input.ndim} dimensions for input, and {indices.ndim} "
                           f"dimensions for indices")
    if input.ndim:
        _broadcast_shape(tuple(n for i, n in enumerate(input.shape) if i != d),
                         tuple(n for i, n in enumerate(indices.shape) if i != d))
    return _out(_core.call("take_along_dim", (input, indices), (d,)), out)


class DimIndexingMethods:
    __slots__ = ()

    def gather(self, dim: int, index, *, sparse_grad: bool = False):
        return gather(self, dim, index, sparse_grad=sparse_grad)

    def scatter(self, dim: int, index, src=None, value=None, *, reduce: str | None = None):
        return scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim: int, index, src=None, value=None, *, reduce: str | None = None):
        """``scatter`` in place."""
        return _scatter(self, dim, index, src, value, reduce, inplace=True)

    def scatter_add(self, dim: int, index, src):
        return scatter_add(self, dim, index, src)

    def scatter_add_(self, dim: int, index, src):
        """``scatter_add`` in place."""
        _check_scatter(self, dim, index, src, "scatter")
        return _inplace("scatter_add", self, (index, src), (wrap_dim(dim, self.ndim),))

    def scatter_reduce(self, dim: int, index, src, reduce: str, *, include_self: bool = True):
        return scatter_reduce(self, dim, index, src, reduce, include_self=include_self)

    def scatter_reduce_(self, dim: int, index, src, reduce: str, *, include_self: bool = True):
        """``scatter_reduce`` in place."""
        params = _check_scatter_reduce(self, dim, index, src, reduce, include_self)
        return _inplace("scatter_reduce", self, (index, src), params)

    def index_select(self, dim: int, index):
        return index_select(self, dim, index)

    def index_add(self, dim: int, index, source, *, alpha=1):
        return index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim: int, index, source, *, alpha=1):
        """``index_add`` in place."""
        d = _check_index_add(self, dim, index, source)
        return _inplace("index_add", self, (index, source), (d, alpha))

    def index_copy(self, dim: int, index, source):
        return index_copy(self, dim, index, source)

    def index_copy_(self, dim: int, index, source):
        """``index_copy`` in place."""
        d = _check_index_copy(self, dim, index, source)
        return _inplace("index_copy", self, (index, source), (d,))

    def index_fill(self, dim: int, index, value):
        return index_fill(self, dim, index, value)

    def index_fill_(self, dim: int, index, value):
        """``index_fill`` in place."""
        d, value = _check_index_fill(self, dim, index, value)
        return _inplace("index_fill", self, (index,), (d, value))

    def take_along_dim(self, indices, dim: int | None = None):
        return take_along_dim(self, indices, dim)
