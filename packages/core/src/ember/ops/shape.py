"""Views and copies that change shape: ``view``, ``reshape``, ``permute``, ``cat``, ...

Kernels (name -> params after the input arrays), for backends and autograd rules. Views
go through ``_core.call_view`` (or share the base by ``_mark_views``); copies through
``_core.call``. All dims are non-negative, all shapes fully resolved (no -1).

    view       (x,) -> (shape,)            view; must raise ValueError if strides forbid it
    reshape    (x,) -> (shape,)            copy, used only when no view exists
    permute    (x,) -> (dims,)             view
    transpose  (x,) -> (dim0, dim1)        view (0-d: itself)
    t          (x,) -> ()                  view, x.ndim <= 2
    squeeze    (x,) -> (dims,)             view, removes exactly ``dims`` (all of size 1)
    unsqueeze  (x,) -> (dim,)              view, new size-1 dim at ``dim``
    expand     (x,) -> (shape,)            view, size-1 or new leading dims broadcast
    narrow     (x,) -> (dim, start, length)  view, x[..., start:start+length]
    split      (x,) -> (sizes, dim)        tuple of views; sizes sum to x.shape[dim]
    unbind     (x,) -> (dim,)              tuple of views x[..., i]
    cat        (*xs) -> (dim,)             copy; all xs one dtype, same ndim
    stack      (*xs) -> (dim,)             copy; all xs one dtype and shape
    repeat     (x,) -> (repeats,)          copy; len(repeats) >= x.ndim (np.tile)
    flip       (x,) -> (dims,)             copy
    roll       (x,) -> (shifts, dims)      copy; dims None rolls the flattened tensor
    tril       (x,) -> (diagonal,)         copy; zero above ``diagonal`` of the last two dims
    triu       (x,) -> (diagonal,)         copy; zero below ``diagonal`` of the last two dims
    repeat_interleave (x,) -> (repeats, dim)  copy; repeats an int or a tuple (one per entry)
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence

from ember import _core
from ember.dtypes import dtype as _dtype
from ember.dtypes import promote_types
from ember.ops.dims import broadcast_shape, wrap_dim  # noqa: F401 - wrap_dim is imported from here too

__all__ = [
    "wrap_dim", "reshape", "permute", "transpose", "swapaxes", "swapdims", "t", "flatten", "unflatten",
    "squeeze", "unsqueeze", "narrow", "split", "chunk", "unbind", "movedim", "moveaxis", "flip", "fliplr",
    "flipud", "roll", "tile", "cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack",
    "atleast_1d", "atleast_2d", "atleast_3d", "tril", "triu", "repeat_interleave", "ShapeMethods",
]


def _ints(args, what: str = "size") -> tuple[int, ...]:
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(ember.Size([2, 3]))`` as ``(2, 3)``."""
    if len(args) == 1:
        first = args[0]
        if isinstance(first, (tuple, list)) or (not isinstance(first, int) and isinstance(first, Sequence)):
            args = first
    try:
        return tuple(map(operator.index, args))
    except TypeError:
        raise TypeError(f"{what} must be a sequence of ints, but got {list(args)}") from None


def _dims(dims, ndim: int) -> tuple[int, ...]:
    """An int or a sequence of dims, wrapped, refusing repeats."""
    dims = (dims,) if isinstance(dims, int) else tuple(operator.index(d) for d in dims)
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {next(d for d in out if out.count(d) > 1)} appears multiple times in the list of dims")
    return out


def _infer_shape(shape: tuple, numel: int) -> tuple[int, ...]:
    """``shape`` (ints, at most one -1) with the -1 resolved so that it holds ``numel`` elements."""
    if -1 not in shape and math.prod(shape) == numel and (not shape or min(shape) >= 0):
        return shape
    infer, known = -1, 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer >= 0:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
        else:
            known *= s
    if infer >= 0:
        if known == 0:
            if numel == 0:
                raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                                   f"unspecified dimension size -1 can be any value and is ambiguous")
        elif numel % known == 0:
            return shape[:infer] + (numel // known,) + shape[infer + 1:]
    elif known == numel:
        return shape
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


def _mark_views(x, pieces: tuple) -> tuple:
    """Make the tensors ``pieces`` (which share ``x``'s memory) views of ``x``'s base."""
    base = x if x._base is None else x._base
    if base._version_counter is None:
        base._version_counter = _core.VersionCounter()
    for p in pieces:
        p._base = base
        p._version_counter = base._version_counter
    return pieces


# --------------------------------------------------------------------------- views

def _view(input, shape: tuple):
    try:
        return _core.call_view("view", input, (shape,))
    except ValueError:
        raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                           "dimension spans across two contiguous subspaces). Use .reshape(...) instead.") from None


