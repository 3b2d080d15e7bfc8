"""Reading checkpoints in PyTorch's legacy (pre-1.6) format, which some torchvision weights still use.

``ember.load`` reads the zip format of ``torch.save`` since PyTorch 1.6. Older files are a stream:
four pickles (a magic number, the protocol version, system information, then the object whose
tensors refer to storages by key), the list of storage keys, and for each key its element count
(int64) and raw little-endian data. Every pickle is read by ember's weights-only unpickler, so a
legacy file cannot run code, and tensors are rebuilt through the same checked path as zip files.

The storages' data comes after the object that uses them, so the object is read twice: once to
learn which storages it needs (their dtypes and sizes), then, with the data read and every
storage checked to be present, to rebuild its tensors and place them with ``map_location``.
"""

from __future__ import annotations

import mmap
import tarfile

import numpy as np

from ember.serialization.errors import CheckpointError, refused
from ember.serialization.globals_table import StorageType
from ember.serialization.loading import weights_only_unpickle
from ember.serialization.placement import MapLocationFailed, Placement
from ember.serialization.rebuild import Rebuilder
from ember.serialization.storage import Storage
from ember.serialization.weights_unpickler import Truncated

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
# how pickle protocol 2 writes MAGIC_NUMBER: PROTO 2, LONG1 of 10 bytes
_HEADER = b"\x80\x02\x8a\x0a" + MAGIC_NUMBER.to_bytes(10, "little")


def is_legacy_checkpoint(path) -> bool:
    """True if ``path`` starts like a file written by ``torch.save(..., _use_new_zipfile_serialization=False)``
    (or is one of PyTorch's even older tar checkpoints)."""
    with open(path, "rb") as f:
        head = f.read(len(_HEADER))
    return head == _HEADER or tarfile.is_tarfile(path)


class _LegacyStorage(Storage):
    """A storage whose bytes come after the object that uses them."""

    __slots__ = ("filled",)

    def __init__(self, raw, dtype, location: str, key: str) -> None:
        super().__init__(raw, dtype, location, key)
        self.filled = False


class _StorageTable:
    """The storages a legacy object refers to: declared by the first read, filled from the stream."""

    def __init__(self, file_size: int) -> None:
        self.file_size = file_size
        self.storages: dict[str, Storage] = {}
        self.views: dict[str, Storage] = {}

    def persistent_load(self, pid) -> Storage:
        if not (type(pid) is tuple and len(pid) == 6 and pid[0] == "storage"):
            raise CheckpointError(f"unknown persistent id {pid!r:.80} (only storages may be referred to)")
        _, storage_type, key, location, numel, view = pid
        if type(storage_type) is not StorageType or storage_type.dtype is None:
            raise CheckpointError(f"storage {key!r:.40} has type {storage_type!r:.40}, not a typed storage class")
        if type(key) is not str or type(location) is not str or type(numel) is not int or numel < 0:
            raise CheckpointError(f"storage record {pid!r:.80} is malformed")
        storage = self.storages.get(key)
        if storage is None:
            nbytes = numel * storage_type.dtype.itemsize
            if nbytes > self.file_size:
                raise CheckpointError(f"storage {key} claims {nbytes} bytes, more than the whole file holds")
            storage = _LegacyStorage(np.empty(nbytes, dtype=np.uint8), storage_type.dtype, location, key)
            self.storages[key] = storage
        elif storage.dtype is not storage_type.dtype or storage.nbytes != numel * storage_type.dtype.itemsize:
            raise CheckpointError(f"storage {key} is referred to with two different types or sizes")
        if view is None:
            return storage
        if not (type(view) is tuple and len(view) == 3 and type(view[0]) is str):
            raise CheckpointError(f"storage view {view!r:.80} is malformed")
        view_key, offset, size = view  # storages that were views of others (PyTorch < 0.4)
        if view_key not in self.views:
            self.views[view_key] = storage.slice(offset, size, view_key)
        return self.views[view_key]

    def fill(self, data, pos: int, keys) -> None:
        """Read each storage's element count and bytes from ``data[pos:]``; every storage exactly once."""
        if type(keys) is not list or not all(type(k) is str for k in keys):
            raise CheckpointError("its list of storage keys is malformed")
        for key in keys:
            storage = self.storages.get(key)
            if storage is None:
                raise CheckpointError(f"it lists data for storage {key}, which no tensor uses")
            if storage.filled:
                raise CheckpointError(f"it lists data for storage {key} twice")
            if pos + 8 > len(data):
                raise Truncated(f"storage {key} is missing")
            numel = int.from_bytes(data[pos:pos + 8], "little", signed=True)
            pos += 8
            if numel * storage.dtype.itemsize != storage.nbytes:
                raise CheckpointError(f"storage {key} holds {numel} elements, but its tensors say "
                                      f"{storage.nbytes // storage.dtype.itemsize}")
            if pos + storage.nbytes > len(data):
                raise Truncated(f"storage {key} is incomplete")
            storage.raw[:] = np.frombuffer(data, dtype=np.uint8, count=storage.nbytes, offset=pos)
            pos += storage.nbytes
            storage.filled = True
        missing = [k for k, s in self.storages.items() if not s.filled]
        if missing:
            raise CheckpointError(f"the data of storage {missing[0]} is missing (a tensor would hold "
                                  f"uninitialised memory)")


