"""PyTorch's legacy typed constructors: ``ember.FloatTensor(2, 3)``, ``isinstance(t, ember.LongTensor)``.

Each is a *tensor type*: calling it makes a CPU tensor of its dtype (from sizes, from data,
or empty), and ``isinstance`` is true for CPU tensors of that dtype, as in PyTorch. They are
not subclasses of ``ember.Tensor``: tensors of every dtype are ``ember.Tensor``. Prefer
``ember.tensor``, ``ember.empty`` and ``dtype=`` in new code.
"""

from __future__ import annotations

import numpy as np

from ember import _core, dtypes

__all__ = ["tensortype", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ShortTensor", "CharTensor", "ByteTensor", "BoolTensor", "by_name"]


class tensortype(type):  # noqa: N801 - PyTorch's name
    """The type of ``ember.FloatTensor`` and the other legacy constructors."""

    dtype: dtypes.dtype

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, _core.TensorBase) and obj.dtype is cls.dtype and obj.device.type == "cpu" \
            and not obj.is_sparse

    def __call__(cls, *args, device=None):
        """``FloatTensor()``, ``FloatTensor(2, 3)``, ``FloatTensor(ember.Size([2, 3]))`` (uninitialised),
        ``FloatTensor([1, 2])`` (a copy of the data) or ``FloatTensor(float_tensor)`` (an alias)."""
        from ember.ops.creation import empty, parse_size, tensor
        if device is not None and _core.device(device).type != "cpu":
            raise RuntimeError(f"legacy constructor expects device type: cpu but device type: "
                               f"{_core.device(device).type} was passed")
        if not args:
            return empty(0, dtype=cls.dtype)
        if len(args) == 1 and isinstance(args[0], _core.TensorBase):
            t = args[0]
            if t.dtype is not cls.dtype or t.device.type != "cpu":
                raise TypeError(f"expected an ember.{cls.dtype.name} tensor on the CPU for {cls.__name__}(), "
                                f"got ember.{t.dtype.name} on {t.device}; use t.to({cls.dtype!r})")
            return t.detach()
        sizes = all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args)
        if sizes or (len(args) == 1 and isinstance(args[0], tuple) and type(args[0]).__name__ == "Size"):
            return empty(parse_size(args), dtype=cls.dtype)
        if len(args) != 1:
            raise TypeError(f"{cls.__name__}() takes sizes (ints) or one sequence of data, got {args!r}")
        return tensor(args[0], dtype=cls.dtype)

    def __repr__(cls) -> str:
        return f"<class 'ember.{cls.__name__}'>"

    @property
    def is_cuda(cls) -> bool:
        return False

    @property
    def is_sparse(cls) -> bool:
        return False


def _make(name: str, dtype: dtypes.dtype) -> tensortype:
    return tensortype(name, (), {"dtype": dtype, "__module__": "ember", "__doc__":
                                 f"Legacy constructor of CPU tensors of dtype ember.{dtype.name}."})


FloatTensor = _make("FloatTensor", dtypes.float32)
DoubleTensor = _make("DoubleTensor", dtypes.float64)
HalfTensor = _make("HalfTensor", dtypes.float16)
LongTensor = _make("LongTensor", dtypes.int64)
IntTensor = _make("IntTensor", dtypes.int32)
ShortTensor = _make("ShortTensor", dtypes.int16)
CharTensor = _make("CharTensor", dtypes.int8)
ByteTensor = _make("ByteTensor", dtypes.uint8)
BoolTensor = _make("BoolTensor", dtypes.bool)

_BY_NAME = {t.__name__: t for t in (FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor,
                                    CharTensor, ByteTensor, BoolTensor)}


def by_name(name: str) -> tensortype | None:
    """The tensor type called ``name`` (``"FloatTensor"``), or None."""
    return _BY_NAME.get(name)
