"""``ember.save`` / ``ember.load`` in PyTorch's zip checkpoint format, and safetensors files.

A ``.pth`` written by PyTorch loads in ember and one written by ember loads in PyTorch: the
archive holds ``data.pkl`` (pickle protocol 2 whose tensors are persistent references to
storages, rebuilt by ``torch._utils._rebuild_tensor_v2``), one raw little-endian record per
storage under ``data/``, ``byteorder`` and ``version``.

Loading never runs code from the file: the unpickler accepts only tensors, storages,
containers and plain values, and refuses every other global by name. Saving to a path is
atomic: the archive is written to a temporary file beside the target and renamed over it,
so a crash or an error mid-save leaves the previous file intact.
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

__all__ = ["save", "load", "save_file", "load_file"]

_STORAGE_NAMES = {
    "float16": "HalfStorage", "float32": "FloatStorage", "float64": "DoubleStorage",
    "int8": "CharStorage", "int16": "ShortStorage", "int32": "IntStorage",
    "int64": "LongStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
}
_STORAGE_DTYPES = {name: getattr(dtypes, d) for d, name in _STORAGE_NAMES.items()}
_ALIGN = 64  # PyTorch aligns records to 64 bytes so they can be memory-mapped


# -- saving ---------------------------------------------------------------------------------

class _TorchGlobal:
    """A stand-in for a PyTorch global (``torch._utils._rebuild_tensor_v2``) in the pickle."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __call__(self, *args):  # never called by ember; only its reference is pickled
        raise RuntimeError(f"{self.module}.{self.name} is a serialization placeholder")


_REBUILD_TENSOR = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _TorchGlobal("torch._utils", "_rebuild_parameter")
_TORCH_DEVICE = _TorchGlobal("torch", "device")
_STORAGE_TYPES = {d: _TorchGlobal("torch", name) for d, name in _STORAGE_NAMES.items()}
_DTYPE_GLOBALS = {d: _TorchGlobal("torch", d) for d in _STORAGE_NAMES}


class _Storage:
    """One storage to write: the bytes of a NumPy buffer shared by one or more tensors."""

    def __init__(self, key: str, array: np.ndarray, dtype, location: str) -> None:
        self.key, self.array, self.dtype, self.location = key, array, dtype, location


class _Writer(pickle._Pickler):
    """A pickler that writes tensors as PyTorch does and records their storages."""

    def __init__(self, file) -> None:
        super().__init__(file, protocol=2)
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
            return self._reduce_tensor(obj)
        if isinstance(obj, _core.device):
            return (_TORCH_DEVICE, (str(obj),))
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


def _write_archive(obj, f) -> None:
    buf = io.BytesIO()
    writer = _Writer(buf)
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
    """Save tensors, state dicts and nested containers of them to ``f``, as PyTorch does.

    Args:
        obj: what to save: tensors, dicts/lists/tuples of them, numbers, strings.
        f: a path or a writable binary file object. Saving to a path is atomic.

    Example::

        >>> ember.save({"weight": ember.ones(2, 2)}, "model.pth")
    """
    if isinstance(f, (str, os.PathLike)):
        path = Path(f)
        if not path.parent.exists():
            raise RuntimeError(f"Parent directory {path.parent} does not exist.")
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                _write_archive(obj, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    else:
        _write_archive(obj, f)


# -- loading --------------------------------------------------------------------------------

def _rebuild_tensor(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    array, location = storage
    itemsize = array.dtype.itemsize
    if len(size) and min(size) == 0:
        view = np.empty(size, dtype=array.dtype)
    else:
        view = np.lib.stride_tricks.as_strided(array[offset:], shape=tuple(size),
                                               strides=tuple(s * itemsize for s in stride))
    from ember.ops.creation import place
    t = place(view, None)
    t._load_location = location
    if requires_grad:
        _requires_grad_if_possible(t)
    return t


def _requires_grad_if_possible(t) -> None:
    try:
        t.requires_grad = True
    except RuntimeError:  # ember-core alone: load the values; gradients need ember-autograd
        pass


def _rebuild_parameter(data, requires_grad, hooks, state=None):
    try:
        from ember.nn import Parameter
    except ImportError:  # ember-core alone: a plain tensor (it cannot require grad without ember-autograd)
        return data
    p = Parameter(data, requires_grad=requires_grad)
    p._load_location = getattr(data, "_load_location", "cpu")
    return p


def _rebuild_device(spec, index=None):
    return _core.device(spec, index)


class _Restricted(pickle.Unpickler):
    """Unpickles only tensors, storages, containers and plain values."""

    _ALLOWED = {
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
        ("torch", "device"): _rebuild_device,
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "slice"): slice,
        ("builtins", "complex"): complex,
    }

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str, source: str) -> None:
        super().__init__(file)
        self.archive, self.prefix, self.source = archive, prefix, source
        self.storages: dict[str, tuple] = {}

    def find_class(self, module: str, name: str):
        if (module, name) in self._ALLOWED:
            return self._ALLOWED[(module, name)]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _STORAGE_DTYPES[name]
        if module == "torch" and name in _STORAGE_NAMES:
            return getattr(dtypes, name)
        if module in ("torch", "ember") and name == "Size":
            from ember.size import Size
            return Size
        if module == "_codecs" and name == "encode":
            import codecs
            return codecs.encode
        raise pickle.UnpicklingError(
            f"ember.load refused to load '{self.source}': it contains a reference to "
            f"'{module}.{name}', and only tensors, storages, containers and plain values may be "
            f"loaded (loading never executes code from a file). If you trust this file, load it "
            f"with the library that wrote it.")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"'{self.source}': unknown persistent id {pid!r}")
        _, dtype, key, location, _numel = pid
        if not isinstance(dtype, dtypes.dtype):
            raise pickle.UnpicklingError(f"'{self.source}': storage {key} has an unsupported type")
        if key not in self.storages:
            try:
                raw = self.archive.read(f"{self.prefix}data/{key}")
            except KeyError:
                raise RuntimeError(f"'{self.source}' is truncated: storage record data/{key} is "
                                   f"missing") from None
            array = np.frombuffer(raw, dtype=dtype.numpy.newbyteorder("<")).astype(dtype.numpy)
            self.storages[key] = (array, location)
        return self.storages[key]