def reshape(input, shape: Sequence[int]):
    """A tensor with ``input``'s data in ``shape``: a view when the strides allow it, else a copy.

    One dimension may be -1 and is inferred.

    Example::

        >>> ember.arange(6).reshape(2, -1)
        tensor([[0, 1, 2],
                [3, 4, 5]])
    """
    return _reshape(input, _ints((shape,)))


def _reshape(input, shape: tuple):
    shape = _infer_shape(shape, input._data.size)
    try:
        return _core.call_view("view", input, (shape,))
    except ValueError:
        return _core.call("reshape", (input,), (shape,))


def permute(input, dims: Sequence[int]):
    """A view of ``input`` with its dimensions reordered: dim ``i`` of the result is ``dims[i]``."""
    dims = _ints((dims,), "dims")
    nd = len(input._data.shape)
    if len(dims) == nd and len(set(dims)) == nd and (not dims or min(dims) >= 0 and max(dims) < nd):
        return _core.call_view("permute", input, (dims,))
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
                           f"to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _core.call_view("permute", input, (dims,))


def transpose(input, dim0: int, dim1: int):
    """A view of ``input`` with dims ``dim0`` and ``dim1`` swapped."""
    nd = len(input._data.shape)
    if not (0 <= dim0 < nd and 0 <= dim1 < nd):
        dim0, dim1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    return _core.call_view("transpose", input, (dim0, dim1))


def swapaxes(input, axis0: int, axis1: int):
    """Alias of :func:`transpose`."""
    return transpose(input, axis0, axis1)


def swapdims(input, dim0: int, dim1: int):
    """Alias of :func:`transpose`."""
    return transpose(input, dim0, dim1)


