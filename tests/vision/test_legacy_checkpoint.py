"""The legacy (pre-1.6) checkpoint loader of ember.vision: hostile files crafted by hand."""

import pickle
import struct

import numpy as np
import pytest

import ember
from ember.serialization import CheckpointError
from ember.vision.models._legacy_checkpoint import (
    MAGIC_NUMBER,
    PROTOCOL_VERSION,
    load_legacy_checkpoint,
)

SYS_INFO = {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}


def glob(module, name):
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def text(s):
    raw = s.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw


def integer(i):
    raw = i.to_bytes((i.bit_length() + 8) // 8, "little", signed=True)
    return pickle.LONG1 + bytes([len(raw)]) + raw


def ints(values):
    return pickle.MARK + b"".join(integer(v) for v in values) + pickle.TUPLE


def legacy_tensor(key, numel, size, stride, offset=0, view=pickle.NONE):
    pid = (pickle.MARK + text("storage") + glob("torch", "FloatStorage") + text(key) + text("cpu") + integer(numel)
           + view + pickle.TUPLE + pickle.BINPERSID)
    return (glob("torch._utils", "_rebuild_tensor_v2") + pickle.MARK + pid + integer(offset) + ints(size)
            + ints(stride) + pickle.NEWFALSE + pickle.EMPTY_DICT + pickle.TUPLE + pickle.REDUCE)


def legacy_file(path, obj_body, keys, records):
    """Header pickles, the object, the key list, then each record: an int64 count and the bytes."""
    out = b"".join(pickle.dumps(h, protocol=2) for h in (MAGIC_NUMBER, PROTOCOL_VERSION, SYS_INFO))
    out += pickle.PROTO + b"\x02" + obj_body + pickle.STOP
    out += pickle.dumps(keys, protocol=2)
    for count, data in records:
        out += struct.pack("<q", count) + data
    path.write_bytes(out)
    return path


def pair(key="0"):
    return pickle.EMPTY_DICT + text("a") + legacy_tensor(key, 2, (2,), (1,)) + pickle.SETITEM


VALUES = np.array([1.5, -3.0], np.float32).tobytes()


def test_crafted_legacy_file_loads_and_map_location_sees_the_data(tmp_path):
    path = legacy_file(tmp_path / "ok.pth", pair(), ["0"], [(2, VALUES)])
    assert load_legacy_checkpoint(path)["a"].tolist() == [1.5, -3.0]
    doubled = load_legacy_checkpoint(path, map_location=lambda t, location: t * 2)
    assert doubled["a"].tolist() == [3.0, -6.0]  # placed after the data was read


def test_missing_storage_data_is_refused(tmp_path):
    two = (pickle.EMPTY_DICT + pickle.MARK + text("a") + legacy_tensor("0", 2, (2,), (1,)) + text("b")
           + legacy_tensor("1", 2, (2,), (1,)) + pickle.SETITEMS)
    path = legacy_file(tmp_path / "missing.pth", two, ["0"], [(2, VALUES)])
    with pytest.raises(CheckpointError, match=r"missing.pth': the data of storage 1 is missing"):
        load_legacy_checkpoint(path)


@pytest.mark.parametrize("keys, records, reason", [
    (["0", "0"], [(2, VALUES), (2, VALUES)], "lists data for storage 0 twice"),
    (["9"], [(2, VALUES)], "storage 9, which no tensor uses"),
    (["0"], [(3, VALUES)], "holds 3 elements, but its tensors say 2"),
    ("0", [(2, VALUES)], "list of storage keys is malformed"),
])
def test_inconsistent_storage_lists_are_refused(tmp_path, keys, records, reason):
    path = legacy_file(tmp_path / "bad.pth", pair(), keys, records)
    with pytest.raises(CheckpointError, match=reason):
        load_legacy_checkpoint(path)


def test_views_outside_their_storage_are_refused(tmp_path):
    big = pickle.EMPTY_DICT + text("a") + legacy_tensor("0", 2, (65536,), (1,)) + pickle.SETITEM
    path = legacy_file(tmp_path / "big.pth", big, ["0"], [(2, VALUES)])
    with pytest.raises(CheckpointError, match="holds 8 bytes, but a float32 tensor of size \\[65536\\]"):
        load_legacy_checkpoint(path)
    view = pickle.MARK + text("v") + integer(1) + integer(5) + pickle.TUPLE
    outside = pickle.EMPTY_DICT + text("a") + legacy_tensor("0", 2, (1,), (1,), view=view) + pickle.SETITEM
    path = legacy_file(tmp_path / "view.pth", outside, ["0"], [(2, VALUES)])
    with pytest.raises(CheckpointError, match=r"storage view v \(elements 1 to 6\) is outside storage 0"):
        load_legacy_checkpoint(path)


def test_declared_sizes_beyond_the_file_are_refused_before_allocating(tmp_path):
    huge = pickle.EMPTY_DICT + text("a") + legacy_tensor("0", 2 ** 60, (1,), (1,)) + pickle.SETITEM
    path = legacy_file(tmp_path / "huge.pth", huge, ["0"], [(2, VALUES)])
    with pytest.raises(CheckpointError, match="claims 4611686018427387904 bytes, more than the whole file"):
        load_legacy_checkpoint(path)


def test_truncated_data_and_empty_file(tmp_path):
    path = legacy_file(tmp_path / "cut.pth", pair(), ["0"], [(2, VALUES[:5])])
    with pytest.raises(RuntimeError, match=r"cut.pth' is corrupt or truncated: storage 0 is incomplete"):
        load_legacy_checkpoint(path)
    (tmp_path / "empty.pth").write_bytes(b"")
    with pytest.raises(RuntimeError, match="is empty"):
        load_legacy_checkpoint(tmp_path / "empty.pth")
    assert ember.zeros(1).dtype is ember.float32
