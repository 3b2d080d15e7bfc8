"""Checkpoints move both ways between ember and PyTorch, and both refuse the same files."""

import importlib
import io
import pickle
import pickletools

import numpy as np
import pytest

import ember
from ember.serialization import CheckpointError, SafetensorsError, safe_globals

torch = pytest.importorskip("torch")


def test_pytorch_checkpoint_loads_in_ember(tmp_path):
    path = tmp_path / "t.pth"
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"model": model.state_dict(), "view": base[:, 1:], "base": base,
                "ints": torch.tensor([1, 2], dtype=torch.int16), "step": 7}, path)
    out = ember.load(path)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(out["model"][name].numpy(), value.numpy())
        assert str(out["model"][name].dtype) == str(value.dtype).replace("torch", "ember")
    assert out["model"]._metadata == model.state_dict()._metadata
    np.testing.assert_array_equal(out["view"].numpy(), base[:, 1:].numpy())
    out["base"].add_(1)
    np.testing.assert_array_equal(out["view"].numpy(), base[:, 1:].numpy() + 1)
    assert out["ints"].dtype is ember.int16 and out["step"] == 7


def test_ember_checkpoint_loads_in_pytorch(tmp_path):
    path = tmp_path / "e.pth"
    base = ember.arange(12.0).reshape(3, 4)
    ember.save({"w": base, "t": base.T, "h": ember.tensor([0.5], dtype=ember.float16),
                "b": ember.tensor([True, False]), "dtype": ember.int32}, path)
    out = torch.load(path, weights_only=True)
    np.testing.assert_array_equal(out["t"].numpy(), np.arange(12.0).reshape(3, 4).T)
    assert out["t"].stride() == (1, 4)
    assert out["t"].untyped_storage().data_ptr() == out["w"].untyped_storage().data_ptr()
    assert out["h"].dtype == torch.float16 and out["b"].dtype == torch.bool and out["dtype"] == torch.int32


# -- weights_only, safe globals and NumPy arrays, as PyTorch 2.13 does them ----------------------

# NumPy 2 pickles name numpy._core.multiarray._reconstruct, NumPy 1's numpy.core.multiarray._reconstruct
RECONSTRUCT = next(arg.replace(" ", ".") for op, arg, _ in pickletools.genops(pickle.dumps(np.arange(1.0), protocol=2))
                   if op.name == "GLOBAL" and arg.endswith("_reconstruct"))
MULTIARRAY = importlib.import_module(RECONSTRUCT.rsplit(".", 1)[0])
NUMPY_GLOBALS = [MULTIARRAY._reconstruct, np.ndarray, np.dtype, type(np.dtype(np.float64)),
                 MULTIARRAY.scalar]


def torch_saved(obj, **kwargs) -> io.BytesIO:
    buf = io.BytesIO()
    torch.save(obj, buf, **kwargs)
    buf.seek(0)
    return buf


def refusals(buf):
    """The messages with which PyTorch and ember refuse the file under weights_only=True."""
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(buf, weights_only=True)
    buf.seek(0)
    with pytest.raises(pickle.UnpicklingError) as ours:
        ember.load(buf)
    buf.seek(0)
    return str(theirs.value), str(ours.value)


def test_numpy_arrays_load_as_in_pytorch():
    obj = {"a": np.arange(6.0).reshape(2, 3), "s": np.float64(2.5)}
    buf = torch_saved(obj)
    theirs, ours = refusals(buf)
    assert f"GLOBAL {RECONSTRUCT}" in theirs
    assert f"'{RECONSTRUCT}'" in ours and "add_safe_globals" in ours
    assert sorted(ember.serialization.get_unsafe_globals_in_checkpoint(buf)) == sorted(
        torch.serialization.get_unsafe_globals_in_checkpoint(buf.seek(0) or buf))
    for weights_only, allowed in ((False, []), (True, NUMPY_GLOBALS)):
        with torch.serialization.safe_globals(allowed), safe_globals(allowed):
            buf.seek(0)
            theirs = torch.load(buf, weights_only=weights_only)
            buf.seek(0)
            ours = ember.load(buf, weights_only=weights_only)
        np.testing.assert_array_equal(ours["a"], theirs["a"])
        assert ours["s"] == theirs["s"] and type(ours["s"]) is type(theirs["s"])