def _target_device(location: str, map_location):
    if map_location is None:
        return location
    if isinstance(map_location, dict):
        return map_location.get(location, location)
    if callable(map_location) and not isinstance(map_location, (str, _core.device)):
        return map_location
    return str(map_location)


def _move(obj, map_location, memo):
    """Place every loaded tensor on its target device (``map_location`` applied)."""
    if isinstance(obj, _core.TensorBase):
        if id(obj) in memo:
            return memo[id(obj)]
        location = obj.__dict__.pop("_load_location", "cpu")
        target = _target_device(location, map_location)
        if callable(target) and not isinstance(target, str):
            moved = target(obj, location)
            moved = obj if moved is None else moved
        else:
            moved = obj if target == "cpu" else _to_device(obj, target)
        memo[id(obj)] = moved
        return moved
    if isinstance(obj, collections.OrderedDict):
        out = collections.OrderedDict((k, _move(v, map_location, memo)) for k, v in obj.items())
        if hasattr(obj, "_metadata"):
            out._metadata = obj._metadata
        return out
    if isinstance(obj, dict):
        return type(obj)((k, _move(v, map_location, memo)) for k, v in obj.items())
    if isinstance(obj, list):
        return [_move(v, map_location, memo) for v in obj]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_move(v, map_location, memo) for v in obj)
    return obj


def _to_device(t, target: str):
    from ember.backends.registry import registry
    try:
        dev = registry.canonical(target)
    except RuntimeError as err:
        raise RuntimeError(f"Attempting to deserialize a tensor saved on device '{target}', but that "
                           f"device is not usable here ({err}). Pass map_location='cpu' to ember.load "
                           f"to load it on the CPU.") from None
    moved = t.detach().to(dev)
    if t.requires_grad:
        moved.requires_grad_(True)
    if type(t) is not type(moved):
        moved = type(t)(moved, requires_grad=t.requires_grad)
    return moved


def load(f, map_location=None, pickle_module=None, *, weights_only: bool = True, mmap=None, **kwargs):
    """Load what ``ember.save`` or ``torch.save`` wrote, without executing code from the file.

    Args:
        f: a path or a readable binary file object.
        map_location: where to put the tensors: a device or string (``"cpu"``), a dict mapping
            saved locations to new ones, or a callable ``(tensor, location) -> tensor``.
    """
    source = str(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file object>")
    try:
        archive = zipfile.ZipFile(f)
    except FileNotFoundError:
        raise FileNotFoundError(f"[Errno 2] No such file or directory: '{source}'") from None
    except zipfile.BadZipFile:
        raise RuntimeError(f"'{source}' is not an ember/PyTorch zip checkpoint (it may be truncated, or "
                           f"written in PyTorch's legacy pre-1.6 format, which ember does not read)") from None
    with archive:
        names = archive.namelist()
        pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
        if not pkl:
            raise RuntimeError(f"'{source}' has no data.pkl record: not an ember/PyTorch checkpoint")
        prefix = pkl[0][: -len("data.pkl")]
        byteorder = f"{prefix}byteorder"
        if byteorder in names and archive.read(byteorder) not in (b"little", b"little\n"):
            raise RuntimeError(f"'{source}' was saved on a big-endian machine; ember reads little-endian files")
        try:
            obj = _Restricted(io.BytesIO(archive.read(pkl[0])), archive, prefix, source).load()
        except (zipfile.BadZipFile, EOFError, ValueError) as err:
            raise RuntimeError(f"'{source}' is corrupt or truncated: {err}") from None
    return _move(obj, map_location, {})


# -- safetensors ----------------------------------------------------------------------------

def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Save a flat dict of tensors in the safetensors format (atomic, like ``save``)."""
    try:
        from safetensors.numpy import save as st_save
    except ImportError:
        raise ImportError("ember.save_file needs the safetensors package: pip install 'ember-core[safetensors]'") \
            from None
    arrays = {}
    for name, t in tensors.items():
        if not isinstance(t, _core.TensorBase):
            raise TypeError(f"save_file: value for key '{name}' is a {type(t).__name__}, not a tensor")
        arrays[name] = np.ascontiguousarray(t.detach().cpu().numpy())
    blob = st_save(arrays, metadata=metadata)
    path = Path(filename)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(blob)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_file(filename, device="cpu") -> dict:
    """Load a safetensors file into a dict of tensors on ``device``."""
    try:
        from safetensors.numpy import load as st_load
    except ImportError:
        raise ImportError("ember.load_file needs the safetensors package: pip install 'ember-core[safetensors]'") \
            from None
    from ember.ops.creation import place
    with open(filename, "rb") as fh:
        arrays = st_load(fh.read())
    return {name: place(np.array(a), device) for name, a in arrays.items()}
