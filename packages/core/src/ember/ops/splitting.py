"""Cutting and rearranging: ``tensor_split`` and its ``hsplit``/``vsplit``/``dsplit`` forms,
``split_with_sizes``, the ``unsafe_*`` splits, ``select``, ``narrow_copy``, ``ravel``, ``rot90``,
``column_stack``/``row_stack``, ``Tensor.unfold`` (sliding windows) and the in-place shape changes
(``t_``, ``transpose_``, ``squeeze_``, ``unsqueeze_``, ``swapaxes_``)."""

from __future__ import annotations

import operator

from ember import _core, dtypes
from ember.ops.creation import arange
from ember.ops.shape import hstack, vstack

__all__ = ["tensor_split", "hsplit", "vsplit", "dsplit", "split_with_sizes", "unsafe_split",
           "unsafe_split_with_sizes", "unsafe_chunk", "select", "narrow_copy", "ravel", "rot90", "column_stack",
           "row_stack"]


def _dim(dim: int, ndim: int) -> int:
    dim = operator.index(dim)
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, {max(ndim, 1) - 1}], "
                         f"but got {dim})")
    return dim % max(ndim, 1)


def tensor_split(input, indices_or_sections, dim: int = 0):
    """Split along ``dim`` into n nearly equal parts (an int: the first ``size % n`` are one longer) or at
    the given indices (a sequence or a 1-D int tensor). Returns views."""
    if input.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _dim(dim, input.ndim)
    size = input.shape[d]
    if isinstance(indices_or_sections, _core.TensorBase):
        if indices_or_sections.dtype.is_floating_point or indices_or_sections.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have integer dtype and be a 0-D "
                               "or 1-D tensor")
        indices_or_sections = (int(indices_or_sections) if indices_or_sections.ndim == 0
                               else indices_or_sections.tolist())
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        base, extra = divmod(size, n)
        bounds, start = [], 0
        for i in range(n):
            end = start + base + (1 if i < extra else 0)
            bounds.append((start, end))
            start = end
    else:
        cuts = [0] + [operator.index(i) for i in indices_or_sections] + [size]
        bounds = [(min(max(a, 0), size), min(max(b, 0), size)) for a, b in zip(cuts[:-1], cuts[1:])]
    return tuple(input.narrow(d, a, max(b - a, 0)) for a, b in bounds)


def _directional_split(fn: str, input, sections, dim: int, min_ndim: int):
    if input.ndim < min_ndim:
        raise RuntimeError(f"torch.{fn} requires a tensor with at least {min_ndim} dimension, but got a tensor "
                           f"with {input.ndim} dimensions!".replace("torch", "ember"))
    if isinstance(sections, int) and input.shape[dim] % sections:
        raise RuntimeError(f"torch.{fn} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.shape[dim]} is not divisible by the split_size {sections}!"
                           .replace("torch", "ember"))
    return tensor_split(input, sections, dim)


def hsplit(input, indices_or_sections):
    """Split along dim 1 (dim 0 for 1-D input), as ``numpy.hsplit``."""
    return _directional_split("hsplit", input, indices_or_sections, 1 if input.ndim > 1 else 0, 1)


def vsplit(input, indices_or_sections):
    """Split along dim 0 of an at least 2-D tensor, as ``numpy.vsplit``."""
    return _directional_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """Split along dim 2 of an at least 3-D tensor, as ``numpy.dsplit``."""
    return _directional_split("dsplit", input, indices_or_sections, 2, 3)


