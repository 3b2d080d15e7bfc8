"""Selecting by a mask or by flat position: ``masked_fill``, ``masked_select``, ``take``,
``nonzero`` and ``argwhere``.

Kernels (name: inputs; params). ember-autograd writes one derivative rule per name.

    masked_fill     (x, mask)           (value,)                result: broadcast shape of x and mask
    masked_select   (x, mask)           ()                      x and mask broadcast first
    take            (x, index)          ()
    nonzero         (x,)                ()                      int64 (n, ndim); ``nonzero_tuple``: ndim 1-d arrays
"""

from __future__ import annotations

from ember import _core, dtypes
from ember.ops.conversion import fill_value as _scalar
from ember.ops.creation import _result as _out
from ember.ops.inplace import recording as _recording
from ember.ops.inplace import run_inplace as _inplace
from ember.ops.shape import broadcast_shape as _broadcast_shape

__all__ = ["SelectionMethods", "masked_fill", "masked_select", "take", "nonzero", "argwhere"]

_Tensor = _core.TensorBase


def _name(t) -> str:
    return _core._type_name(t.dtype)


def _check_masked_fill(self, mask, value):
    if not isinstance(mask, _Tensor):
        raise TypeError(f"masked_fill(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    if mask.dtype is not dtypes.bool:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_name(mask)}")
    if isinstance(value, _Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        if _recording(value):   # keep the value in the graph: a where() with the value's gradient
            return value.to(self.dtype)
    return _scalar(value, self.dtype, "masked_fill_")


def _where(mask, value, x):
    return _core.call("where", (mask, value, x))


def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where the boolean ``mask`` (broadcast with ``input``)
    is True.

    Example::

        >>> x = ember.tensor([1., -2., 3.])
        >>> x.masked_fill(x < 0, 0.)
        tensor([1., 0., 3.])
    """
    value = _check_masked_fill(input, mask, value)
    _broadcast_shape(mask._data.shape, input._data.shape)
    if isinstance(value, _Tensor):
        return _where(mask, value, input)
    return _core.call("masked_fill", (input, mask), (value,))


def masked_select(input, mask, *, out=None):
    """The elements of ``input`` where the boolean ``mask`` is True, as a 1-d tensor
    (``input`` and ``mask`` broadcast together first).

    Example::

        >>> x = ember.tensor([[1, 2], [3, 4]])
        >>> ember.masked_select(x, x > 1)
        tensor([2, 3, 4])
    """
    if not isinstance(mask, _Tensor) or mask.dtype is not dtypes.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    _broadcast_shape(mask._data.shape, input._data.shape)
    return _out(_core.call("masked_select", (input, mask)), out)


def take(input, index):
    """The elements of ``input`` (read as 1-d, in row-major order) at the positions ``index``;
    the result has ``index``'s shape.

    Example::

        >>> ember.take(ember.tensor([[4, 3], [5, 7]]), ember.tensor([0, 3]))
        tensor([4, 7])
    """
    if index.dtype is not dtypes.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_name(index)}")
    return _core.call("take", (input, index))


def nonzero(input, *, out=None, as_tuple: bool = False):
    """The indices of the non-zero elements of ``input``: an int64 tensor of shape
    ``(count, input.ndim)``, or with ``as_tuple=True`` a tuple of ``input.ndim`` 1-d tensors
    (one for a 0-d input), usable as ``input[input.nonzero(as_tuple=True)]``.

    Example::

        >>> ember.nonzero(ember.tensor([[0, 1], [2, 0]]))
        tensor([[0, 1],
                [1, 0]])
    """
    if as_tuple:
        return _core.call("nonzero_tuple", (input,))
    return _out(_core.call("nonzero", (input,)), out)


def argwhere(input):
    """The indices of the non-zero elements of ``input``, shape ``(count, input.ndim)``."""
    return _core.call("nonzero", (input,))


class SelectionMethods:
    __slots__ = ()

    def masked_fill(self, mask, value):
        return masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        """Fill the elements of ``self`` where ``mask`` (broadcast to ``self``) is True, in place."""
        value = _check_masked_fill(self, mask, value)
        shape = _broadcast_shape(mask._data.shape, self._data.shape)
        if shape != self._data.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(shape)}")
        if isinstance(value, _Tensor):
            return _core.assign(self, _where(mask, value, self))
        return _inplace("masked_fill", self, (mask,), (value,))

    def masked_select(self, mask):
        return masked_select(self, mask)

    def take(self, index):
        return take(self, index)

    def nonzero(self, *, as_tuple: bool = False):
        return nonzero(self, as_tuple=as_tuple)

    def argwhere(self):
        return argwhere(self)
