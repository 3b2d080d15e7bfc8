"""``ember.save``: writing PyTorch's zip checkpoint format.

A ``.pth`` written by ember loads in PyTorch and one written by PyTorch loads in ember: the
archive holds ``data.pkl`` (pickle protocol 2 whose tensors are persistent references to
storages, rebuilt by ``torch._utils._rebuild_tensor_v2``), one raw little-endian record per
storage under ``data/``, ``byteorder`` and ``version``, each aligned to 64 bytes. Saving to a path
is atomic: the archive is written to a temporary file beside the target and renamed over it, so
a crash or an error mid-save leaves the previous file intact.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ember import _core, dtypes
from ember.layout import layout, sparse_coo
from ember.serialization.dtype_names import STORAGE_CLASS
from ember.size import Size

_ALIGN = 64  # PyTorch aligns records to 64 bytes so they can be memory-mapped


class _TorchGlobal:
    """A stand-in for a PyTorch global (``torch._utils._rebuild_tensor_v2``) in the pickle."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args):  # never called by ember; only its reference is pickled
        raise RuntimeError(f"{self.module}.{self.name} is a serialization placeholder")


_REBUILD_TENSOR = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")
_TORCH_DEVICE = _TorchGlobal("torch", "device")
_TORCH_SIZE = _TorchGlobal("torch", "Size")
_REBUILD_SPARSE = _TorchGlobal("torch._utils", "_rebuild_sparse_tensor")
_GET_LAYOUT = _TorchGlobal("torch.serialization", "_get_layout")
_STORAGE_TYPES = {d: _TorchGlobal("torch", name) for d, name in STORAGE_CLASS.items()}
_DTYPE_GLOBALS = {d: _TorchGlobal("torch", d) for d in STORAGE_CLASS}


class _Storage:
    """One storage to write: the bytes of a NumPy buffer shared by one or more tensors."""

    def __init__(self, key: str, array: np.ndarray, dtype, location: str) -> None:
        self.key, self.array, self.dtype, self.location = key, array, dtype, location


