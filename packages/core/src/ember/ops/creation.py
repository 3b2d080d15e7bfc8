"""Functions that make new tensors: ``tensor``, ``zeros``, ``arange``, ``*_like``, ..."""

from __future__ import annotations

import builtins
import math
import sys
from collections.abc import Sequence

import numpy as np

from ember import _core, dtypes
from ember.backends.registry import registry
from ember.layout import check_storage
from ember.ops import conversion

__all__ = [
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "eye", "arange",
    "linspace", "zeros_like", "ones_like", "full_like", "empty_like", "scalar_tensor", "from_dlpack",
]


def place(array: np.ndarray, device=None, requires_grad: bool = False):
    """A tensor on ``device`` holding the NumPy ``array`` (shared when the device is the CPU)."""
    dev = registry.canonical(device)
    data = array if dev._backend.type == "cpu" else dev._backend.from_numpy(array, dev.index)
    t = _core.create(data, dev)
    if requires_grad:
        t.requires_grad = True
    return t


_MAX_NUMEL = sys.maxsize // 8   # elements of 8 bytes that one buffer can address


def parse_size(size: tuple) -> tuple[int, ...]:
    """``zeros(2, 3)``, ``zeros((2, 3))`` and ``zeros([2, 3])`` all mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (Sequence, np.ndarray)) and not isinstance(size[0], str):
        size = tuple(size[0])
    try:
        shape = tuple(builtins.int(s) if not isinstance(s, _core.TensorBase) else builtins.int(s.item())
                      for s in size)
    except (TypeError, ValueError):
        raise TypeError(f"size must be a sequence of ints, but got {size}") from None
    for s in shape:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    numel = math.prod(shape)
    if numel > _MAX_NUMEL:
        raise RuntimeError(f"a tensor of sizes {list(shape)} would hold {numel} elements, more than memory can "
                           f"address")
    return shape


def _np_dtype(dtype, default=None):
    if dtype is None:
        dtype = default or dtypes.get_default_dtype()
    if not isinstance(dtype, dtypes.dtype):
        raise TypeError(f"dtype must be an ember.dtype, but got {type(dtype).__name__}")
    return dtype.numpy


def _infer(data, dtype=None) -> np.ndarray:
    """NumPy array for nested Python data, with PyTorch's dtype inference (or in ``dtype``)."""
    if isinstance(data, _core.TensorBase):
        return data.detach().cpu().numpy().copy()
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, (list, tuple)):
        data = _scalars(data)
    if isinstance(data, (np.generic,)):
        return np.asarray(data)
    try:
        arr = np.array(data)
    except ValueError as e:
        raise ValueError(f"expected sequence of equal-length elements: {e}") from None
    if arr.dtype == np.uint64 or arr.dtype == object or (arr.dtype.kind == "f" and arr.size
                                                           and _largest(arr) >= _INT64_END):
        # NumPy reads ints beyond int64 as uint64, objects, or float64 ([2**63, -1]; below -2**63 is an object)
        arr = _wide_ints(data, arr, dtype)
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError(f"Could not infer dtype of {type(_first_leaf(data)).__name__}")
    if dtype is not None and arr.dtype.kind == "f" and dtype in _UNSIGNED and isinstance(data, list):
        arr = _wrap_negative_ints(data, arr, dtype)
    if dtype is not None and arr.dtype.kind != "c":
        conversion.check_values_fit(arr, dtype)   # NumPy's cast would wrap 300 to int8 silently
        with np.errstate(over="ignore"):   # 1e40 as float32 is inf, as in PyTorch
            return arr.astype(dtype.numpy, copy=False)  # Python floats go straight to the requested precision
    if arr.dtype.kind == "f" or (arr.size == 0 and arr.dtype == np.float64):
        return arr.astype(dtypes.get_default_dtype().numpy, copy=False)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    if arr.dtype.kind == "c":
        raise TypeError("ember does not support complex tensors")
    return arr


_INT64_END = 2 ** 63
_UNSIGNED = {dtypes.uint8}