def t(input):
    """The transpose of a matrix as a view; 0-d and 1-D tensors are returned as views unchanged."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return _core.call_view("t", input, ())


def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """``input`` with dims ``start_dim`` to ``end_dim`` merged into one (a view when possible).

    Example::

        >>> ember.zeros(2, 3, 4).flatten(1).shape
        ember.Size([2, 12])
    """
    shape = input._data.shape
    nd = len(shape)
    start = start_dim if 0 <= start_dim < nd else wrap_dim(start_dim, nd)
    end = end_dim + nd if -nd <= end_dim < 0 else wrap_dim(end_dim, nd)
    if nd == 0:
        return _reshape(input, (1,))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    return _reshape(input, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


def unflatten(input, dim: int, sizes: Sequence[int]):
    """A view of ``input`` with dim ``dim`` split into ``sizes`` (one of which may be -1)."""
    if input.ndim == 0:
        raise RuntimeError(f"unflatten: Dimension specified as {dim} but tensor has no dimensions")
    dim = wrap_dim(dim, input.ndim)
    sizes = _ints((sizes,))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    shape = input._data.shape
    try:
        resolved = _infer_shape(sizes, shape[dim])
    except RuntimeError as e:
        if "invalid for input" not in str(e):
            raise
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} "
                           f"({shape[dim]}) in the input tensor") from None
    return _core.call_view("view", input, (shape[:dim] + resolved + shape[dim + 1:],))


def squeeze(input, dim: int | Sequence[int] | None = None):
    """A view of ``input`` without its size-1 dims (all of them, or those among ``dim``)."""
    shape = input._data.shape
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
    elif dim.__class__ is int and 0 <= dim < len(shape):
        dims = (dim,) if shape[dim] == 1 else ()
    else:
        dims = tuple(d for d in _dims(dim, len(shape)) if len(shape) and shape[d] == 1)
    return _core.call_view("squeeze", input, (dims,))


def unsqueeze(input, dim: int):
    """A view of ``input`` with a new dim of size 1 at position ``dim``."""
    nd = len(input._data.shape) + 1
    return _core.call_view("unsqueeze", input, (dim if 0 <= dim < nd else wrap_dim(dim, nd),))


def _expand(input, sizes: tuple):
    return _core.call_view("expand", input, (expanded_shape(input, sizes),))


def expanded_shape(input, sizes: tuple) -> tuple:
    """``sizes`` with -1 resolved, after checking that ``input`` expands to it (PyTorch's errors)."""
    shape = input._data.shape
    nd, n = len(shape), len(sizes)
    if n < nd:
        raise RuntimeError(f"expand({input.type()}{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({n}) must be greater or equal to the number of dimensions in the tensor "
                           f"({nd})")
    target = list(sizes)
    for i in range(n - 1, -1, -1):   # PyTorch reports the last mismatching dim
        d = i - (n - nd)
        size = shape[d] if d >= 0 else 1
        if target[i] == -1:
            if d < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            target[i] = size
        elif target[i] != size and (size != 1 or target[i] < 0):
            if size == 1:
                raise RuntimeError(f"Trying to create tensor with negative dimension {target[i]}: {list(sizes)}")
            raise RuntimeError(f"The expanded size of the tensor ({target[i]}) must match the existing size "
                               f"({size}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                               f"Tensor sizes: {list(shape)}")
    return tuple(target)


def narrow(input, dim: int, start: int, length: int):
    """A view of ``input`` holding ``length`` entries of dim ``dim`` from ``start`` on."""
    if input.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    start, length = operator.index(start), operator.index(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    dim = wrap_dim(dim, input.ndim)
    n = input._data.shape[dim]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _core.call_view("narrow", input, (dim, start, length))


def _split_sizes(size: int, n: int) -> tuple[int, ...]:
    if n == 0 or size == 0:
        return (n,)
    count = -(-n // size)
    return (size,) * (count - 1) + (n - size * (count - 1),)


def split(tensor, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple:
    """Views of consecutive pieces of ``tensor`` along ``dim``.

    Args:
        split_size_or_sections: an int (every piece has that size, the last may be smaller)
            or a list of piece sizes that sum to ``tensor.size(dim)``.
        dim: the dim to split.

    Example::

        >>> [p.tolist() for p in ember.arange(5).split(2)]
        [[0, 1], [2, 3], [4]]
    """
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    if isinstance(split_size_or_sections, Sequence):
        given, dim = dim, wrap_dim(dim, tensor.ndim)
        n = tensor._data.shape[dim]
        sizes = _ints((split_size_or_sections,))
        if any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, but got "
                               f"split_sizes={list(sizes)}")
        if sum(sizes) != n:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size "
                               f"at dimension {given}), but got split_sizes={list(sizes)}")
    else:
        size = operator.index(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        dim = wrap_dim(dim, tensor.ndim)
        n = tensor._data.shape[dim]
        if size == 0 and n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
        sizes = _split_sizes(size, n)
    return _mark_views(tensor, _core.call("split", (tensor,), (sizes, dim)))


def chunk(input, chunks: int, dim: int = 0) -> tuple:
    """``input`` split into at most ``chunks`` views of equal size along ``dim`` (the last may be smaller)."""
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = wrap_dim(dim, input.ndim)
    n = input._data.shape[dim]
    sizes = (0,) * chunks if n == 0 else _split_sizes(-(-n // chunks), n)
    return _mark_views(input, _core.call("split", (input,), (sizes, dim)))


def unbind(input, dim: int = 0) -> tuple:
    """The slices of ``input`` along ``dim``, as a tuple of views without that dim."""
    dim = wrap_dim(dim, input.ndim)
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return _mark_views(input, _core.call("unbind", (input,), (dim,)))


def movedim(input, source: int | Sequence[int], destination: int | Sequence[int]):
    """A view of ``input`` with dims ``source`` moved to positions ``destination``; the rest keep their order."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
                           f"the same number of dims as destination ({list(dst)} dims)")
    nd = input.ndim
    src = tuple(wrap_dim(d, nd) for d in src)
    dst = tuple(wrap_dim(d, nd) for d in dst)
    for name, dims in (("source", src), ("destination", dst)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    order = [-1] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(nd) if d not in src)
    return permute(input, tuple(o if o >= 0 else next(rest) for o in order))


def moveaxis(input, source: int | Sequence[int], destination: int | Sequence[int]):
    """Alias of :func:`movedim`."""
    return movedim(input, source, destination)


# --------------------------------------------------------------------------- copies

def flip(input, dims: int | Sequence[int]):
    """A copy of ``input`` with the order of entries reversed along ``dims``."""
    dims = _dims(dims, input.ndim)
    return _core.call("flip", (input,), (dims if input.ndim else (),))


def tril(input, diagonal: int = 0, *, out=None):
    """The lower triangle of each matrix in ``input`` (last two dims): entries above the
    ``diagonal``-th diagonal become zero."""
    if input.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    result = _core.call("tril", (input,), (operator.index(diagonal),))
    return result if out is None else out.copy_(result)


def triu(input, diagonal: int = 0, *, out=None):
    """The upper triangle of each matrix in ``input`` (last two dims): entries below the
    ``diagonal``-th diagonal become zero."""
    if input.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    result = _core.call("triu", (input,), (operator.index(diagonal),))
    return result if out is None else out.copy_(result)


def repeat_interleave(input, repeats=None, dim: int | None = None, *, output_size: int | None = None):
    """Repeat each entry of ``input`` ``repeats`` times along ``dim`` (the flattened tensor if None).

    ``repeats`` is an int or a 1-D tensor with one count per entry; ``repeat_interleave(counts)``
    alone repeats ``arange(len(counts))``. ``output_size``, the length of the result along ``dim``
    if given, is checked against the repeats.
    """
    if repeats is None:
        from ember.ops.creation import arange
        counts = input
        return repeat_interleave(arange(counts.numel(), device=counts.device), counts, 0, output_size=output_size)
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = wrap_dim(dim, input.ndim)
    if isinstance(repeats, _core.TensorBase):
        if repeats.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        repeats = repeats.item() if repeats.numel() == 1 else tuple(repeats.tolist())
    size = input.shape[dim] if input.ndim else 1
    if isinstance(repeats, tuple):
        if len(repeats) != size:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {len(repeats)} and input.size({dim}) = {size}")
        if any(r < 0 for r in repeats):
            raise RuntimeError("repeats can not be negative")
    elif repeats < 0:
        raise RuntimeError("repeats can not be negative")
    total = sum(repeats) if isinstance(repeats, tuple) else repeats * size
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: output_size={output_size} does not match the repeats, which add up "
                           f"to {total}")
    return _core.call("repeat_interleave", (input,), (repeats, dim))


def fliplr(input):
    """:func:`flip` along dim 1 (left/right) of a tensor with at least 2 dims."""
    if input.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """:func:`flip` along dim 0 (up/down) of a tensor with at least 1 dim."""
    if input.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


def roll(input, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None):
    """A copy of ``input`` with entries shifted cyclically by ``shifts`` along ``dims``.

    Without ``dims`` the tensor is rolled as if flattened, then given its shape back.
    """
    shifts = (shifts,) if isinstance(shifts, int) else tuple(operator.index(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            if not shifts:
                raise RuntimeError("`shifts` required")
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return _core.call("roll", (input,), (shifts[0], None))
    dims = (dims,) if isinstance(dims, int) else tuple(operator.index(d) for d in dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    dims = tuple(wrap_dim(d, input.ndim) for d in dims)
    if input.ndim == 0:
        shifts, dims = (), ()
    return _core.call("roll", (input,), (shifts, dims))


def _repeat(input, repeats: tuple):
    shape = input._data.shape
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                           "of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + shape
    target = [r * s for r, s in zip(repeats, padded)]
    for r, s in zip(repeats, target):
        if r < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {target}")
    return _core.call("repeat", (input,), (repeats,))


def tile(input, dims: Sequence[int]):
    """``input`` repeated ``dims[i]`` times along each dim; missing leading ``dims`` count as 1."""
    dims = _ints((dims,), "dims")
    return _repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def _tensor_list(tensors, fn: str) -> tuple:
    if isinstance(tensors, _core.TensorBase):
        raise TypeError(f"{fn}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = tuple(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, _core.TensorBase):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def _common_dtype(tensors: tuple) -> tuple:
    """``tensors`` cast to their promoted dtype (only those that differ are cast)."""
    dtype = tensors[0]._dtype
    for t in tensors:
        if t._dtype is not dtype:
            break
    else:
        return tensors
    for t in tensors[1:]:
        dtype = promote_types(dtype, t._dtype)
    return tuple(t if t._dtype is dtype else t.to(dtype) for t in tensors)


def cat(tensors: Sequence, dim: int = 0, *, axis: int | None = None):
    """The tensors joined along an existing dim ``dim``; other dims must match.

    Dtypes are promoted to a common one. 1-D empty tensors (shape ``(0,)``) are skipped, as in
    PyTorch.

    Example::

        >>> ember.cat([ember.zeros(1, 2), ember.ones(2, 2)]).shape
        ember.Size([3, 2])
    """
    if axis is not None:
        dim = axis
    if tensors.__class__ in (list, tuple) and tensors:   # fast path: same dtype, shapes that fit
        try:
            first = tensors[0]
            ref, dt = first._data.shape, first._dtype
            d = dim + len(ref) if -len(ref) <= dim < 0 else dim
            if 0 <= d < len(ref):
                head, tail = ref[:d], ref[d + 1:]
                for t in tensors:
                    shape = t._data.shape
                    if t._dtype is not dt or len(shape) != len(ref) or shape[:d] != head or shape[d + 1:] != tail:
                        break
                else:
                    return _core.call("cat", tuple(tensors), (d,))
        except AttributeError:
            pass   # not all tensors: the checks below say which
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("ember.cat(): expected a non-empty list of Tensors")
    kept = []
    for i, t in enumerate(tensors):
        shape = t._data.shape
        if not shape:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
        if shape != (0,):   # PyTorch skips legacy empty 1-D tensors
            kept.append(i)
    kept = kept or list(range(len(tensors)))
    ref = tensors[kept[0]]._data.shape
    nd = len(ref)
    if not 0 <= dim < nd:
        dim = wrap_dim(dim, nd)
    for i in kept[1:]:
        shape = tensors[i]._data.shape
        if len(shape) != nd or shape[:dim] != ref[:dim] or shape[dim + 1:] != ref[dim + 1:]:
            if len(shape) != nd:
                raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and {len(shape)}")
            d = next(d for d in range(nd) if d != dim and shape[d] != ref[d])
            raise RuntimeError(f"Sizes of tensors must match except in dimension {dim}. Expected size {ref[d]} but "
                               f"got size {shape[d]} for tensor number {i} in the list.")
    joined = _common_dtype(tensors)
    return _core.call("cat", joined if len(kept) == len(tensors) else tuple(joined[i] for i in kept), (dim,))


def concat(tensors: Sequence, dim: int = 0, *, axis: int | None = None):
    """Alias of :func:`cat`."""
    return cat(tensors, dim, axis=axis)


def concatenate(tensors: Sequence, axis: int = 0):
    """Alias of :func:`cat`."""
    return cat(tensors, axis)


def stack(tensors: Sequence, dim: int = 0, *, axis: int | None = None):
    """The tensors, all of one shape, joined along a new dim ``dim``.

    Example::

        >>> ember.stack([ember.zeros(2), ember.ones(2)], dim=1).shape
        ember.Size([2, 2])
    """
    tensors = _tensor_list(tensors, "stack")
    if axis is not None:
        dim = axis
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = tensors[0]._data.shape
    dim = wrap_dim(dim, len(ref) + 1)
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(ref)} at entry 0 and "
                               f"{list(t._data.shape)} at entry {i}")
    return _core.call("stack", _common_dtype(tensors), (dim,))


def _atleast(tensors: tuple, ndim: int):
    single = len(tensors) == 1 and isinstance(tensors[0], _core.TensorBase)
    if len(tensors) == 1 and not single:
        tensors = tuple(tensors[0])
    out = []
    for x in tensors:
        shape = x._data.shape
        if len(shape) >= ndim:
            out.append(x)
        elif len(shape) == 0:
            out.append(_reshape(x, (1,) * ndim))
        elif len(shape) == 1:
            out.append(unsqueeze(x, 0) if ndim == 2 else unsqueeze(unsqueeze(x, 0), 2))
        else:
            out.append(unsqueeze(x, 2))
    return out[0] if single else tuple(out)


def atleast_1d(*tensors):
    """Each tensor viewed with at least 1 dim (0-d becomes shape ``(1,)``)."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    """Each tensor viewed with at least 2 dims (1-D ``(n,)`` becomes ``(1, n)``)."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    """Each tensor viewed with at least 3 dims (``(n,)`` becomes ``(1, n, 1)``, ``(m, n)`` becomes ``(m, n, 1)``)."""
    return _atleast(tensors, 3)


def hstack(tensors: Sequence):
    """The tensors joined column-wise: along dim 0 for 1-D tensors, else dim 1."""
    tensors = atleast_1d(_tensor_list(tensors, "hstack"))
    return cat(tensors, 0 if tensors and tensors[0].ndim == 1 else 1)


def vstack(tensors: Sequence):
    """The tensors joined row-wise (along dim 0) after making them at least 2-D."""
    return cat(atleast_2d(_tensor_list(tensors, "vstack")), 0)


def dstack(tensors: Sequence):
    """The tensors joined depth-wise (along dim 2) after making them at least 3-D."""
    return cat(atleast_3d(_tensor_list(tensors, "dstack")), 2)


def _required(args: tuple, method: str, name: str) -> None:
    if not args:
        raise TypeError(f'{method}() missing 1 required positional arguments: "{name}"')


class ShapeMethods:
    __slots__ = ()

    def view(self, *shape, size=None):
        """A view of this tensor's data with another shape (one size may be -1).

        Raises RuntimeError when the strides cannot express it; use :meth:`reshape` then.
        """
        if size is not None:
            shape = (size,)
        if not shape:
            raise TypeError("view() received an invalid combination of arguments - got (), but expected one of:\n"
                            " * (ember.dtype dtype)\n * (tuple of ints size)")
        if len(shape) == 1 and isinstance(shape[0], _dtype):
            raise NotImplementedError("Tensor.view(dtype) is not supported; use .to(dtype)")
        return _view(self, _infer_shape(_ints(shape), self._data.size))

    def view_as(self, other):
        return _view(self, other._data.shape)

    def reshape(self, *sizes, shape=None):
        if shape is not None:
            sizes = (shape,)
        _required(sizes, "reshape", "shape")
        return _reshape(self, _ints(sizes))

    def reshape_as(self, other):
        return _reshape(self, other._data.shape)

    def permute(self, *args, dims=None):
        dims = args if dims is None else (dims,)
        if not dims and self._data.ndim:   # 0-d tensors may omit dims: Tensor.T relies on it
            _required(dims, "permute", "dims")
        return permute(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)

    def transpose(self, dim0: int, dim1: int):
        return transpose(self, dim0, dim1)

    swapaxes = swapdims = transpose

    def t(self):
        return t(self)

    @property
    def mT(self):
        """The last two dims swapped (a view): the transpose of a batch of matrices."""
        if self.ndim == 1:
            raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
        return transpose(self, -2, -1) if self.ndim else transpose(self, 0, 0)

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        return flatten(self, start_dim, end_dim)

    def unflatten(self, dim: int, sizes):
        return unflatten(self, dim, sizes)

    def squeeze(self, dim=None):
        return squeeze(self, dim)

    def unsqueeze(self, dim: int):
        return unsqueeze(self, dim)

    def expand(self, *sizes, size=None):
        """A view with size-1 dims broadcast to ``sizes`` (-1 keeps a size); new dims are added in front.

        Example::

            >>> ember.tensor([1, 2, 3]).expand(2, -1)
            tensor([[1, 2, 3],
                    [1, 2, 3]])
        """
        if size is not None:
            sizes = (size,)
        _required(sizes, "expand", "size")
        return _expand(self, _ints(sizes))

    def expand_as(self, other):
        return _expand(self, tuple(other.shape))

    def repeat(self, *args, repeats=None):
        """A copy with the data repeated ``repeats[i]`` times along dim i (like ``numpy.tile``)."""
        repeats = args if repeats is None else (repeats,)
        _required(repeats, "repeat", "repeats")
        return _repeat(self, _ints(repeats, "repeats"))

    def tile(self, *args, dims=None):
        dims = args if dims is None else (dims,)
        _required(dims, "tile", "dims")
        return tile(self, _ints(dims, "dims"))

    def flip(self, *args, dims=None):
        dims = args if dims is None else (dims,)
        _required(dims, "flip", "dims")
        return flip(self, _ints(dims, "dims"))

    def fliplr(self):
        return fliplr(self)

    def flipud(self):
        return flipud(self)

    def tril(self, diagonal: int = 0):
        return tril(self, diagonal)

    def triu(self, diagonal: int = 0):
        return triu(self, diagonal)

    def tril_(self, diagonal: int = 0):
        return _core.assign(self, tril(self, diagonal))

    def triu_(self, diagonal: int = 0):
        return _core.assign(self, triu(self, diagonal))

    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        return repeat_interleave(self, repeats, dim, output_size=output_size)

    def roll(self, shifts, dims=None):
        return roll(self, shifts, dims)

    def split(self, split_size, dim: int = 0):
        return split(self, split_size, dim)

    def chunk(self, chunks: int, dim: int = 0):
        return chunk(self, chunks, dim)

    def unbind(self, dim: int = 0):
        return unbind(self, dim)

    def narrow(self, dim: int, start: int, length: int):
        return narrow(self, dim, start, length)

    def movedim(self, source, destination):
        return movedim(self, source, destination)

    moveaxis = movedim
