"""``ember.load``: reading PyTorch's zip checkpoint format.

The archive holds ``<prefix>/data.pkl`` (the pickled object, whose tensors refer to storages by
key), one raw little-endian record per storage under ``<prefix>/data/`` and ``byteorder``.
With ``weights_only=True`` (the default) the pickle is read by ember's weights-only unpickler,
which runs no code from the file; ``weights_only=False`` uses Python's unpickler (any code the
file names runs). Either way tensors are rebuilt only through ``Storage.view``'s checks.
"""

from __future__ import annotations

import io
import os
import pickle
import warnings
import zipfile
import zlib

import numpy as np

from ember._core import device
from ember.serialization import safe_globals
from ember.serialization.errors import CheckpointError, refused
from ember.serialization.globals_table import StorageType, builtin_globals, missing_dtype
from ember.serialization.placement import MapLocationFailed, Placement
from ember.serialization.rebuild import Rebuilder
from ember.serialization.storage import Storage
from ember.serialization.weights_unpickler import Truncated, WeightsUnpickler

_LOAD_ARGS = frozenset({"encoding", "errors", "fix_imports"})


def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None, mmap: bool | None = None,
         **pickle_load_args):
    """Load an object saved with ``ember.save`` or ``torch.save``.

    Args:
        f: a path or a readable, seekable binary file object.
        map_location: where to put the tensors: a device or string (``"cpu"``), a dict mapping
            saved locations to new ones, or a callable ``(tensor, location) -> tensor``.
        pickle_module: the module whose ``Unpickler`` reads the file (only with ``weights_only=False``).
        weights_only: True (the default, as in PyTorch 2.6+) loads only tensors, containers, plain
            values and the globals allowed with ``ember.serialization.add_safe_globals``, and never
            runs code from the file. False loads any pickle (a whole ``nn.Module``, NumPy arrays,
            your classes): only for files you trust, since loading runs whatever the file names.
        mmap: map the storages of a file (``f`` a path) into memory instead of reading them; the
            mapping is copy-on-write, so writing to a loaded tensor never changes the file.
        pickle_load_args: ``encoding`` for Python 2 strings (``"utf-8"`` by default, ``"latin1"``
            or ``"bytes"``).

    A path ending in ``.safetensors`` is read by ``ember.load_file`` (as PyTorch does), on the
    device ``map_location`` names. ``EMBER_FORCE_WEIGHTS_ONLY_LOAD=1`` makes every load weights
    only; ``EMBER_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` makes ``weights_only=False`` the default (both as
    PyTorch's ``TORCH_FORCE_...`` variables).

    Raises:
        pickle.UnpicklingError: ``ember.serialization.CheckpointError``, naming the file and the
            reason, for a file refused (a global that is not allowed, a tensor record that does not
            fit its storage, a malformed pickle). ember is unchanged afterwards.
        RuntimeError: for a file that is not a checkpoint, or is truncated.

    Example::

        >>> model.load_state_dict(ember.load("model.pth", map_location="cpu"))
    """
    unknown = set(pickle_load_args) - _LOAD_ARGS
    if unknown:
        raise TypeError(f"load() got an unexpected keyword argument '{sorted(unknown)[0]}'")
    weights_only = _weights_only_from_environment(weights_only, pickle_module)
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified: pass "
                           "weights_only=False to use it (only for files you trust)")
    encoding = pickle_load_args.setdefault("encoding", "utf-8")
    is_path = isinstance(f, (str, os.PathLike))
    if is_path and os.fspath(f).endswith(".safetensors"):
        return _load_safetensors(f, map_location)
    if mmap and not is_path:
        raise ValueError("f must be a file path in order to use the mmap argument")
    placement = Placement(map_location)
    source = str(f) if is_path else getattr(f, "name", "<file object>")
    with _Archive(f, source) as (archive, prefix):
        reader = StorageReader(archive, prefix, source, os.fspath(f) if mmap else None)
        rebuilder = Rebuilder(placement)
        try:
            data = archive.read(f"{prefix}data.pkl")
            if weights_only:
                return weights_only_unpickle(data, reader.persistent_load, rebuilder, encoding)
            return _full_unpickle(data, reader.persistent_load, rebuilder, pickle_module, pickle_load_args)
        except pickle.UnpicklingError as err:
            raise refused(source, str(err)) from None
        except Truncated as err:
            raise refused(source, f"its pickle is truncated ({err})") from None
        except MapLocationFailed as err:
            raise err.error from None
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as err:
            raise RuntimeError(f"'{source}' is corrupt or truncated: {err}") from None