def _wrap_negative_ints(data, arr: np.ndarray, dtype) -> np.ndarray:
    """Floats mixed with negative integers for an unsigned dtype: as in PyTorch, the integers wrap
    around (``tensor([2.5, -128], dtype=uint8)`` is [2, 128]) while negative floats overflow."""
    leaves = list(_leaves(data))
    if not any(isinstance(x, (int, np.integer)) and not isinstance(x, bool) and x < 0 for x in leaves):
        return arr
    span = 2 ** (8 * dtype.itemsize)

    def wrap(x):
        if isinstance(x, list):
            return [wrap(v) for v in x]
        return x % span if isinstance(x, (int, np.integer)) and not isinstance(x, bool) and x < 0 else x
    return np.array(wrap(data))


def _leaves(data):
    if isinstance(data, (list, tuple)):
        for x in data:
            yield from _leaves(x)
    else:
        yield data


def _largest(arr: np.ndarray) -> float:
    """The largest value (a NumPy reduction costs more than the list of a few values)."""
    return max(arr.ravel().tolist()) if arr.size <= 32 else arr.max()


def _wide_ints(data, arr: np.ndarray, dtype) -> np.ndarray:
    """``data`` holding integers beyond int64 as PyTorch reads it: numbers when a floating dtype is
    asked for, or no dtype and a float is among them (``tensor([2**63, 1.5])``); truth values for
    bool; else an overflow error (after any value before it that overflows the integer dtype)."""
    leaves = list(_leaves(data))
    at = next((i for i, x in enumerate(leaves) if isinstance(x, (int, np.integer)) and not isinstance(x, bool)
               and not -_INT64_END <= x < _INT64_END), None)
    if at is None:
        return arr
    big = leaves[at]
    if dtype is dtypes.bool:   # any number is a truth value
        return np.array(data, dtype=object).astype(np.bool_)
    if dtype is not None and not dtype.is_floating_point and at:
        # PyTorch converts the values in order: one before the big integer may overflow the dtype first
        conversion.check_values_fit(np.array(leaves[:at]), dtype)
    if dtype.is_floating_point if dtype is not None else any(isinstance(x, (float, np.floating)) for x in leaves):
        try:
            return np.array(data, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return arr
    raise ValueError(f"Overflow when converting the integer {big} to a tensor: integers must fit in int64 "
                     f"(-2**63 to 2**63 - 1); pass dtype=ember.float64 to store larger values as floats")


def _scalars(data):
    """Nested data with 0-d tensors replaced by their Python values."""
    if isinstance(data, _core.TensorBase):
        return data.item()
    if isinstance(data, (list, tuple)):
        return [_scalars(x) for x in data]
    return data


def _first_leaf(data):
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False):
    """A new tensor holding a copy of ``data`` (a scalar, nested list, array or tensor).

    Example::

        >>> ember.tensor([[1, 2], [3, 4.5]])
        tensor([[1.0000, 2.0000],
                [3.0000, 4.5000]])
    """
    check_storage("tensor", pin_memory=pin_memory)
    arr = _infer(data, dtype)
    if dtype is not None:
        arr = arr.astype(_np_dtype(dtype), copy=False)
    elif arr.dtype not in dtypes._BY_NUMPY:
        dtypes.from_numpy_dtype(arr.dtype)
    arr = np.array(arr, copy=True, order="C")
    return place(arr, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor``, but shares memory with ``data`` when it is already an array or tensor
    of the requested dtype and device."""
    if isinstance(data, _core.TensorBase):
        return data.to(device=device if device is not None else data.device, dtype=dtype or data.dtype)
    if isinstance(data, np.ndarray) and (dtype is None or dtype.numpy == data.dtype):
        dtypes.from_numpy_dtype(data.dtype)
        return place(data, device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray: np.ndarray):
    """A CPU tensor sharing memory with ``ndarray``: writes to one show in the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dtypes.from_numpy_dtype(ndarray.dtype)
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return place(ndarray, None)


def from_dlpack(ext_tensor):
    """A tensor sharing memory with any object that implements ``__dlpack__`` (NumPy, ...)."""
    return from_numpy(np.from_dlpack(ext_tensor))


def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False):
    return full((), s, dtype=dtype or dtypes.get_default_dtype(), device=device, requires_grad=requires_grad)


def _filled(shape, value, dtype, device, requires_grad, default=None):
    arr = np.full(shape, value, dtype=_np_dtype(dtype, default))
    return place(arr, device, requires_grad)


