"""``ember.save_file`` / ``ember.load_file``: the safetensors format, read and written by ember.

A safetensors file is an 8-byte little-endian header length, a JSON header mapping each tensor's
name to its dtype code (``F32``), shape and ``[begin, end)`` byte range, then the raw bytes. It
holds no code, but its numbers are untrusted: every range is checked against the data and the
shape before a tensor is made from it. Files move both ways with ``safetensors.torch``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ember import _core
from ember.serialization.dtype_names import (
    SAFETENSORS_CODE,
    SAFETENSORS_DTYPE,
    SAFETENSORS_MISSING,
    missing_dtype_message,
)
from ember.serialization.errors import SafetensorsError
from ember.serialization.storage import Storage

_MAX_HEADER = 100_000_000  # the safetensors library's own limit
_METADATA = "__metadata__"


def save_file(tensors: dict, filename, metadata: dict[str, str] | None = None) -> None:
    """Save a flat dict of tensors in the safetensors format (atomically, like ``ember.save``).

    Args:
        tensors: tensor names mapped to tensors (saved contiguous, without sharing).
        filename: the path to write.
        metadata: optional text metadata (``str`` to ``str``) stored in the header.

    Example::

        >>> ember.save_file({"weight": ember.ones(2, 2)}, "model.safetensors")
    """
    if metadata is not None and not all(type(k) is str and type(v) is str for k, v in metadata.items()):
        raise TypeError("save_file: metadata must map str to str")
    header: dict = {} if metadata is None else {_METADATA: dict(metadata)}
    blobs, offset = [], 0
    for name, t in tensors.items():
        if type(name) is not str:
            raise TypeError(f"save_file: tensor names must be str, but got {type(name).__name__}")
        if name == _METADATA:
            raise ValueError(f"save_file: '{_METADATA}' is reserved for the metadata, not a tensor name")
        if not isinstance(t, _core.TensorBase):
            raise TypeError(f"save_file: value for key '{name}' is a {type(t).__name__}, not a tensor")
        array = t.detach().cpu().numpy()
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": SAFETENSORS_CODE[t.dtype.name], "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # keeps the data 8-byte aligned, as the safetensors library does
    path = Path(filename)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(len(text).to_bytes(8, "little"))
            out.write(text)
            for blob in blobs:
                out.write(blob)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_file(filename, device="cpu") -> dict:
    """Load a safetensors file into a dict of tensors on ``device``, in the file's order.

    Raises:
        ValueError: (``ember.serialization.SafetensorsError``) for a malformed file or a tensor of a
            dtype ember does not have (``BF16``, ``U16``, ``F8_E4M3``, ...), naming the tensor.
    """
    from ember.ops.creation import place

    with open(filename, "rb") as fh:
        blob = bytearray(fh.read())
    source = str(filename)
    entries, data_start = _parse_header(blob, source)
    data = np.frombuffer(blob, dtype=np.uint8, offset=data_start)
    out = {}
    for name, (dtype, shape, begin, end) in entries:
        raw = data[begin:end]
        if raw.ctypes.data % dtype.itemsize:
            raw = raw.copy()  # an unaligned record: ember's kernels read aligned data
        strides, step = [], 1
        for n in reversed(shape):
            strides.insert(0, step)
            step *= n
        view = Storage(raw, dtype, "cpu", name).view(dtype, 0, shape, tuple(strides))  # the checked path
        out[name] = place(view, device)
    return out


def _parse_header(blob: bytearray, source: str):
    """The checked ``(name, (dtype, shape, begin, end))`` entries and where the data starts."""
    def bad(reason: str) -> SafetensorsError:
        return SafetensorsError(f"ember.load_file refused to load '{source}': {reason}")

    if len(blob) < 8:
        raise bad("it is shorter than the 8-byte header length")
    size = int.from_bytes(blob[:8], "little")
    if size > _MAX_HEADER or 8 + size > len(blob):
        raise bad(f"its header length {size} is larger than the file ({len(blob)} bytes) allows")
    try:
        header = json.loads(bytes(blob[8:8 + size]).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise bad(f"its header is not JSON ({err})") from None
    if type(header) is not dict:
        raise bad("its header is not a JSON object")
    data_size = len(blob) - 8 - size
    entries = []
    for name, info in header.items():
        if name == _METADATA:
            continue
        if type(info) is not dict or not {"dtype", "shape", "data_offsets"} <= set(info):
            raise bad(f"tensor '{name}' has no dtype, shape and data_offsets")
        code, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
        if code in SAFETENSORS_MISSING:
            raise bad(f"tensor '{name}' has dtype {code}: " + missing_dtype_message(SAFETENSORS_MISSING[code]))
        if code not in SAFETENSORS_DTYPE:
            raise bad(f"tensor '{name}' has dtype {code!r}, which is not a safetensors dtype")
        dtype = SAFETENSORS_DTYPE[code]
        if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape) or len(shape) > 32:
            raise bad(f"tensor '{name}' has shape {shape!r}, not a list of non-negative ints")
        if type(offsets) is not list or len(offsets) != 2 or not all(type(n) is int for n in offsets):
            raise bad(f"tensor '{name}' has data_offsets {offsets!r}, not [begin, end]")
        begin, end = offsets
        numel = 1
        for n in shape:
            numel *= n
        if not 0 <= begin <= end <= data_size:
            raise bad(f"tensor '{name}' has bytes [{begin}, {end}) outside the file's {data_size} data bytes")
        if end - begin != numel * dtype.itemsize:
            raise bad(f"tensor '{name}' of shape {shape} and dtype {code} needs {numel * dtype.itemsize} bytes, "
                      f"but its data_offsets give {end - begin}")
        entries.append((name, (dtype, tuple(shape), begin, end)))
    return entries, 8 + size
