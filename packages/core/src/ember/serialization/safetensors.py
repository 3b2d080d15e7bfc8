"""``ember.save_file`` / ``ember.load_file``: safetensors files, through the safetensors library.

The library (``pip install 'ember-core[safetensors]'``) parses and checks the format: the
header's JSON, every tensor's byte range against its shape and dtype, and that the ranges cover
the data exactly. ember adds what the library cannot know: which dtypes ember has (a file with a
``BF16`` tensor is refused with the tensor's name), atomic saving, and errors that name the file.
Files move both ways with ``safetensors.torch``.
"""

from __future__ import annotations

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

_METADATA = "__metadata__"


def _library():
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError("ember.save_file and ember.load_file need the safetensors package: "
                          "pip install 'ember-core[safetensors]'") from None
    return safetensors


def save_file(tensors: dict, filename, metadata: dict[str, str] | None = None) -> None:
    """Save a flat dict of tensors in the safetensors format (atomically, like ``ember.save``).

    Args:
        tensors: tensor names mapped to tensors (saved contiguous, without sharing).
        filename: the path to write.
        metadata: optional text metadata (``str`` to ``str``) stored in the header.

    Example::

        >>> ember.save_file({"weight": ember.ones(2, 2)}, "model.safetensors")
    """
    library = _library()
    if metadata is not None and not all(type(k) is str and type(v) is str for k, v in metadata.items()):
        raise TypeError("save_file: metadata must map str to str")
    arrays = {}
    for name, t in tensors.items():
        if type(name) is not str:
            raise TypeError(f"save_file: tensor names must be str, but got {type(name).__name__}")
        if name == _METADATA:
            raise ValueError(f"save_file: '{_METADATA}' is reserved for the metadata, not a tensor name")
        if not isinstance(t, _core.TensorBase):
            raise TypeError(f"save_file: value for key '{name}' is a {type(t).__name__}, not a tensor")
        if t.dtype.name not in SAFETENSORS_CODE:
            raise TypeError(f"save_file: tensor '{name}' has dtype {t.dtype}, which safetensors cannot hold")
        arrays[name] = np.ascontiguousarray(t.detach().cpu().numpy())
    data = library.numpy.save(arrays, metadata=metadata)
    path = Path(filename)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load_file(filename, device="cpu") -> dict:
    """Load a safetensors file into a dict of tensors on ``device``, in the file's order.

    Raises:
        ValueError: (``ember.serialization.SafetensorsError``) for a file the safetensors library
            refuses, or a tensor of a dtype ember does not have (``BF16``, ``U16``, ``F8_E4M3``, ...),
            naming the file and the tensor.
    """
    from ember.ops.creation import place

    library = _library()
    source = os.fspath(filename)
    out = {}
    try:
        with library.safe_open(source, framework="numpy") as f:
            for name in f.offset_keys() if hasattr(f, "offset_keys") else f.keys():
                code = f.get_slice(name).get_dtype()
                if code in SAFETENSORS_MISSING:
                    raise SafetensorsError(f"ember.load_file refused to load '{source}': tensor '{name}' has dtype "
                                           f"{code}: " + missing_dtype_message(SAFETENSORS_MISSING[code]))
                if code not in SAFETENSORS_DTYPE:
                    raise SafetensorsError(f"ember.load_file refused to load '{source}': tensor '{name}' has dtype "
                                           f"{code}, which ember does not have")
                array = f.get_tensor(name)
                out[name] = place(np.require(array, dtype=array.dtype.newbyteorder("="), requirements="CWA"),
                                  device)
    except library.SafetensorError as err:
        raise SafetensorsError(f"ember.load_file refused to load '{source}': {err}") from None
    return out
