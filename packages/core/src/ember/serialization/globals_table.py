"""What the globals a checkpoint names stand for in ember.

A pickle names classes and functions by dotted path (``torch._utils._rebuild_tensor_v2``,
``torch.float32``, ``collections.OrderedDict``). ``builtin_globals`` maps the names every
checkpoint may use to ember's objects; the weights-only unpickler allows these and what the user
allowed, and the full unpickler (``weights_only=False``) adds every importable name.
"""

from __future__ import annotations

import codecs
from collections import Counter, OrderedDict

from ember import _core, dtypes
from ember.serialization import dtype_names
from ember.serialization.errors import CheckpointError
from ember.serialization.rebuild import Rebuilder, parameter_class


class StorageType:
    """What a file's storage class (``torch.FloatStorage``, ``torch.UntypedStorage``) stands for."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype) -> None:
        self.name, self.dtype = name, dtype  # dtype None: untyped bytes

    def __repr__(self) -> str:
        return f"<storage class {self.name}>"


_STORAGE_TYPES = {cls: StorageType(cls, d) for cls, d in dtype_names.DTYPE_OF_STORAGE.items()}
_UNTYPED = StorageType("UntypedStorage", None)


def _device(type, index=None):
    return _core.device(type, index)


def _encode(obj, encoding="utf-8"):
    """``_codecs.encode`` as pickle protocol 2 uses it for bytes: a str to bytes, no other codec."""
    if type(obj) is not str or encoding not in ("latin1", "latin-1", "utf-8", "utf8", "ascii"):
        raise CheckpointError(f"_codecs.encode is allowed only to turn a str into bytes, not for {encoding!r}")
    return codecs.encode(obj, encoding)


def _bytearray(source=b"", encoding=None):
    """``bytearray`` from the bytes or (str, 'latin-1') a pickle gives it, never from a length."""
    if type(source) is str and encoding in ("latin1", "latin-1"):
        return bytearray(source, encoding)
    if type(source) in (bytes, bytearray) and encoding is None:
        return bytearray(source)
    raise CheckpointError("bytearray is allowed only from bytes")


def _get_layout(name):
    """``torch.serialization._get_layout``: a layout by PyTorch's name (``'torch.sparse_coo'``)."""
    from ember.layout import sparse_coo, strided
    known = {"torch.strided": strided, "torch.sparse_coo": sparse_coo}
    if name not in known:
        raise CheckpointError(f"it holds tensors of layout {name!r}; ember has only torch.strided and "
                              f"torch.sparse_coo")
    return known[name]


def builtin_globals(rebuilder: Rebuilder) -> dict[str, object]:
    """The dotted names any checkpoint may use, mapped to ember's objects."""
    from ember._tensor import Tensor
    from ember.size import Size

    table: dict[str, object] = dict(rebuilder.functions())
    table.update({
        "torch.device": _device,
        "torch.Size": Size,
        "ember.size.Size": Size,
        "torch.Tensor": Tensor,
        "torch.nn.parameter.Parameter": parameter_class() or Tensor,
        "torch.storage.UntypedStorage": _UNTYPED,
        "torch.UntypedStorage": _UNTYPED,
        "collections.OrderedDict": OrderedDict,
        "collections.Counter": Counter,
        "builtins.set": set,
        "builtins.frozenset": frozenset,
        "builtins.slice": slice,
        "builtins.complex": complex,
        "builtins.bytearray": _bytearray,
        "_codecs.encode": _encode,
        "torch.serialization._get_layout": _get_layout,
    })
    for d in dtypes.ALL:
        table[f"torch.{d.name}"] = d
    for cls, storage_type in _STORAGE_TYPES.items():
        table[f"torch.{cls}"] = storage_type
    return table


def missing_dtype(module: str, name: str) -> str | None:
    """Why ``module.name`` is a PyTorch dtype or storage class ember lacks, or None if it is not one."""
    if module != "torch":
        return None
    if name in dtype_names.MISSING_DTYPES:
        return f"it holds torch.{name} values: " + dtype_names.missing_dtype_message(name)
    if name in dtype_names.MISSING_STORAGE_CLASS:
        dtype = dtype_names.MISSING_STORAGE_CLASS[name]
        return f"it holds {dtype} tensors (torch.{name}): " + dtype_names.missing_dtype_message(dtype)
    return None