def load_legacy_checkpoint(path, map_location=None):
    """Load a legacy-format PyTorch checkpoint, as ``ember.load`` loads a zip one.

    Raises:
        RuntimeError: for a corrupt or truncated file, a big-endian one, or PyTorch's pre-0.4 tar format.
        pickle.UnpicklingError: (``ember.serialization.CheckpointError``) for a file refused, naming it and
            the reason.
    """
    source = str(path)
    if tarfile.is_tarfile(path):
        raise RuntimeError(f"'{source}' is in PyTorch's pre-0.4 tar checkpoint format, which ember does not read. "
                           f"Convert it once with PyTorch: torch.save(torch.load(path), path)")
    placement = Placement(map_location)
    with open(path, "rb") as f:
        try:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file
            raise RuntimeError(f"'{source}' is corrupt or truncated: it is empty") from None
    try:
        return _load(data, source, placement)
    except CheckpointError as err:
        raise refused(source, str(err)) from None
    except Truncated as err:
        raise RuntimeError(f"'{source}' is corrupt or truncated: {err}") from None
    except MapLocationFailed as err:
        raise err.error from None
    finally:
        data.close()


def _load(data, source: str, placement: Placement):
    def no_storage(pid):
        raise CheckpointError("a header record refers to a storage")

    cpu = Rebuilder(Placement("cpu"))
    pos, header = 0, []
    for _ in range(3):  # magic number, protocol version, sys_info
        readers: list = []
        header.append(weights_only_unpickle(data, no_storage, cpu, start=pos, unpickler_out=readers))
        pos = readers[0].pos
    if header[0] != MAGIC_NUMBER or header[1] != PROTOCOL_VERSION:
        raise RuntimeError(f"'{source}' is not a PyTorch checkpoint (bad magic number or protocol version)")
    if type(header[2]) is not dict:
        raise CheckpointError("its system information record is not a dict")
    if not header[2].get("little_endian", True):
        raise RuntimeError(f"'{source}' was saved on a big-endian machine; ember reads little-endian files")
    table = _StorageTable(len(data))
    object_start = pos
    readers = []
    weights_only_unpickle(data, table.persistent_load, cpu, start=object_start, unpickler_out=readers)
    readers_keys: list = []
    keys = weights_only_unpickle(data, no_storage, cpu, start=readers[0].pos, unpickler_out=readers_keys)
    table.fill(data, readers_keys[0].pos, keys)
    # the second read: the storages now hold their data
    return weights_only_unpickle(data, table.persistent_load, Rebuilder(placement), start=object_start)