class _Writer(pickle._Pickler):
    """A pickler that writes tensors as PyTorch does and records their storages."""

    def __init__(self, file, protocol: int = 2) -> None:
        super().__init__(file, protocol=protocol)
        self.storages: dict[int, _Storage] = {}
        self._keep_alive: list = []

    def persistent_id(self, obj):
        if isinstance(obj, _Storage):
            return ("storage", _STORAGE_TYPES[obj.dtype.name], obj.key, obj.location, obj.array.size)
        return None

    def save_global(self, obj, name=None):
        if isinstance(obj, _TorchGlobal):
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode())
            self.memoize(obj)
            return
        super().save_global(obj, name)

    def reducer_override(self, obj):
        if isinstance(obj, _core.TensorBase):
            if obj.layout is sparse_coo:
                return self._reduce_sparse(obj)
            return self._reduce_tensor(obj)
        if isinstance(obj, layout):
            return (_GET_LAYOUT, (f"torch.{obj.name}",))
        if isinstance(obj, _core.device):
            return (_TORCH_DEVICE, (str(obj),))
        if type(obj) is Size:
            return (_TORCH_SIZE, (tuple(obj),))
        return NotImplemented

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, dtypes.dtype):
            obj = _DTYPE_GLOBALS[obj.name]
        if isinstance(obj, _TorchGlobal):
            memo = self.memo.get(id(obj))
            if memo is not None:
                self.write(self.get(memo[0]))
            else:
                self.save_global(obj)
            return
        super().save(obj, save_persistent_id)

    def _reduce_tensor(self, t):
        host = t.detach()._device._backend.to_numpy(t._data)
        storage, offset, stride = self._storage_of(host, t)
        args = (storage, offset, tuple(host.shape), stride, False, collections.OrderedDict())
        tensor_args = (_REBUILD_TENSOR, args)
        if getattr(type(t), "_is_parameter", False) or type(t).__name__ == "Parameter":
            return (_REBUILD_PARAMETER, (_DetachedReduce(tensor_args), t.requires_grad, collections.OrderedDict()))
        if t.requires_grad:
            args = args[:4] + (True,) + args[5:]
            return (_REBUILD_TENSOR, args)
        return tensor_args

    def _reduce_sparse(self, t):
        """A COO tensor as PyTorch writes one: its indices and values tensors, size and coalesced flag."""
        data = t._data
        return (_REBUILD_SPARSE, (sparse_coo, (data.indices, data.values, Size(data.shape), data.coalesced)))

    def _storage_of(self, arr: np.ndarray, t):
        """The storage holding ``arr`` (shared with other views of one buffer), offset, stride."""
        location = str(t.device)
        root = arr
        while isinstance(root.base, np.ndarray):
            root = root.base
        itemsize = arr.dtype.itemsize
        shared = (root.dtype == arr.dtype and root.flags.c_contiguous
                  and all(s >= 0 and s % itemsize == 0 for s in arr.strides))
        if shared:
            offset_bytes = arr.__array_interface__["data"][0] - root.__array_interface__["data"][0]
            if offset_bytes % itemsize:
                shared = False
        if not shared:
            root = np.ascontiguousarray(arr)
            offset_bytes = 0
        entry = self.storages.get(id(root))
        if entry is None:
            entry = _Storage(str(len(self.storages)), root, t.dtype, location)
            self.storages[id(root)] = entry
            self._keep_alive.append(root)  # ids must stay unique while pickling
        stride = tuple(s // itemsize for s in (arr.strides if shared else root.strides))
        return entry, offset_bytes // itemsize, stride


class _DetachedReduce:
    """A nested ``(callable, args)`` reduce value (the tensor inside a Parameter)."""

    def __init__(self, reduced) -> None:
        self.reduced = reduced

    def __reduce__(self):
        return self.reduced


def _write_aligned(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    header = zf.fp.tell() + 30 + len(name.encode())
    pad = (-(header + 4)) % _ALIGN
    info.extra = b"FB" + pad.to_bytes(2, "little") + b"Z" * pad
    zf.writestr(info, data)


def _write_archive(obj, f, protocol: int) -> None:
    buf = io.BytesIO()
    writer = _Writer(buf, protocol)
    writer.dump(obj)
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
        _write_aligned(zf, "archive/data.pkl", buf.getvalue())
        _write_aligned(zf, "archive/byteorder", b"little")
        for storage in writer.storages.values():
            data = np.ascontiguousarray(storage.array).astype(storage.array.dtype.newbyteorder("<"), copy=False)
            _write_aligned(zf, f"archive/data/{storage.key}", data.tobytes())
        _write_aligned(zf, "archive/version", b"3\n")
        _write_aligned(zf, "archive/.data/serialization_id", b"0" * 40)


def save(obj, f, pickle_module=None, pickle_protocol: int = 2, _use_new_zipfile_serialization: bool = True) -> None:
    """Save an object to ``f`` in PyTorch's checkpoint format.

    ``obj`` may be anything picklable: tensors, state dicts and containers of them load with
    ``ember.load``'s default ``weights_only=True``; a whole ``nn.Module`` or your own classes need
    ``weights_only=False`` (or ``ember.serialization.add_safe_globals``) to load.

    Args:
        obj: what to save.
        f: a path or a writable binary file object. Saving to a path is atomic.
        pickle_protocol: the pickle protocol (2, as PyTorch, by default).

    Example::

        >>> ember.save({"weight": ember.ones(2, 2)}, "model.pth")
    """
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("ember.save writes with Python's pickle module only (pickle_module=None)")
    if not _use_new_zipfile_serialization:
        raise ValueError("ember.save writes only the zip format (_use_new_zipfile_serialization=True)")
    if isinstance(f, (str, os.PathLike)):
        path = Path(f)
        if not path.parent.exists():
            raise RuntimeError(f"Parent directory {path.parent} does not exist.")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                _write_archive(obj, out, pickle_protocol)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    else:
        _write_archive(obj, f, pickle_protocol)