def _weights_only_from_environment(weights_only, pickle_module) -> bool:
    truthy = ("1", "y", "yes", "true")
    force = os.environ.get("EMBER_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    force_not = os.environ.get("EMBER_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in truthy
    if force and force_not:
        raise RuntimeError("Only one of EMBER_FORCE_WEIGHTS_ONLY_LOAD and EMBER_FORCE_NO_WEIGHTS_ONLY_LOAD "
                           "may be set, but both are")
    if force:
        return True
    if weights_only is None:
        if force_not:
            warnings.warn("EMBER_FORCE_NO_WEIGHTS_ONLY_LOAD is set and ember.load was not given weights_only: "
                          "loading with weights_only=False", UserWarning, stacklevel=3)
            return False
        return pickle_module is None
    return bool(weights_only)


def _load_safetensors(f, map_location):
    from ember.serialization.safetensors import load_file
    if isinstance(map_location, dict) or (callable(map_location) and not isinstance(map_location, (str, device))):
        raise RuntimeError("Loading a safetensors file with a dict or callable map_location is not supported; "
                           "pass a device or a device string")
    return load_file(f, device="cpu" if map_location is None else map_location)


def weights_only_unpickle(data, persistent_load, rebuilder: Rebuilder, encoding: str = "ASCII", start: int = 0,
                          unpickler_out: list | None = None):
    """Run the weights-only unpickler on ``data[start:]`` with ember's globals and the user's."""
    table = builtin_globals(rebuilder)

    def resolve(module: str, name: str):
        full = f"{module}.{name}"
        if full in table:
            return table[full]
        obj, found = safe_globals.lookup(full)
        if found:
            return obj
        reason = missing_dtype(module, name)
        if reason:
            raise CheckpointError(reason)
        raise CheckpointError(
            f"it names the global '{full}', which weights-only loading does not allow (it loads tensors, "
            f"containers and plain values). If you trust this file, allow it with "
            f"ember.serialization.add_safe_globals([{full}]) or inside "
            f"`with ember.serialization.safe_globals([{full}]):`, or load it with weights_only=False, "
            f"which runs whatever code the file contains.")

    unpickler = WeightsUnpickler(data, resolve_global=resolve, persistent_load=persistent_load,
                                 allowed_classes=safe_globals.allowed_values(), encoding=encoding, start=start)
    if unpickler_out is not None:
        unpickler_out.append(unpickler)
    return unpickler.load()


def _full_unpickle(data: bytes, persistent_load, rebuilder: Rebuilder, pickle_module, load_args: dict):
    """Python's unpickler (the user chose ``weights_only=False``), with PyTorch's names mapped to ember's."""
    table = builtin_globals(rebuilder)
    base = (pickle_module or pickle).Unpickler

    class FullUnpickler(base):
        def find_class(self, module: str, name: str):
            full = f"{module}.{name}"
            if full in table:
                return table[full]
            reason = missing_dtype(module, name)
            if reason:
                raise CheckpointError(reason)
            if module == "torch" or module.startswith("torch."):
                return _ember_equivalent(module, name)
            return super().find_class(module, name)

        def persistent_load(self, pid):
            return persistent_load(pid)

    return FullUnpickler(io.BytesIO(data), **load_args).load()


def _ember_equivalent(module: str, name: str):
    """``ember.nn.modules.linear.Linear`` for ``torch.nn.modules.linear.Linear``: ember never imports torch."""
    import importlib
    ember_module = "ember" + module[len("torch"):]
    try:
        obj = importlib.import_module(ember_module)
        for part in name.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise CheckpointError(f"it names PyTorch's '{module}.{name}', which ember has no '{ember_module}.{name}' "
                              f"for; load it with PyTorch and save its state_dict()") from None
    return obj


def _python3_name(module: str, name: str = "") -> str:
    """The dotted name Python 3 gives a global a Python 2 pickle names (``__builtin__.set``)."""
    import _compat_pickle
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return f"{module}.{name}"


class StorageReader:
    """Reads the storage records a zip checkpoint's pickle refers to, each once."""

    def __init__(self, archive: zipfile.ZipFile, prefix: str, source: str, mmap_path: str | None = None) -> None:
        self.archive, self.prefix, self.source, self.mmap_path = archive, prefix, source, mmap_path
        self.storages: dict[str, Storage] = {}

    def persistent_load(self, pid) -> Storage:
        if not (type(pid) is tuple and len(pid) == 5 and pid[0] in ("storage", b"storage")):
            raise CheckpointError(f"unknown persistent id {_short(pid)} (only storages may be referred to)")
        _, storage_type, key, location, numel = pid
        if type(storage_type) is not StorageType:
            raise CheckpointError(f"storage {_short(key)} has type {_short(storage_type)}, not a storage class")
        if type(key) is not str or type(location) is not str or type(numel) is not int or numel < 0:
            raise CheckpointError(f"storage record {_short(pid)} is malformed")
        known = self.storages.get(key)
        if known is not None:
            if known.dtype is not storage_type.dtype or known.nbytes != numel * _itemsize(storage_type):
                raise CheckpointError(f"storage {key} is referred to with two different types or sizes")
            return known
        name = f"{self.prefix}data/{key}"
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise CheckpointError(f"its storage record data/{key} is missing") from None
        nbytes = numel * _itemsize(storage_type)
        if info.file_size != nbytes:
            raise CheckpointError(f"storage record data/{key} holds {info.file_size} bytes, but the file says "
                                  f"it holds {numel} {storage_type.name} elements ({nbytes} bytes)")
        raw = self._mapped(info) if self.mmap_path and nbytes else None
        if raw is None:
            raw = np.frombuffer(self.archive.read(name), dtype=np.uint8).copy()
        if raw.size != nbytes:
            raise CheckpointError(f"storage record data/{key} is truncated")
        storage = Storage(raw, storage_type.dtype, location, key)
        self.storages[key] = storage
        return storage


    def _mapped(self, info: zipfile.ZipInfo):
        """A copy-on-write mapping of an uncompressed record's bytes, or None to read it instead."""
        if info.compress_type != zipfile.ZIP_STORED:
            return None
        with open(self.mmap_path, "rb") as fh:
            fh.seek(info.header_offset)
            local = fh.read(30)
            size = os.fstat(fh.fileno()).st_size
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {info.filename}")
        name_len, extra_len = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
        start = info.header_offset + 30 + name_len + extra_len
        if start + info.file_size > size:
            raise zipfile.BadZipFile(f"record {info.filename} runs past the end of the file")
        return np.memmap(self.mmap_path, dtype=np.uint8, mode="c", offset=start, shape=(info.file_size,))


def _itemsize(storage_type: StorageType) -> int:
    return 1 if storage_type.dtype is None else storage_type.dtype.itemsize


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _Archive:
    """The checkpoint's zip archive and its record prefix (``archive/``), with PyTorch's checks."""

    def __init__(self, f, source: str) -> None:
        self.f, self.source = f, source

    def __enter__(self):
        source = self.source
        try:
            self.archive = zipfile.ZipFile(self.f)
        except FileNotFoundError:
            raise FileNotFoundError(f"[Errno 2] No such file or directory: '{source}'") from None
        except (zipfile.BadZipFile, EOFError, ValueError, OSError) as err:
            if isinstance(err, OSError) and not isinstance(err, zipfile.BadZipFile) and err.errno is not None:
                raise
            raise RuntimeError(f"'{source}' is not an ember/PyTorch zip checkpoint (it may be truncated, or written "
                               f"in PyTorch's legacy pre-1.6 format: ember.vision reads those for weights)") from None
        try:
            names = self.archive.namelist()
            pkl = [n for n in names if n.endswith("data.pkl") and n.count("/") == 1]
            if not pkl:
                raise RuntimeError(f"'{source}' has no data.pkl record: not an ember/PyTorch checkpoint")
            prefix = pkl[0][: -len("data.pkl")]
            byteorder = f"{prefix}byteorder"
            if byteorder in names and self.archive.read(byteorder) not in (b"little", b"little\n"):
                raise RuntimeError(f"'{source}' was saved on a big-endian machine; ember reads little-endian files")
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, OSError) as err:
            self.archive.close()
            raise RuntimeError(f"'{source}' is corrupt or truncated: {err}") from None
        except BaseException:
            self.archive.close()
            raise
        return self.archive, prefix

    def __exit__(self, *exc) -> None:
        self.archive.close()


