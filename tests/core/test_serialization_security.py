"""Hostile checkpoints: each test is a file crafted opcode by opcode to hit one defect class.

Files that crashed ember (reads and writes outside a storage, a segfault from Cython's generated
``__setstate__``, a C-stack overflow) are loaded in a child process, so a regression is reported
as a failure instead of killing the test run.
"""

import io
import json
import pickle
import struct
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import ember
from ember.serialization import CheckpointError

# -- a pickle assembler -------------------------------------------------------------------------


def glob(module, name):
    return pickle.GLOBAL + f"{module}\n{name}\n".encode()


def text(s):
    raw = s.encode()
    return pickle.BINUNICODE + struct.pack("<I", len(raw)) + raw


def integer(i):
    if 0 <= i < 2 ** 31:
        return pickle.BININT + struct.pack("<i", i)
    raw = i.to_bytes((i.bit_length() + 8) // 8, "little", signed=True)
    return pickle.LONG1 + bytes([len(raw)]) + raw


def ints(values):
    return pickle.MARK + b"".join(integer(v) for v in values) + pickle.TUPLE


def storage(key="0", cls="FloatStorage", numel=1, location="cpu"):
    """A persistent reference to storage record ``data/<key>``."""
    return (pickle.MARK + text("storage") + glob("torch", cls) + text(key) + text(location) + integer(numel)
            + pickle.TUPLE + pickle.BINPERSID)


def tensor(size, stride, offset=0, key="0", cls="FloatStorage", numel=1):
    """``torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())``."""
    return (glob("torch._utils", "_rebuild_tensor_v2") + pickle.MARK + storage(key, cls, numel)
            + integer(offset) + ints(size) + ints(stride) + pickle.NEWFALSE
            + glob("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE + pickle.TUPLE + pickle.REDUCE)


def program(*parts):
    return pickle.PROTO + b"\x02" + b"".join(parts) + pickle.STOP


def checkpoint(path, pkl, records=None):
    """A zip checkpoint in PyTorch's layout holding ``pkl`` and storage ``records`` (key -> bytes)."""
    if records is None:
        records = {"0": b"\x00" * 4}
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
        zf.writestr("archive/byteorder", "little")
        for key, data in records.items():
            zf.writestr(f"archive/data/{key}", data)
        zf.writestr("archive/version", "3\n")
    return path


def outcomes_in_child(paths, weights_only=True, extra=""):
    """Load each file in a child process; ``[(exception type or 'ok', message)]``. A crash fails the test."""
    code = textwrap.dedent(f"""
        import json, sys, ember
        out = []
        for path in {[str(p) for p in paths]!r}:
            try:
                obj = ember.load(path, weights_only={weights_only})
                out.append(["ok", repr(type(obj))])
            except Exception as err:
                out.append([type(err).__name__, str(err)])
        {extra}
        print(json.dumps(out))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"the child crashed (return code {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_ember_unchanged():
    assert ember.zeros(2).dtype is ember.float32 and ember.float32.name == "float32"
    assert ember.float32.numpy == np.dtype("float32") and ember.int8.itemsize == 1
    assert ember.Size([2, 3]).numel() == 6 and repr(ember.Size([2])) == "ember.Size([2])"
    assert ember.serialization.get_safe_globals() == []


# -- sizes, strides and offsets ---------------------------------------------------------------


def test_valid_crafted_tensor_loads(tmp_path):
    path = checkpoint(tmp_path / "ok.pth", program(tensor((2,), (1,), numel=2)),
                      {"0": np.array([1.5, -2.0], np.float32).tobytes()})
    assert ember.load(path).tolist() == [1.5, -2.0]


@pytest.mark.parametrize("size, stride, offset, numel, reason", [
    ((65536,), (1,), 0, 1, "holds 4 bytes, but a float32 tensor of size \\[65536\\]"),
    ((2,), (1,), 1, 1, "reaches byte 12"),
    ((2, 2), (2, 1), 0, 1, "reaches byte 16"),
    ((2,), (2 ** 40,), 0, 1, "reaches byte"),
    ((1,), (1,), 2 ** 61, 1, "reaches byte"),
    ((1,), (1,), 2 ** 63, 1, "larger than any storage"),
    ((2 ** 62, 0), (1, 1), 0, 1, "larger than any storage"),
])
def test_view_outside_its_storage_is_refused(tmp_path, size, stride, offset, numel, reason):
    path = checkpoint(tmp_path / "big.pth", program(tensor(size, stride, offset, numel=numel)))
    with pytest.raises(CheckpointError, match=rf"refused to load '.*big.pth': .*{reason}"):
        ember.load(path)
    assert isinstance(CheckpointError("x"), pickle.UnpicklingError)


def test_negative_and_malformed_layouts_are_refused_without_crashing(tmp_path):
    def with_args(offset, size, stride):
        return program(glob("torch._utils", "_rebuild_tensor_v2") + pickle.MARK + storage() + offset + size
                       + stride + pickle.NEWFALSE + pickle.EMPTY_DICT + pickle.TUPLE + pickle.REDUCE)

    neg = integer(-1)
    cases = {
        "negstride": with_args(integer(0), ints([2]), pickle.MARK + neg + pickle.TUPLE),
        "negsize": with_args(integer(0), pickle.MARK + neg + pickle.TUPLE, ints([1])),
        "negoffset": with_args(neg, ints([1]), ints([1])),
        "hugeoffset": with_args(integer(2 ** 40), ints([1]), ints([1])),
        "floatsize": with_args(integer(0), pickle.MARK + pickle.BINFLOAT + struct.pack(">d", 1.0) + pickle.TUPLE,
                               ints([1])),
        "lengths": with_args(integer(0), ints([1, 1]), ints([1])),
        "dims": with_args(integer(0), ints([1] * 70), ints([0] * 70)),
        "notastorage": program(glob("torch._utils", "_rebuild_tensor_v2") + pickle.MARK + text("x") + integer(0)
                               + ints([1]) + ints([1]) + pickle.NEWFALSE + pickle.EMPTY_DICT + pickle.TUPLE
                               + pickle.REDUCE),
    }
    paths = [checkpoint(tmp_path / f"{name}.pth", pkl) for name, pkl in cases.items()]
    for (name, _), (kind, message) in zip(cases.items(), outcomes_in_child(paths)):
        assert kind == "CheckpointError", (name, kind, message)
        assert f"{name}.pth" in message


def test_storage_record_must_match_its_declared_size(tmp_path):
    short = checkpoint(tmp_path / "short.pth", program(tensor((4,), (1,), numel=4)), {"0": b"\x00" * 4})
    with pytest.raises(CheckpointError, match=r"data/0 holds 4 bytes, but the file says it holds 4 FloatStorage"):
        ember.load(short)
    missing = checkpoint(tmp_path / "missing.pth", program(tensor((1,), (1,))), {})
    with pytest.raises(CheckpointError, match=r"missing.pth': its storage record data/0 is missing"):
        ember.load(missing)


def test_empty_tensor_needs_no_storage_bytes(tmp_path):
    path = checkpoint(tmp_path / "e.pth", program(tensor((0, 5), (5, 1), offset=7)), {"0": b"\x00" * 4})
    assert ember.load(path).shape == (0, 5)


# -- BUILD on tensors and on ember's singletons --------------------------------------------------


def test_build_on_a_tensor_is_refused(tmp_path):
    empty = program(tensor((1,), (1,)) + pickle.EMPTY_TUPLE + pickle.BUILD)
    fields = program(tensor((1,), (1,)) + pickle.MARK + pickle.NONE * 4 + integer(0) + pickle.NONE * 4
                     + pickle.TUPLE + pickle.BUILD)
    paths = [checkpoint(tmp_path / "empty.pth", empty), checkpoint(tmp_path / "fields.pth", fields)]
    for weights_only in (True, False):
        for kind, message in outcomes_in_child(paths, weights_only):
            assert kind == "CheckpointError", message
            assert "BUILD" in message or "pickled state" in message


def test_tensor_does_not_expose_cythons_setstate():
    t = ember.ones(2)
    with pytest.raises(pickle.UnpicklingError, match="cannot be given a pickled state"):
        t.__setstate__(())
    assert t.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("target, state", [
    (glob("torch", "float32"), pickle.NONE + pickle.EMPTY_DICT + text("name") + text("int8") + pickle.SETITEM
     + pickle.TUPLE2),
    (glob("torch", "float32"), pickle.EMPTY_DICT + text("name") + text("int8") + pickle.SETITEM),
    (glob("torch", "Size"), pickle.NONE + pickle.EMPTY_DICT + text("numel") + integer(0) + pickle.SETITEM
     + pickle.TUPLE2),
    (glob("torch", "Size") + ints([2]) + pickle.TUPLE1 + pickle.REDUCE, pickle.EMPTY_DICT),
    (glob("torch", "device") + text("cpu") + pickle.TUPLE1 + pickle.REDUCE, pickle.EMPTY_DICT),
    (glob("collections", "OrderedDict"), pickle.EMPTY_DICT + text("x") + integer(1) + pickle.SETITEM),
])
def test_build_never_changes_embers_objects(tmp_path, target, state):
    path = checkpoint(tmp_path / "mutate.pth", program(target + state + pickle.BUILD))
    with pytest.raises(CheckpointError, match=r"mutate.pth': BUILD would change .*a file may not change"):
        ember.load(path)
    assert_ember_unchanged()
    assert not hasattr(__import__("collections").OrderedDict, "x")


def test_build_on_a_state_dict_sets_its_metadata(tmp_path):
    pkl = program(glob("collections", "OrderedDict") + pickle.EMPTY_TUPLE + pickle.REDUCE + pickle.EMPTY_DICT
                  + text("_metadata") + pickle.EMPTY_DICT + pickle.SETITEM + pickle.BUILD)
    assert ember.load(checkpoint(tmp_path / "m.pth", pkl))._metadata == {}


def test_call_only_allowed_globals(tmp_path):
    # a tensor class, a dtype or a loaded object are never called
    cases = {
        "tensorclass": glob("torch", "Tensor") + ints([10 ** 6]) + pickle.REDUCE,
        "newobj": glob("torch", "Tensor") + pickle.EMPTY_TUPLE + pickle.NEWOBJ,
        "dict": pickle.EMPTY_DICT + pickle.EMPTY_TUPLE + pickle.REDUCE,
        "bytearray": glob("builtins", "bytearray") + integer(2 ** 40) + pickle.TUPLE1 + pickle.REDUCE,
        "codec": glob("_codecs", "encode") + text("x") + text("rot13") + pickle.TUPLE2 + pickle.REDUCE,
        "inst": b"(i__builtin__\nobject\n",
    }
    for name, body in cases.items():
        with pytest.raises(CheckpointError, match=rf"{name}.pth'"):
            ember.load(checkpoint(tmp_path / f"{name}.pth", program(body)))
    assert_ember_unchanged()


# -- the object graph: sharing, cycles, depth ----------------------------------------------------


def shared_lists(levels):
    """levels lists, each holding the one before twice: 2**levels paths through 12 bytes a level."""
    body = pickle.EMPTY_LIST + pickle.BINPUT + b"\x00"
    for i in range(levels):
        body += pickle.EMPTY_LIST + pickle.MARK + pickle.BINGET + bytes([i]) + pickle.BINGET + bytes([i])
        body += pickle.APPENDS + pickle.BINPUT + bytes([i + 1])
    return program(body)


def test_shared_self_referencing_and_deep_objects_load(tmp_path):
    shared = shared_lists(70)
    assert len(shared) < 900
    cyclic = program(pickle.EMPTY_LIST + pickle.BINPUT + b"\x00" + pickle.BINGET + b"\x00" + pickle.APPEND)
    deep = program(pickle.EMPTY_LIST * 100_000 + pickle.APPEND * 99_999)
    paths = [checkpoint(tmp_path / f"{n}.pth", p) for n, p in (("shared", shared), ("cyclic", cyclic),
                                                               ("deep", deep))]
    for path in paths:  # in-process too, with map_location (the walk that overflowed is gone)
        ember.load(path, map_location="cpu")
    assert [kind for kind, _ in outcomes_in_child(paths)] == ["ok"] * 3
    out = ember.load(paths[0])
    assert out[0] is out[1] and out[0][0] is out[0][1]
    cycle = ember.load(paths[1])
    assert cycle[0] is cycle
    depth, node = 0, ember.load(paths[2])
    while node:
        node, depth = node[0], depth + 1
    assert depth == 99_999


def test_deeply_nested_hashable_keys_are_refused(tmp_path):
    deep_tuple = pickle.EMPTY_TUPLE + pickle.TUPLE1 * 200_000
    as_key = program(pickle.EMPTY_DICT + deep_tuple + integer(1) + pickle.SETITEM)
    in_set = program(pickle.EMPTY_SET + pickle.MARK + deep_tuple + pickle.ADDITEMS)
    paths = [checkpoint(tmp_path / "key.pth", as_key), checkpoint(tmp_path / "set.pth", in_set)]
    for kind, message in outcomes_in_child(paths):
        assert kind == "CheckpointError" and "nest more than 1000 deep" in message


def test_malformed_pickles_raise_cleanly(tmp_path):
    cases = [b"", b"\x80\x02", program(pickle.APPEND), program(pickle.BINGET + b"\x07"), program(pickle.TUPLE),
             program(pickle.MARK), b"\x80\x02" + pickle.BINUNICODE + b"\xff\xff\xff\x7fabc",
             program(b"\xff"), program(glob("torch", "bfloat16"))]
    for i, pkl in enumerate(cases):
        with pytest.raises(CheckpointError, match=rf"c{i}.pth'"):
            ember.load(checkpoint(tmp_path / f"c{i}.pth", pkl))


def test_refused_globals_name_what_to_allow(tmp_path):
    path = checkpoint(tmp_path / "np.pth", program(glob("numpy._core.multiarray", "_reconstruct")))
    with pytest.raises(pickle.UnpicklingError) as info:
        ember.load(path)
    message = str(info.value)
    assert "np.pth" in message and "'numpy._core.multiarray._reconstruct'" in message
    assert "ember.serialization.add_safe_globals([numpy._core.multiarray._reconstruct])" in message
    assert "weights_only=False" in message


def test_missing_dtypes_are_named(tmp_path):
    path = checkpoint(tmp_path / "bf.pth", program(tensor((1,), (1,), cls="BFloat16Storage")))
    with pytest.raises(CheckpointError, match=r"bfloat16 tensors \(torch.BFloat16Storage\): ember has no bfloat16"):
        ember.load(path)


def test_load_arguments_are_checked(tmp_path):
    path = tmp_path / "x.pth"
    ember.save(ember.ones(1), path)
    with pytest.raises(RuntimeError, match="explicit pickle_module"):
        ember.load(path, pickle_module=pickle, weights_only=True)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        ember.load(path, bogus=1)
    with pytest.raises(TypeError, match="map_location must be"):
        ember.load(path, map_location=3)
    assert ember.load(path, pickle_module=pickle).tolist() == [1.0]  # pickle_module means weights_only=False


def test_file_object_errors_name_a_source():
    with pytest.raises(CheckpointError, match="<file object>"):
        buf = io.BytesIO()
        checkpoint(buf, program(glob("os", "system")))
        buf.seek(0)
        ember.load(buf)


def test_errors_of_a_map_location_callable_reach_the_caller(tmp_path):
    path = tmp_path / "x.pth"
    ember.save({"a": ember.ones(2)}, path)

    def fails(t, location):
        raise KeyError("mine")

    with pytest.raises(KeyError, match="mine"):
        ember.load(path, map_location=fails)


def test_bad_device_records_are_refused(tmp_path):
    pkl = program(glob("torch", "device") + text("cpu") + integer(-1) + pickle.TUPLE2 + pickle.REDUCE)
    with pytest.raises(CheckpointError, match=r"dev.pth': calling _device failed: RuntimeError: Device index"):
        ember.load(checkpoint(tmp_path / "dev.pth", pkl))


def test_dtypes_are_immutable_even_for_a_trusted_file(tmp_path):
    with pytest.raises(AttributeError, match="ember.dtype is immutable: cannot set 'itemsize'"):
        ember.float32.itemsize = 1
    with pytest.raises(AttributeError, match="immutable"):
        del ember.int8.name
    # weights_only=False runs Python's unpickler, whose BUILD would set a dtype's slots
    pkl = program(glob("torch", "float32") + pickle.NONE + pickle.EMPTY_DICT + text("name") + text("int8")
                  + pickle.SETITEM + pickle.TUPLE2 + pickle.BUILD)
    with pytest.raises(AttributeError, match="immutable"):
        ember.load(checkpoint(tmp_path / "d.pth", pkl), weights_only=False)
    assert_ember_unchanged()
