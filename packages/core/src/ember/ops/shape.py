"""Views and copies that change shape: ``view``, ``reshape``, ``permute``, ``cat``, ..."""

from __future__ import annotations

from ember import _core

__all__ = ["reshape", "permute", "ShapeMethods", "wrap_dim"]


def wrap_dim(dim: int, ndim: int) -> int:
    """A dim index in ``[-ndim, ndim)`` as a non-negative one; 0-d tensors accept -1 and 0."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim % ndim if ndim else 0


def _infer_shape(shape, numel: int) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input, shape):
    """``input`` with a new shape: a view when the layout allows, else a copy."""
    return _core.call_view("reshape", input, (_infer_shape((shape,), input.numel()),))


def permute(input, dims):
    """A view with the dimensions reordered by ``dims``."""
    dims = tuple(wrap_dim(d, input.ndim) for d in dims)
    if len(dims) != input.ndim or len(set(dims)) != len(dims):
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. input.dim() = "
                           f"{input.ndim} is not equal to len(dims) = {len(dims)}")
    return _core.call_view("permute", input, (dims,))


class ShapeMethods:
    __slots__ = ()

    def view(self, *shape):
        from ember.dtypes import dtype
        if len(shape) == 1 and isinstance(shape[0], dtype):
            raise NotImplementedError("Tensor.view(dtype) is not supported; use .to(dtype)")
        shape = _infer_shape(shape, self.numel())
        try:
            return _core.call_view("view", self, (shape,))
        except ValueError:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                               "least one dimension spans across two contiguous subspaces). Use "
                               ".reshape(...) instead.") from None

    def reshape(self, *shape):
        return _core.call_view("reshape", self, (_infer_shape(shape, self.numel()),))

    def permute(self, *dims):
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        return permute(self, dims)