def get_unsafe_globals_in_checkpoint(f) -> list[str]:
    """The globals a checkpoint names that weights-only loading would refuse.

    Neither ember's built-in globals nor those allowed with ``add_safe_globals`` are listed. The
    pickle is only scanned, never run.

    Args:
        f: a path or a readable binary file object.

    Example::

        >>> ember.serialization.get_unsafe_globals_in_checkpoint("model.pth")
        ['ember.nn.modules.linear.Linear']
    """
    import pickletools

    source = str(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file object>")
    with _Archive(f, source) as (archive, prefix):
        data = archive.read(f"{prefix}data.pkl")
    table = builtin_globals(Rebuilder(Placement(None)))
    found: dict[str, None] = {}
    recent: list = [None, None]  # the last two values pushed, when they are strings
    memo: dict = {}
    try:
        for op, arg, _ in pickletools.genops(data):
            name = op.name
            if name == "GLOBAL":
                found[_python3_name(*arg.split(" ", 1))] = None
            elif name == "STACK_GLOBAL" and None not in recent:
                found[_python3_name(*recent)] = None
            if name in ("BINPUT", "LONG_BINPUT", "PUT", "MEMOIZE"):
                memo[len(memo) if name == "MEMOIZE" else arg] = recent[1]
                continue
            if name in ("FRAME", "PROTO"):
                continue
            pushed = arg if isinstance(arg, str) and "UNICODE" in name else None
            if name in ("BINGET", "LONG_BINGET", "GET"):
                pushed = memo.get(arg)
            recent = [recent[1], pushed]
    except ValueError as err:
        raise refused(source, f"its pickle is malformed ({err})") from None
    return [name for name in found if name not in table and not safe_globals.lookup(name)[1]]