def test_numpy_dtype_subclass_must_be_allowed_in_both():
    buf = torch_saved(np.arange(3.0))
    allowed = [MULTIARRAY._reconstruct, np.ndarray, np.dtype]
    with torch.serialization.safe_globals(allowed), safe_globals(allowed):
        theirs, ours = refusals(buf)
    assert "Float64DType" in theirs and "Float64DType" in ours


def test_ember_saved_numpy_arrays_load_in_pytorch(tmp_path):
    ember.save({"a": np.arange(4, dtype=np.int32), "t": ember.ones(2)}, tmp_path / "e.pth")
    out = torch.load(tmp_path / "e.pth", weights_only=False)
    np.testing.assert_array_equal(out["a"], np.arange(4, dtype=np.int32))
    with torch.serialization.safe_globals(NUMPY_GLOBALS + [type(np.dtype(np.int32))]):
        assert torch.load(tmp_path / "e.pth")["t"].tolist() == [1.0, 1.0]


def test_pytorch_whole_module_loads_with_weights_only_false():
    pytest.importorskip("ember.nn")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).eval()
    buf = torch_saved(model)
    theirs, ours = refusals(buf)
    assert "torch.nn.modules.container.Sequential" in theirs and "'torch.nn.modules.container.Sequential'" in ours
    loaded = ember.load(buf, weights_only=False)
    assert type(loaded).__module__ == "ember.nn.modules.container"
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(loaded(ember.tensor(x)).detach().numpy(), expected, rtol=1e-6, atol=1e-6)


def test_tensors_with_python_attributes():
    pytest.importorskip("ember.nn")
    t = torch.arange(3.0)
    t.note = "scaled"
    p = torch.nn.Parameter(torch.ones(2))
    p.tag = 7
    out = ember.load(torch_saved({"t": t, "p": p}))
    assert out["t"].tolist() == [0.0, 1.0, 2.0] and out["t"].note == "scaled"
    assert isinstance(out["p"], ember.nn.Parameter) and out["p"].requires_grad and out["p"].tag == 7


@pytest.mark.parametrize("dtype", ["bfloat16", "uint16", "uint32", "uint64", "complex64", "float8_e4m3fn"])
def test_dtypes_ember_lacks_are_refused_by_name(dtype):
    t = torch.zeros(2, dtype=getattr(torch, dtype))
    buf = torch_saved({"w": t})
    assert torch.load(buf).keys() == {"w"}
    buf.seek(0)
    with pytest.raises(CheckpointError, match=rf"ember has no {dtype} dtype"):
        ember.load(buf)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_pickle_protocols(protocol):
    pytest.importorskip("ember.nn")
    model = torch.nn.Linear(3, 2)
    sd = model.state_dict()
    out = ember.load(torch_saved({"sd": sd, "names": ["a", "b"], "set": {1, 2}, "bytes": b"\x00\xff"},
                                 pickle_protocol=protocol))
    for name, value in sd.items():
        np.testing.assert_array_equal(out["sd"][name].numpy(), value.numpy())
    assert out["names"] == ["a", "b"] and out["set"] == {1, 2} and out["bytes"] == b"\x00\xff"


