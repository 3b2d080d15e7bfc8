"""CPU kernels for views and copies that change a tensor's shape or layout.

View kernels return NumPy views whose strides are the ones PyTorch gives the same view
(NumPy and PyTorch differ only on the strides of size-1 and empty dimensions, which users
see through ``stride()``). Copy kernels return C-contiguous arrays, except where PyTorch
keeps a layout: ``flip`` keeps its input's memory order, and ``cat``/``roll`` of
channels-last 4-D tensors stay channels-last.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided


def view_strides(shape, strides, new_shape, unit: int = 1):
    """The strides of ``new_shape`` viewed over ``shape``/``strides``, or None if no view exists.

    A port of ATen's ``computeStride``: dims that are contiguous with each other form
    chunks, and a view exists when every chunk maps onto whole dims of ``new_shape``.
    Strides are in any unit; ``unit`` is one element in it.
    """
    if not shape:
        return (unit,) * len(new_shape)
    numel = 1
    for s in shape:
        numel *= s
    if numel == 0:
        if tuple(shape) == tuple(new_shape):
            return tuple(strides)
        out = [unit] * len(new_shape)
        for d in range(len(new_shape) - 2, -1, -1):
            out[d] = max(new_shape[d + 1], 1) * out[d + 1]
        return tuple(out)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base = strides[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(shape) - 1, -1, -1):
        tensor_numel *= shape[tensor_d]
        if tensor_d == 0 or (shape[tensor_d - 1] != 1 and strides[tensor_d - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base = strides[tensor_d - 1]
                tensor_numel = view_numel = 1
    return tuple(new_strides) if view_d == -1 else None


def _strided(x: np.ndarray, shape: tuple, strides: tuple, writeable: bool = True) -> np.ndarray:
    """A view of ``x``'s memory from its first element with ``shape`` and ``strides`` (bytes)."""
    if x.flags.c_contiguous:   # ten times cheaper than as_strided
        out = np.ndarray(shape, x.dtype, x, 0, strides)
        if not writeable:
            out.flags.writeable = False
        return out
    return as_strided(x, shape, strides, writeable=writeable and x.flags.writeable)


def _restride(view: np.ndarray, strides: tuple) -> np.ndarray:
    """``view`` with ``strides`` (bytes) if they differ; same memory, same writeability."""
    if view.strides == strides:
        return view
    return _strided(view, view.shape, strides, view.flags.writeable)


def view(x: np.ndarray, shape: tuple) -> np.ndarray:
    """A view of ``x`` with ``shape``; ValueError when the strides do not allow one."""
    out = x.reshape(shape) if x.flags.c_contiguous else x.reshape(shape, copy=False)
    if 1 in shape or not out.size:   # the only places where NumPy's strides differ
        out = _restride(out, view_strides(x.shape, x.strides, shape, x.itemsize))
    return out


def reshape(x: np.ndarray, shape: tuple) -> np.ndarray:
    """A C-contiguous copy of ``x`` with ``shape`` (used when no view exists)."""
    return x.copy().reshape(shape)


def unsqueeze(x: np.ndarray, dim: int) -> np.ndarray:
    shape = x.shape
    new_shape = shape[:dim] + (1,) + shape[dim:]
    out = x.reshape(new_shape) if x.flags.c_contiguous else x.reshape(new_shape, copy=False)
    stride = x.strides[dim] * shape[dim] if dim < len(shape) else x.itemsize
    return _restride(out, x.strides[:dim] + (stride,) + x.strides[dim:])


def expand(x: np.ndarray, shape: tuple) -> np.ndarray:
    """``x`` broadcast to ``shape`` (sizes already resolved); strides as PyTorch's expand."""
    strides = [0] * len(shape)
    lead = len(shape) - x.ndim
    overlap = False
    for i in range(len(shape) - 1, -1, -1):
        d = i - lead
        if d >= 0:
            size, stride = x.shape[d], x.strides[d]
        else:   # a new leading dim; PyTorch gives every dim of an expanded 0-d tensor stride 0
            size, stride = 1, (shape[i + 1] * strides[i + 1] if x.ndim else 0)
        if size != shape[i]:
            stride = 0
            overlap = overlap or shape[i] > 1
        strides[i] = stride
    return _strided(x, shape, tuple(strides), x.flags.writeable and not overlap)


def transpose(x: np.ndarray, dim0: int, dim1: int) -> np.ndarray:
    return x.swapaxes(dim0, dim1) if x.ndim else x.view()


def narrow(x: np.ndarray, dim: int, start: int, length: int) -> np.ndarray:
    return x[(slice(None),) * dim + (slice(start, start + length),)]


