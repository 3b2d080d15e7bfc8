"""A checkpoint's storages, and the one checked path from a storage to a tensor's view of it.

Every tensor loaded from a file is a view of a storage: raw bytes plus an offset, a size and a
stride read from the file. Those numbers are untrusted. ``Storage.view`` checks that the view
stays inside the storage's bytes before a NumPy view (and then an ember tensor) is made, so a
crafted file can neither read nor write memory outside what it brought.
"""

from __future__ import annotations

import sys

import numpy as np

from ember import dtypes
from ember.serialization.errors import CheckpointError

# NumPy 2's limit on dimensions (PyTorch has the same); no real tensor comes near it
MAX_DIMS = 64
# A byte offset or extent beyond this cannot be a real storage (NumPy's intp is 64-bit)
_MAX_BYTES = 1 << 62


class LayoutError(CheckpointError, ValueError):
    """A tensor record whose size, stride or offset does not fit its storage."""


class Storage:
    """The bytes of one storage record, and where the file says they lived.

    Args:
        raw: a writable 1-D uint8 array holding the storage's bytes (little-endian values).
        dtype: the ember dtype of a typed storage (``torch.FloatStorage``), or None for an untyped
            one (``torch.UntypedStorage``), whose tensors say their dtype.
        location: the device string saved with it (``"cpu"``, ``"cuda:0"``).
        key: the record's name, for messages.
    """

    __slots__ = ("raw", "dtype", "location", "key")

    def __init__(self, raw: np.ndarray, dtype, location: str, key: str) -> None:
        self.raw, self.dtype, self.location, self.key = raw, dtype, location, key

    @property
    def nbytes(self) -> int:
        return self.raw.size

    def view(self, dtype, offset, size, stride) -> np.ndarray:
        """The NumPy view of this storage that a tensor record describes, after checking it.

        Args:
            dtype: the tensor's ember dtype (a typed storage's own dtype, or the record's for untyped).
            offset: the first element, counted in ``dtype`` elements.
            size, stride: the shape and element strides.

        Raises:
            LayoutError: a non-integer or negative size, stride or offset, mismatched lengths, or a
                view that would reach past the storage's last byte.
        """
        if not isinstance(dtype, dtypes.dtype):
            raise LayoutError(f"storage {self.key}: the tensor's dtype is {type(dtype).__name__}, not a dtype")
        if self.dtype is not None and dtype is not self.dtype:
            raise LayoutError(f"storage {self.key} holds {self.dtype.name} values, not {dtype.name}")
        size = _ints("size", size, self.key)
        stride = _ints("stride", stride, self.key)
        offset = _ints("storage offset", (offset,), self.key)[0]
        if len(size) != len(stride):
            raise LayoutError(f"storage {self.key}: size {list(size)} and stride {list(stride)} differ in length")
        if len(size) > MAX_DIMS:
            raise LayoutError(f"storage {self.key}: {len(size)} dimensions (at most {MAX_DIMS} are supported)")
        itemsize = dtype.itemsize
        extent = itemsize
        for n in size:
            extent *= max(n, 1)
        if extent >= _MAX_BYTES:
            raise LayoutError(f"storage {self.key}: a tensor of size {list(size)} is larger than any storage")
        if 0 in size:
            return np.empty(size, dtype=dtype.numpy)  # no element is read: any offset and stride fit
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))  # the farthest element
        need = (last + 1) * itemsize
        if need > self.nbytes or max(stride, default=0) * itemsize >= _MAX_BYTES:
            raise LayoutError(
                f"storage {self.key} holds {self.nbytes} bytes, but a {dtype.name} tensor of size {list(size)}, "
                f"stride {list(stride)} and offset {offset} reaches byte {need}")
        view = np.ndarray(size, dtype=dtype.numpy.newbyteorder("<"), buffer=self.raw, offset=offset * itemsize,
                          strides=tuple(s * itemsize for s in stride))
        return native(view)

    def slice(self, offset, numel, key: str) -> Storage:
        """The part of this typed storage that a legacy view-storage record names."""
        offset, numel = _ints("view offset", (offset, numel), self.key)
        itemsize = self.dtype.itemsize
        if (offset + numel) * itemsize > self.nbytes:
            raise LayoutError(f"storage view {key} (elements {offset} to {offset + numel}) is outside storage "
                              f"{self.key} ({self.nbytes // itemsize} elements)")
        return Storage(self.raw[offset * itemsize:(offset + numel) * itemsize], self.dtype, self.location, key)


def native(view: np.ndarray) -> np.ndarray:
    """``view`` (little-endian values) with the machine's byte order, which kernels expect (a copy on big-endian)."""
    if sys.byteorder == "little" or view.dtype.itemsize == 1:
        return view.view(view.dtype.newbyteorder("="))
    return view.astype(view.dtype.newbyteorder("="))


def _ints(what: str, values, key: str) -> tuple[int, ...]:
    if not isinstance(values, (tuple, list)):
        raise LayoutError(f"storage {key}: the tensor's {what} is a {type(values).__name__}, not a tuple of ints")
    out = tuple(values)
    for v in out:
        if type(v) is not int:
            raise LayoutError(f"storage {key}: the tensor's {what} {list(out)} holds a {type(v).__name__}, "
                              f"not an int")
        if v < 0:
            raise LayoutError(f"storage {key}: the tensor's {what} {list(out)} is negative")
        if v >= _MAX_BYTES:
            raise LayoutError(f"storage {key}: the tensor's {what} {list(out)} is larger than any storage")
    return out