def size_argument(args: tuple, size, fn: str) -> tuple[int, ...]:
    """The shape of ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``."""
    if size is None:
        return parse_size(args)
    if args:
        raise TypeError(f"{fn}() got multiple values for argument 'size'")
    if not isinstance(size, (Sequence, np.ndarray)) or isinstance(size, str):
        raise TypeError(f"{fn}(): argument 'size' must be tuple of ints, not {type(size).__name__}")
    return parse_size((size,))


def zeros(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """A tensor of zeros of shape ``size`` (ints, one sequence of ints, or ``size=``)."""
    check_storage("zeros", layout)
    return _result(_filled(size_argument(args, size, "zeros"), 0, dtype, device, requires_grad), out)


def ones(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """A tensor of ones of shape ``size``."""
    check_storage("ones", layout)
    return _result(_filled(size_argument(args, size, "ones"), 1, dtype, device, requires_grad), out)


def empty(*args, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None):
    """An uninitialised tensor of shape ``size``."""
    check_storage("empty", layout, pin_memory, memory_format)
    arr = np.empty(size_argument(args, size, "empty"), dtype=_np_dtype(dtype))
    return _result(place(arr, device, requires_grad), out)


def _check_64_bits(value, fn: str) -> None:
    """PyTorch reads an integer number argument as 64 bits (signed, or unsigned above 2**63 - 1)."""
    if isinstance(value, (builtins.int, np.integer)) and not isinstance(value, builtins.bool) and not (
            -(2**63) <= value < 2**64):
        raise OverflowError(f"{fn}(): the integer {value} does not fit in 64 bits (-2**63 to 2**64 - 1)")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """A tensor of shape ``size`` filled with ``fill_value``; the dtype follows the value."""
    check_storage("full", layout)
    _check_64_bits(fill_value, "full")
    if dtype is None:
        dtype = dtypes._scalar_dtype(fill_value.item() if isinstance(fill_value, _core.TensorBase) else fill_value)
    if isinstance(dtype, dtypes.dtype):
        fill_value = conversion.fill_value(fill_value, dtype, "full")   # PyTorch refuses values that overflow
    elif isinstance(fill_value, _core.TensorBase):
        fill_value = fill_value.item()
    return _result(_filled(parse_size((size,)), fill_value, dtype, device, requires_grad), out)


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False):
    """A 2-D tensor with ones on the diagonal and zeros elsewhere."""
    check_storage("eye", layout)
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"n must be greater or equal to 0, got {n if n < 0 else m}")
    parse_size((n, n if m is None else m))   # refuses sizes that memory cannot address
    arr = np.eye(n, n if m is None else m, dtype=_np_dtype(dtype))
    return _result(place(arr, device, requires_grad), out)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False):
    """Values from ``start`` to ``end`` (exclusive) spaced by ``step``.

    The dtype is int64 when all of start, end and step are integers, else the default dtype.
    """
    check_storage("arange", layout)
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, _core.TensorBase) else v for v in (start, end, step)]
    for v in vals:
        if not isinstance(v, (builtins.int, builtins.float, np.integer, np.floating)):
            raise TypeError(f"arange(): start, end and step must be numbers, got {type(v).__name__}")
    start, end, step = vals
    for v in vals:
        _check_64_bits(v, "arange")
    if dtype is None:
        ints = all(isinstance(v, (builtins.int, np.integer)) for v in vals)
        dtype = dtypes.int64 if ints else dtypes.get_default_dtype()
    if dtype is dtypes.bool:
        raise NotImplementedError("arange(): dtype=ember.bool is not supported; make an integer range and compare "
                                  "it, or use ember.ones/zeros(dtype=ember.bool)")
    if dtype is dtypes.float16:
        for v in vals:   # PyTorch computes float16 ranges in float32: a float beyond it is refused
            conversion.fill_value(builtins.float(v), dtypes.float32)
    if not dtype.is_floating_point:
        for v in vals:   # PyTorch computes integer ranges in int64: Inf, NaN and values beyond it are refused
            conversion.fill_value(v if isinstance(v, (builtins.float, np.floating)) else builtins.int(v),
                                  dtypes.int64)
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {start} -> {end} (start and end must be finite)")
    if math.isnan(step) or step == 0:
        raise RuntimeError(f"step must be a nonzero number, got {step}")
    if (end - start) * step < 0 and end != start:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign: {start} -> {end} with step "
                           f"{step}")
    if not dtype.is_floating_point:
        if dtype is dtypes.int64 and builtins.int(step) == 0:   # the narrower dtypes repeat start instead
            raise ValueError(f"arange(): step {step} is 0 once truncated to the integer dtype {dtype}")
        real_bounds = (start, end, step)
        start, end, step = (builtins.int(v) for v in vals)   # the range is made of the truncated values
    n = _arange_count(start, end, step) if dtype.is_floating_point else _int_arange_count(dtype, real_bounds,
                                                                                          start, end, step)
    if n > _MAX_NUMEL:
        raise RuntimeError(f"arange(): the range {start} -> {end} with step {step} holds {n} values, more than "
                           f"memory can address")
    arr = (start + step * np.arange(n, dtype=np.float64 if dtype.is_floating_point else np.int64))
    return _result(place(arr.astype(dtype.numpy), device, requires_grad), out)