def split(x: np.ndarray, sizes: tuple, dim: int) -> tuple:
    """Views of consecutive pieces of ``x`` along ``dim`` with the given ``sizes``."""
    lead = (slice(None),) * dim
    pieces, start = [], 0
    for size in sizes:
        pieces.append(x[lead + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def unbind(x: np.ndarray, dim: int) -> tuple:
    lead = (slice(None),) * dim
    return tuple(x[lead + (i,)] for i in range(x.shape[dim]))


def _channels_last(x: np.ndarray) -> bool:
    """Whether a 4-D array's strides say NHWC in NCHW clothing (ATen's ``is_channels_last_strides_2d``)."""
    if x.ndim != 4 or x.strides[1] == 0:
        return False
    smallest = 0
    for d in (1, 3, 2, 0):
        if x.shape[d] == 0 or x.strides[d] < smallest or (d == 0 and smallest == x.strides[1]):
            return False
        smallest = x.strides[d] * (x.shape[d] if x.shape[d] > 1 else 1)
    return True


def _empty(shape, dtype, channels_last: bool = False) -> np.ndarray:
    """A new array, C-contiguous or (4-D) channels-last, as PyTorch allocates for copies."""
    if channels_last:
        n, c, h, w = shape
        return np.empty((n, h, w, c), dtype).transpose(0, 3, 1, 2)
    return np.empty(shape, dtype)


def cat(*arrays_and_dim):
    *arrays, dim = arrays_and_dim
    if arrays[0].ndim == 4 and all(_channels_last(a) for a in arrays):
        shape = list(arrays[0].shape)
        shape[dim] = sum(a.shape[dim] for a in arrays)
        return np.concatenate(arrays, axis=dim, out=_empty(shape, arrays[0].dtype, True))
    out = np.concatenate(arrays, axis=dim)
    # NumPy follows its inputs' memory order; PyTorch allocates C-contiguous
    return out if out.flags.c_contiguous else np.ascontiguousarray(out)


def stack(*arrays_and_dim):
    *arrays, dim = arrays_and_dim
    key = (slice(None),) * dim + (None,)
    out = np.concatenate([a[key] for a in arrays], axis=dim)
    return out if out.flags.c_contiguous else np.ascontiguousarray(out)


def repeat(x: np.ndarray, repeats: tuple) -> np.ndarray:
    """``x`` tiled ``repeats[i]`` times along dim i (``len(repeats) >= x.ndim``), C-contiguous."""
    sizes = (1,) * (len(repeats) - x.ndim) + x.shape
    out = np.empty(tuple(r * s for r, s in zip(repeats, sizes)), x.dtype)
    # Write through a view of shape (r0, s0, r1, s1, ...) so one broadcast copy fills it.
    interleaved = tuple(n for pair in zip(repeats, sizes) for n in pair)
    source = tuple(n for s in sizes for n in (1, s))
    out.reshape(interleaved)[...] = x.reshape(source)
    return out


def flip(x: np.ndarray, dims: tuple) -> np.ndarray:
    out = np.empty_like(x)   # keeps x's memory order, as PyTorch's flip does
    out[...] = x[tuple(slice(None, None, -1) if d in dims else slice(None) for d in range(x.ndim))]
    return out


def roll(x: np.ndarray, shifts, dims) -> np.ndarray:
    """``x`` rolled by ``shifts`` along ``dims`` (None: as if flattened).

    Like PyTorch, a roll along one dim is the concatenation of two narrowed pieces, so the
    result's memory format follows ``cat``'s rule (channels-last in, channels-last out).
    """
    if x.size == 0 or not dims and dims is not None:
        return x.copy()
    if dims is None:
        flat = x.reshape(-1)
        start = -shifts % flat.size
        return np.concatenate((flat[start:], flat[:start])).reshape(x.shape)
    out = x
    for shift, dim in zip(shifts, dims):
        n = out.shape[dim]
        start = (n - shift) % n
        out = cat(narrow(out, dim, start, n - start), narrow(out, dim, 0, start), dim)
    return out


KERNELS = {
    "view": view,
    "reshape": reshape,
    "permute": np.ndarray.transpose,
    "transpose": transpose,
    "t": np.ndarray.transpose,
    "squeeze": np.ndarray.squeeze,
    "unsqueeze": unsqueeze,
    "expand": expand,
    "narrow": narrow,
    "split": split,
    "unbind": unbind,
    "cat": cat,
    "stack": stack,
    "repeat": repeat,
    "flip": flip,
    "tril": lambda x, k: np.tril(x, k),
    "triu": lambda x, k: np.triu(x, k),
    "repeat_interleave": lambda x, repeats, dim: np.repeat(x if x.ndim else x.reshape(1), repeats, axis=dim),
    "roll": roll,
}
