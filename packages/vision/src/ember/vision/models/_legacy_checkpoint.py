"""Reading checkpoints in PyTorch's legacy (pre-1.6) format, which some torchvision weights still use.

``ember.load`` reads the zip format of ``torch.save`` since PyTorch 1.6. Older files are a stream:
four pickles (a magic number, the protocol version, system information, then the object whose
tensors refer to storages by key), the list of storage keys, and for each key its element count
(int64) and raw little-endian data. The object is unpickled by ember's restricted unpickler, so a
legacy file cannot run code either.
"""

from __future__ import annotations

import io
import pickle
import tarfile

import numpy as np

from ember import dtypes, serialization

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


class _LegacyUnpickler(serialization._Restricted):
    """ember's restricted unpickler, with storages that are filled after the object is read."""

    def __init__(self, file, source: str) -> None:
        super().__init__(file, None, "", source)
        self.views: dict[str, tuple] = {}

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"'{self.source}': unknown persistent id {pid!r}")
        _, dtype, key, location, numel, view = pid
        if not isinstance(dtype, dtypes.dtype):
            raise pickle.UnpicklingError(f"'{self.source}': storage {key} has an unsupported type")
        if key not in self.storages:
            self.storages[key] = (np.empty(int(numel), dtype=dtype.numpy), location)
        if view is None:
            return self.storages[key]
        view_key, offset, size = view  # storages that were views of others (PyTorch < 0.4)
        if view_key not in self.views:
            array, location = self.storages[key]
            self.views[view_key] = (array[offset:offset + size], location)
        return self.views[view_key]


def load_legacy_checkpoint(path, map_location=None):
    """Load a legacy-format PyTorch checkpoint, as ``ember.load`` loads a zip one.

    Raises:
        RuntimeError: for a corrupt or truncated file, a big-endian one, or PyTorch's pre-0.4 tar format.
    """
    source = str(path)
    if tarfile.is_tarfile(path):
        raise RuntimeError(f"'{source}' is in PyTorch's pre-0.4 tar checkpoint format, which ember does not read. "
                           f"Convert it once with PyTorch: torch.save(torch.load(path), path)")
    with open(path, "rb") as f:
        try:
            # magic number, protocol version, sys_info, the object, the storage keys: all restricted
            header = [_LegacyUnpickler(f, source).load() for _ in range(3)]
            if header[0] != MAGIC_NUMBER or header[1] != PROTOCOL_VERSION:
                raise RuntimeError(f"'{source}' is not a PyTorch checkpoint (bad magic number or protocol version)")
            if not header[2].get("little_endian", True):
                raise RuntimeError(f"'{source}' was saved on a big-endian machine; ember reads little-endian files")
            unpickler = _LegacyUnpickler(f, source)
            obj = unpickler.load()
            keys = _LegacyUnpickler(f, source).load()
            for key in keys:
                array = unpickler.storages[key][0]
                numel = int.from_bytes(f.read(8), "little", signed=True)
                if numel != array.size or f.readinto(array.view(np.uint8)) != array.nbytes:
                    raise EOFError(f"storage {key} is incomplete")
        except (EOFError, ValueError, KeyError, AttributeError, pickle.UnpicklingError, io.UnsupportedOperation) as err:
            if isinstance(err, pickle.UnpicklingError) and "refused" in str(err):
                raise
            raise RuntimeError(f"'{source}' is corrupt or truncated: {err}") from None
    return serialization._move(obj, map_location, {})