def split_with_sizes(input, split_sizes, dim: int = 0):
    """Split along ``dim`` into pieces of the given sizes (which must add up to the dim's size)."""
    d = _dim(dim, input.ndim)
    if sum(split_sizes) != input.shape[d] or any(s < 0 for s in split_sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {input.shape[d]} (input tensor's "
                           f"size at dimension {dim}), but got split_sizes={list(split_sizes)}")
    return tuple(input.split(list(split_sizes), d))


def unsafe_split(input, split_size, dim: int = 0):
    """``split`` (ember's pieces carry the version checks that PyTorch's unsafe form skips)."""
    return tuple(input.split(split_size, dim))


def unsafe_split_with_sizes(input, split_sizes, dim: int = 0):
    """``split_with_sizes`` (see ``unsafe_split``)."""
    return split_with_sizes(input, split_sizes, dim)


def unsafe_chunk(input, chunks: int, dim: int = 0):
    """``chunk`` (see ``unsafe_split``)."""
    return tuple(input.chunk(chunks, dim))


def select(input, dim: int, index: int):
    """The slice at ``index`` along ``dim``, without that dim (a view)."""
    d = _dim(dim, input.ndim)
    size = input.shape[d]
    index = operator.index(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension "
                         f"{dim}")
    return input.narrow(d, index % size, 1).squeeze(d)


def narrow_copy(input, dim: int, start: int, length: int):
    """``narrow`` as a new tensor rather than a view."""
    return input.narrow(dim, start, length).clone()


def ravel(input):
    """``input`` flattened to 1-D (a view when it is contiguous)."""
    return input.reshape(-1)


def rot90(input, k: int = 1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims``, from the first dim towards the second."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    a, b = _dim(dims[0], input.ndim), _dim(dims[1], input.ndim)
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and dim1 = {b}")
    k %= 4
    if k == 1:
        return input.flip(b).transpose(a, b)
    if k == 2:
        return input.flip(a, b)
    if k == 3:
        return input.flip(a).transpose(a, b)
    return input.clone()


def column_stack(tensors):
    """Stack 0-/1-D tensors as columns (and 2-D ones as they are) side by side."""
    return hstack([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors])


def row_stack(tensors):
    """``vstack``."""
    return vstack(tensors)


def _inplace_view(self, result):
    """Give ``self`` the shape and strides of the view ``result`` of itself (``t_``, ``squeeze_``, ...)."""
    if self.requires_grad:
        raise RuntimeError("in-place shape changes (t_, transpose_, squeeze_, ...) are supported on tensors that "
                           "do not require grad; use the out-of-place op (t, transpose, squeeze, ...)")
    self.data = result
    return self


class SplittingMethods:
    __slots__ = ()

    tensor_split, hsplit, vsplit, dsplit = tensor_split, hsplit, vsplit, dsplit
    split_with_sizes, unsafe_split, unsafe_split_with_sizes, unsafe_chunk = (
        split_with_sizes, unsafe_split, unsafe_split_with_sizes, unsafe_chunk)
    select, narrow_copy, ravel, rot90 = select, narrow_copy, ravel, rot90

    def ndimension(self) -> int:
        """The number of dims (``dim()``)."""
        return self.ndim

    def unfold(self, dimension: int, size: int, step: int):
        """Every window of ``size`` elements along ``dimension``, ``step`` apart, as a new last dim (a copy;
        PyTorch returns a view)."""
        d = _dim(dimension, self.ndim)
        length = self.shape[d] if self.ndim else 1
        if size < 0 or size > length:
            raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
        if step <= 0:
            raise RuntimeError(f"step is {step} but must be > 0")
        x = self.reshape(1) if self.ndim == 0 else self
        count = (length - size) // step + 1
        index = (arange(count, device=self.device).unsqueeze(1) * step
                 + arange(size, device=self.device).unsqueeze(0)).reshape(-1)
        windows = x.index_select(d, index.to(dtypes.int64))
        shape = tuple(x.shape[:d]) + (count, size) + tuple(x.shape[d + 1:])
        out = windows.reshape(shape).movedim(d + 1, -1)
        return out.reshape(size) if self.ndim == 0 else out

    def t_(self):
        return _inplace_view(self, self.t())

    def transpose_(self, dim0: int, dim1: int):
        return _inplace_view(self, self.transpose(dim0, dim1))

    swapaxes_ = swapdims_ = transpose_

    def squeeze_(self, dim=None):
        return _inplace_view(self, self.squeeze() if dim is None else self.squeeze(dim))

    def unsqueeze_(self, dim: int):
        return _inplace_view(self, self.unsqueeze(dim))