def test_both_refuse_build_on_dtypes_and_tensors(tmp_path):
    import zipfile
    cases = {
        "dtype": b"\x80\x02ctorch\nfloat32\nN}X\x04\x00\x00\x00nameX\x04\x00\x00\x00int8s\x86b.",
        "tensor_setstate": (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\n"
                            b"FloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQK\x00(K\x01t(K\x01t"
                            b"\x89ccollections\nOrderedDict\n)RtR(K\x01tb."),
    }
    for name, pkl in cases.items():
        path = tmp_path / f"{name}.pth"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("archive/data.pkl", pkl)
            zf.writestr("archive/data/0", b"\x00" * 4)
            zf.writestr("archive/version", "3\n")
        if name == "dtype":
            with pytest.raises(pickle.UnpicklingError):
                torch.load(path, weights_only=True)
        with pytest.raises(CheckpointError, match="BUILD"):
            ember.load(path)
    assert ember.zeros(2).dtype is ember.float32 and torch.zeros(2).dtype is torch.float32


def test_safetensors_move_both_ways(tmp_path):
    st = pytest.importorskip("safetensors.torch")
    tensors = {name: torch.arange(6).reshape(2, 3).to(getattr(torch, name))
               for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool")}
    st.save_file(tensors, tmp_path / "t.safetensors")
    out = ember.load_file(tmp_path / "t.safetensors")
    for name, t in tensors.items():
        assert str(out[name].dtype) == f"ember.{name}"
        np.testing.assert_array_equal(out[name].numpy(), t.numpy())
    ember.save_file(out, tmp_path / "e.safetensors", metadata={"format": "pt"})
    back = st.load_file(tmp_path / "e.safetensors")
    for name, t in tensors.items():
        assert back[name].dtype == t.dtype and torch.equal(back[name], t)
    st.save_file({"h": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf.safetensors")
    with pytest.raises(SafetensorsError, match="tensor 'h' has dtype BF16: ember has no bfloat16 dtype"):
        ember.load_file(tmp_path / "bf.safetensors")


def test_mmap_and_safetensors_paths_as_in_pytorch(tmp_path):
    sd = {"w": torch.arange(6.0).reshape(2, 3), "b": torch.tensor([1, 2], dtype=torch.int16)}
    torch.save(sd, tmp_path / "m.pth")
    theirs = torch.load(tmp_path / "m.pth", mmap=True)
    ours = ember.load(tmp_path / "m.pth", mmap=True)
    for name in sd:
        np.testing.assert_array_equal(ours[name].numpy(), theirs[name].numpy())
    st = pytest.importorskip("safetensors.torch")
    st.save_file(sd, tmp_path / "m.safetensors")
    theirs = torch.load(tmp_path / "m.safetensors")
    ours = ember.load(tmp_path / "m.safetensors")
    assert list(ours) == list(theirs)
    for name in sd:
        np.testing.assert_array_equal(ours[name].numpy(), theirs[name].numpy())
    with pytest.raises(RuntimeError, match="dict or callable map_location"):
        ember.load(tmp_path / "m.safetensors", map_location=lambda s, loc: s)
    with pytest.raises(RuntimeError, match="callable map_location"):
        torch.load(tmp_path / "m.safetensors", map_location=lambda s, loc: s)


def test_sparse_coo_tensors_move_both_ways(tmp_path):
    path = tmp_path / "s.pth"
    i, v = [[0, 1, 1], [2, 0, 2]], [3.0, 4.0, 5.0]
    torch.save({"s": torch.sparse_coo_tensor(torch.tensor(i), torch.tensor(v), (2, 3)).coalesce()}, path)
    ours = ember.load(path)["s"]
    assert ours.layout is ember.sparse_coo and ours.is_coalesced()
    np.testing.assert_array_equal(ours.to_dense().numpy(), [[0, 0, 3], [4, 0, 5]])
    ember.save({"s": ember.sparse_coo_tensor(ember.tensor(i), ember.tensor(v), (2, 3)), "l": ember.sparse_coo}, path)
    theirs = torch.load(path)
    assert theirs["s"].layout is torch.sparse_coo and theirs["l"] is torch.sparse_coo
    np.testing.assert_array_equal(theirs["s"].to_dense().numpy(), [[0, 0, 3], [4, 0, 5]])