def _arange_count(start, end, step) -> int:
    count = (end - start) / step    # an infinite step leaves a range of no values, as in PyTorch
    if not math.isfinite(count):
        raise RuntimeError(f"arange(): the range {start} -> {end} with step {step} holds more values than a size can "
                           f"count")
    return builtins.max(0, math.ceil(count))


def _int_arange_count(dtype, real_bounds, start: int, end: int, step: int) -> int:
    """The length of an integer range as PyTorch computes it: for int64 from the truncated bounds in
    int64 arithmetic, which wraps around (``arange(128, 32768, 2**63 - 1)`` is empty); for the other
    integer dtypes from the bounds as given, in floating point (the values then step by the truncated
    step, so ``arange(0, 2, 0.5, dtype=int16)`` is four zeros)."""
    if dtype is not dtypes.int64:
        return _arange_count(*(builtins.float(v) for v in real_bounds))
    span = (end - start + step - (1 if step > 0 else -1) + 2**63) % 2**64 - 2**63
    n = abs(span) // abs(step)   # division truncating toward zero, as in C
    if n and (span > 0) != (step > 0):
        raise RuntimeError(f"arange(): the range {start} -> {end} with step {step} overflows int64 while its size is "
                           f"computed")
    return n


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False):
    """``steps`` values evenly spaced from ``start`` to ``end`` inclusive."""
    check_storage("linspace", layout)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dtype = dtype or dtypes.get_default_dtype()
    start, end = (v.item() if isinstance(v, _core.TensorBase) else v for v in (start, end))
    if isinstance(dtype, dtypes.dtype) and not dtype.is_floating_point:   # PyTorch refuses bounds that overflow
        conversion.fill_value(start, dtype, "linspace")
        conversion.fill_value(end, dtype, "linspace")
    arr = np.linspace(start, end, steps, dtype=np.float64)
    if not dtype.is_floating_point:
        arr = np.trunc(arr)
    return _result(place(arr.astype(dtype.numpy), device, requires_grad), out)


def _like(input, dtype, device):
    return (input.shape, dtype or input.dtype, device if device is not None else input.device)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """Zeros with the shape (and by default dtype and device) of ``input``."""
    check_storage("zeros_like", layout, memory_format=memory_format)
    shape, dt, dev = _like(input, dtype, device)
    return zeros(shape, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """Ones with the shape (and by default dtype and device) of ``input``."""
    check_storage("ones_like", layout, memory_format=memory_format)
    shape, dt, dev = _like(input, dtype, device)
    return ones(shape, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialised tensor with the shape of ``input``."""
    check_storage("empty_like", layout, memory_format=memory_format)
    shape, dt, dev = _like(input, dtype, device)
    return empty(shape, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """``fill_value`` everywhere, with the shape of ``input``."""
    check_storage("full_like", layout, memory_format=memory_format)
    shape, dt, dev = _like(input, dtype, device)
    return full(shape, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def _result(t, out):
    """Write a freshly made tensor into ``out=`` (resized like PyTorch does) or return it."""
    if out is None:
        return t
    out._data = t._data if out.dtype is t.dtype else t._data.astype(out.dtype.numpy)
    out._bump_version()
    return out
