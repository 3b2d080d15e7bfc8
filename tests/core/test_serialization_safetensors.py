"""``ember.save_file``/``ember.load_file``: safetensors files, valid and hostile, crafted byte by byte."""

import json
import struct

import numpy as np
import pytest

import ember
from ember.serialization import SafetensorsError


def craft(path, header: dict, data: bytes = b"", pad: int = 0):
    text = json.dumps(header).encode() + b" " * pad
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)
    return path


@pytest.mark.parametrize("dtype", [ember.float16, ember.float32, ember.float64, ember.int8, ember.int16,
                                   ember.int32, ember.int64, ember.uint8, ember.bool])
def test_every_dtype_roundtrips(tmp_path, dtype):
    t = (ember.arange(12) % 5).to(dtype).reshape(3, 4)
    ember.save_file({"t": t, "col": t[:, 1]}, tmp_path / "x.safetensors")
    back = ember.load_file(tmp_path / "x.safetensors")
    assert back["t"].dtype is dtype and back["col"].shape == (3,)
    np.testing.assert_array_equal(back["t"].numpy(), t.numpy())
    np.testing.assert_array_equal(back["col"].numpy(), t[:, 1].numpy())
    back["t"].fill_(1)  # loaded tensors are writable
    assert back["t"].numpy().all()


def test_float16_and_bool_files_from_the_library_load(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    st.save_file({"h": np.array([1.5, -2.0], np.float16), "m": np.array([True, False])}, str(tmp_path / "x.st"))
    back = ember.load_file(tmp_path / "x.st")
    assert back["h"].dtype is ember.float16 and back["h"].tolist() == [1.5, -2.0]
    assert back["m"].dtype is ember.bool and back["m"].tolist() == [True, False]


def test_file_layout_is_safetensors(tmp_path):
    ember.save_file({"a": ember.tensor([1.0, 2.0]), "b": ember.tensor([3], dtype=ember.int64)},
                    tmp_path / "x.safetensors", metadata={"format": "pt"})
    blob = (tmp_path / "x.safetensors").read_bytes()
    n = struct.unpack("<Q", blob[:8])[0]
    assert n % 8 == 0
    header = json.loads(blob[8:8 + n])
    assert header.pop("__metadata__") == {"format": "pt"}
    assert {k: (v["dtype"], v["shape"]) for k, v in header.items()} == {"a": ("F32", [2]), "b": ("I64", [1])}
    data = blob[8 + n:]
    begin, end = header["a"]["data_offsets"]
    assert data[begin:end] == np.array([1, 2], "<f4").tobytes()
    begin, end = header["b"]["data_offsets"]
    assert data[begin:end] == np.array([3], "<i8").tobytes()


def test_the_safetensors_library_reads_embers_files(tmp_path):
    import safetensors.numpy as st  # ember-core[safetensors], installed by the core env
    ember.save_file({"w": ember.arange(6.0).reshape(2, 3), "m": ember.tensor([True, False])}, tmp_path / "x.st")
    out = st.load_file(str(tmp_path / "x.st"))
    np.testing.assert_array_equal(out["w"], np.arange(6.0).reshape(2, 3))
    assert out["m"].dtype == np.bool_
    st.save_file({"v": np.arange(5, dtype=np.int16)}, str(tmp_path / "y.st"))
    assert ember.load_file(tmp_path / "y.st")["v"].tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("code, name", [("BF16", "bfloat16"), ("F8_E4M3", "float8_e4m3fn"), ("F8_E5M2", "float8_e5m2"),
                                        ("U16", "uint16"), ("U32", "uint32"), ("U64", "uint64"),
                                        ("C64", "complex64")])
def test_dtypes_ember_lacks_are_named_with_the_tensor(tmp_path, code, name):
    size = {"BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1, "U16": 2, "U32": 4, "U64": 8, "C64": 8}[code]
    path = craft(tmp_path / "x.safetensors", {"layer.weight": {"dtype": code, "shape": [2],
                                                               "data_offsets": [0, 2 * size]}}, b"\x00" * 2 * size)
    with pytest.raises(SafetensorsError, match=rf"x.safetensors': tensor 'layer.weight' has dtype {code}: "
                                               rf"ember has no {name} dtype"):
        ember.load_file(path)
    assert issubclass(SafetensorsError, ValueError)


@pytest.mark.parametrize("header, data", [
    ({"a": {"dtype": "F32", "shape": [65536], "data_offsets": [0, 4]}}, b"\x00" * 4),  # 4 bytes, 65536 floats
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b""),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}}, b"\x00" * 8),
    ({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}, b""),
    ({"a": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}, b"\x00" * 4),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0]}}, b"\x00" * 4),
    ({"a": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 4]}}, b"\x00" * 4),
    ({"a": {"dtype": "F32"}}, b""),
    ({"a": [1]}, b""),
    ({"a": {"dtype": "F32", "shape": [2 ** 40, 2 ** 40], "data_offsets": [0, 4]}}, b"\x00" * 4),
    ({"a": {"dtype": "F32", "shape": [1], "data_offsets": [1, 5]}}, b"\x00" * 5),  # a gap before the data
])
def test_malformed_headers_are_refused(tmp_path, header, data):
    path = craft(tmp_path / "bad.safetensors", header, data)
    with pytest.raises(SafetensorsError, match=r"ember.load_file refused to load '.*bad.safetensors': \S"):
        ember.load_file(path)


def test_malformed_files_are_refused(tmp_path):
    (tmp_path / "short").write_bytes(b"\x01\x00")
    (tmp_path / "long").write_bytes(struct.pack("<Q", 2 ** 63) + b"{}")
    (tmp_path / "notjson").write_bytes(struct.pack("<Q", 3) + b"{x}")
    (tmp_path / "list").write_bytes(struct.pack("<Q", 2) + b"[]")
    (tmp_path / "deep").write_bytes(struct.pack("<Q", 200_000) + b"[" * 100_000 + b"]" * 100_000)
    for name in ["short", "long", "notjson", "list", "deep"]:
        with pytest.raises(SafetensorsError, match=f"refused to load '.*{name}'"):
            ember.load_file(tmp_path / name)


def test_save_file_checks_its_arguments(tmp_path):
    with pytest.raises(TypeError, match="key 'w' is a list"):
        ember.save_file({"w": [1, 2]}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match="metadata must map str to str"):
        ember.save_file({"w": ember.ones(1)}, tmp_path / "x.safetensors", metadata={"a": 1})
    with pytest.raises(ValueError, match="reserved"):
        ember.save_file({"__metadata__": ember.ones(1)}, tmp_path / "x.safetensors")
    assert not (tmp_path / "x.safetensors").exists()
