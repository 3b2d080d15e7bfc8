"""Data types and PyTorch's type-promotion rules.

An ``ember.dtype`` names an element type and knows its NumPy equivalent, which every
backend uses to describe its native arrays.
"""

from __future__ import annotations

import builtins

import numpy as np

from ember import _core

__all__ = [
    "dtype", "float16", "half", "float32", "float", "float64", "double", "int8", "int16",
    "short", "int32", "int", "int64", "long", "uint8", "bool",
    "promote_types", "result_type", "can_cast", "get_default_dtype", "set_default_dtype",
]


class dtype:
    """An element type (``ember.float32``, ``ember.int64``, ...)."""

    __slots__ = ("name", "numpy", "itemsize", "is_floating_point", "is_signed", "_category", "_rank")

    def __init__(self, name: str, np_dtype: str, category: int, rank: int) -> None:
        fields = {"name": name, "numpy": np.dtype(np_dtype), "is_floating_point": category == 2,
                  "is_signed": name not in ("uint8", "bool"),
                  "_category": category,  # 0 bool, 1 integer, 2 floating point
                  "_rank": rank}
        fields["itemsize"] = fields["numpy"].itemsize
        for field, value in fields.items():
            object.__setattr__(self, field, value)

    # dtypes are singletons shared by every tensor: immutable, like torch.dtype
    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"ember.dtype is immutable: cannot set '{name}' of {self!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"ember.dtype is immutable: cannot delete '{name}' of {self!r}")

    @property
    def is_complex(self) -> bool:
        return False

    def to_real(self) -> dtype:
        return self

    def __repr__(self) -> str:
        return f"ember.{self.name}"

    def __reduce__(self):
        return (_by_name, (self.name,))


bool = dtype("bool", "bool", 0, 0)  # noqa: A001 - PyTorch's name
uint8 = dtype("uint8", "uint8", 1, 1)
int8 = dtype("int8", "int8", 1, 2)
int16 = dtype("int16", "int16", 1, 3)
int32 = dtype("int32", "int32", 1, 4)
int64 = dtype("int64", "int64", 1, 5)
float16 = dtype("float16", "float16", 2, 6)
float32 = dtype("float32", "float32", 2, 7)
float64 = dtype("float64", "float64", 2, 8)

half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001

ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64)
_NAMES = {d.name: d for d in ALL}
_BY_NUMPY = {d.numpy: d for d in ALL}


def _by_name(name: str) -> dtype:
    return _NAMES[name]


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype for a NumPy dtype; TypeError for one ember has no equivalent of."""
    try:
        return _BY_NUMPY[np.dtype(np_dtype)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types "
            "are: float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def _promote(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    if a._category == 1 and {a, b} == {uint8, int8}:
        return int16
    if a._category == 1 and uint8 in (a, b):
        return a if b is uint8 else b
    return a if a._rank > b._rank else b


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype to which both ``type1`` and ``type2`` can be cast."""
    return _promote(type1, type2)


# Python scalars are weakly typed: they lift the category but never the width.
def _scalar_dtype(value) -> dtype:
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    return get_default_dtype()


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return _promote(higher, lower)
    return higher


def result_type(*operands) -> dtype:
    """The dtype an arithmetic op on ``operands`` (tensors and Python scalars) returns.

    Tensors with dimensions outrank 0-d tensors, which outrank Python scalars, unless a
    lower-ranked operand is of a higher category (bool < integer < floating point).
    """
    dims = zero = scalar = None
    for op in operands:
        if isinstance(op, _core.TensorBase):
            if op._data.ndim:
                dims = op._dtype if dims is None else _promote(dims, op._dtype)
            else:
                zero = op._dtype if zero is None else _promote(zero, op._dtype)
        else:
            s = _scalar_dtype(op)
            scalar = s if scalar is None else _promote(scalar, s)
    return _combine(dims, _combine(zero, scalar))


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
    """Whether PyTorch's casting rules allow ``from_`` to become ``to`` in an in-place op."""
    return from_._category <= to._category


def get_default_dtype() -> dtype:
    """The floating-point dtype that ``ember.tensor([1.5])`` and ``ember.zeros`` use."""
    return _core.get_default_dtype()


def set_default_dtype(d: dtype) -> None:
    """Set the default floating-point dtype (``ember.float32`` or ``ember.float64``)."""
    if not isinstance(d, dtype) or not d.is_floating_point:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _core.set_default_dtype(d)
