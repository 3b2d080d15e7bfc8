"""weights_only=True/False, ``add_safe_globals`` and friends, NumPy arrays and whole modules."""

import dataclasses
import importlib
import io
import pickle
import pickletools

import numpy as np
import pytest

import ember
from ember.serialization import (
    CheckpointError,
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    get_unsafe_globals_in_checkpoint,
    safe_globals,
)


@pytest.fixture(autouse=True)
def no_safe_globals():
    clear_safe_globals()
    yield
    clear_safe_globals()


@dataclasses.dataclass
class Config:
    lr: float
    layers: list


class Slotted:
    __slots__ = ("a",)

    def __eq__(self, other):
        return type(other) is Slotted and other.a == self.a


class RecordsSetstate:
    def __setstate__(self, state):
        self.seen = state


def saved(obj) -> io.BytesIO:
    buf = io.BytesIO()
    ember.save(obj, buf)
    buf.seek(0)
    return buf


# NumPy 2 pickles name numpy._core.multiarray._reconstruct, NumPy 1's numpy.core.multiarray._reconstruct
RECONSTRUCT = next(arg.replace(" ", ".") for op, arg, _ in pickletools.genops(pickle.dumps(np.arange(1.0), protocol=2))
                   if op.name == "GLOBAL" and arg.endswith("_reconstruct"))
MULTIARRAY = importlib.import_module(RECONSTRUCT.rsplit(".", 1)[0])
NUMPY_GLOBALS = [MULTIARRAY._reconstruct, np.ndarray, np.dtype, type(np.dtype(np.float64)),
                 type(np.dtype(np.int64)), MULTIARRAY.scalar]


def test_numpy_arrays_need_weights_only_false_or_safe_globals():
    buf = saved({"a": np.arange(6.0).reshape(2, 3), "i": np.int64(7), "t": ember.ones(2)})
    with pytest.raises(pickle.UnpicklingError, match=rf"'{RECONSTRUCT}'.*add_safe_globals"):
        ember.load(buf)
    buf.seek(0)
    out = ember.load(buf, weights_only=False)
    np.testing.assert_array_equal(out["a"], np.arange(6.0).reshape(2, 3))
    assert out["i"] == 7 and out["t"].tolist() == [1.0, 1.0]
    buf.seek(0)
    with safe_globals(NUMPY_GLOBALS):
        out = ember.load(buf)
    np.testing.assert_array_equal(out["a"], np.arange(6.0).reshape(2, 3))
    assert out["a"].dtype == np.float64 and out["i"] == 7
    assert get_safe_globals() == []


def test_numpy_dtype_class_must_be_allowed_to_build_it():
    buf = saved(np.arange(3.0))
    with safe_globals([MULTIARRAY._reconstruct, np.ndarray, np.dtype]):
        with pytest.raises(CheckpointError, match=r"BUILD .* applies to a Float64DType; only OrderedDicts"):
            ember.load(buf)


def test_numpy_1_names_match_numpy_2_objects():
    # the other NumPy's name for the reconstructor still matches the one allowed
    other = b"numpy.core.multiarray" if "._core." in RECONSTRUCT else b"numpy._core.multiarray"
    data = pickle.dumps(np.arange(2.0), protocol=2).replace(RECONSTRUCT.rsplit(".", 1)[0].encode(), other)
    assert other in data
    buf = io.BytesIO()
    import zipfile
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", data)
    buf.seek(0)
    with safe_globals(NUMPY_GLOBALS):
        np.testing.assert_array_equal(ember.load(buf), [0.0, 1.0])


def test_user_classes_under_safe_globals():
    slotted = Slotted()
    slotted.a = 3
    buf = saved({"config": Config(0.1, [64, 10]), "slotted": slotted, "w": ember.zeros(2)})
    assert get_unsafe_globals_in_checkpoint(buf) == [f"{__name__}.Config", f"{__name__}.Slotted"]
    buf.seek(0)
    with pytest.raises(CheckpointError, match=rf"'{__name__}.Config'"):
        ember.load(buf)
    add_safe_globals([Config, Slotted])
    assert get_safe_globals() == [Config, Slotted]
    buf.seek(0)
    assert get_unsafe_globals_in_checkpoint(buf) == []
    buf.seek(0)
    out = ember.load(buf)
    assert out["config"] == Config(0.1, [64, 10]) and out["slotted"] == slotted
    clear_safe_globals()
    assert get_safe_globals() == []


def test_safe_globals_by_name_and_its_checks():
    buf = saved(Config(1.0, []))
    with safe_globals([(Config, f"{__name__}.Config")]):
        assert ember.load(buf) == Config(1.0, [])
    with pytest.raises(ValueError, match="tuple of length 3"):
        add_safe_globals([(Config, "a", "b")])
    with pytest.raises(TypeError, match="dotted path as a str"):
        add_safe_globals([(Config, 3)])
    with pytest.raises(TypeError, match="no __module__ and __qualname__"):
        add_safe_globals([3])
    assert get_safe_globals() == []


def test_safe_globals_block_keeps_what_was_added_before():
    add_safe_globals([Config])
    with safe_globals([Config, Slotted]):
        assert set(get_safe_globals()) == {Config, Slotted}
    assert get_safe_globals() == [Config]


def test_allowed_class_setstate_runs_but_never_on_a_global():
    buf = saved(RecordsSetstate.__new__(RecordsSetstate))
    add_safe_globals([RecordsSetstate])
    ember.load(buf)  # no state to set: no BUILD
    import zipfile
    pkl = (b"\x80\x02c" + f"{__name__}\nRecordsSetstate\n".encode() + b")\x81}X\x01\x00\x00\x00kK\x01sb.")
    out = _load_pickle(pkl)
    assert out.seen == {"k": 1}
    # BUILD on the allowed class object itself (a GLOBAL) is refused
    with pytest.raises(CheckpointError, match="BUILD would change the type"):
        _load_pickle(b"\x80\x02c" + f"{__name__}\nRecordsSetstate\n".encode() + b"}X\x01\x00\x00\x00kK\x01sb.")
    assert not hasattr(RecordsSetstate, "k")
    del zipfile


def _load_pickle(pkl):
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
    buf.seek(0)
    return ember.load(buf)


def test_weights_only_false_still_checks_tensor_records(tmp_path):
    import struct
    import zipfile
    pkl = (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
           b"X\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQK\x00(J" + struct.pack("<i", 65536) + b"t(K\x01t\x89}tR.")
    path = tmp_path / "big.pth"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pkl)
        zf.writestr("archive/data/0", b"\x00" * 4)
    with pytest.raises(CheckpointError, match="big.pth': .*holds 4 bytes"):
        ember.load(path, weights_only=False)


def test_weights_only_false_runs_the_file_as_python_does(tmp_path):
    marker = tmp_path / "ran"

    class Runs:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    buf = saved({"x": Runs()})
    with pytest.raises(CheckpointError):
        ember.load(buf)
    assert not marker.exists()
    buf.seek(0)
    ember.load(buf, weights_only=False)["x"].close()
    assert marker.exists()  # the user's explicit choice, as in PyTorch


def test_weights_only_false_refuses_pytorch_names_ember_lacks():
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", b"\x80\x02ctorch.nosuch\nThing\n.")
    buf.seek(0)
    with pytest.raises(CheckpointError, match="PyTorch's 'torch.nosuch.Thing', which ember has no 'ember.nosuch"):
        ember.load(buf, weights_only=False)


def test_environment_forces_weights_only_either_way(tmp_path, monkeypatch):
    path = tmp_path / "c.pth"
    ember.save({"c": Config(1.0, [])}, path)
    monkeypatch.setenv("EMBER_FORCE_WEIGHTS_ONLY_LOAD", "1")
    with pytest.raises(CheckpointError, match="Config"):
        ember.load(path, weights_only=False)
    monkeypatch.setenv("EMBER_FORCE_NO_WEIGHTS_ONLY_LOAD", "true")
    with pytest.raises(RuntimeError, match="Only one of"):
        ember.load(path)
    monkeypatch.delenv("EMBER_FORCE_WEIGHTS_ONLY_LOAD")
    with pytest.warns(UserWarning, match="loading with weights_only=False"):
        assert ember.load(path)["c"] == Config(1.0, [])
    with pytest.raises(CheckpointError, match="Config"):  # an explicit weights_only=True still holds
        ember.load(path, weights_only=True)


def test_mmap_maps_records_copy_on_write(tmp_path):
    path = tmp_path / "m.pth"
    base = ember.arange(12.0).reshape(3, 4)
    ember.save({"w": base, "t": base.T, "empty": ember.zeros(0)}, path)
    before = path.read_bytes()
    out = ember.load(path, mmap=True)
    np.testing.assert_array_equal(out["t"].numpy(), np.arange(12.0).reshape(3, 4).T)
    out["w"].fill_(-1)
    assert out["t"][0, 0].item() == -1.0 and path.read_bytes() == before
    assert out["empty"].shape == (0,)
    with pytest.raises(ValueError, match="must be a file path in order to use the mmap argument"):
        ember.load(io.BytesIO(before), mmap=True)


def test_mmap_of_a_compressed_archive_reads_it(tmp_path):
    import zipfile
    path = tmp_path / "z.pth"
    ember.save({"w": ember.ones(3)}, path)
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(tmp_path / "d.pth", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    assert ember.load(tmp_path / "d.pth", mmap=True)["w"].tolist() == [1.0, 1.0, 1.0]


def test_safetensors_paths_load_through_load_file(tmp_path):
    ember.save_file({"w": ember.ones(2)}, tmp_path / "w.safetensors")
    assert ember.load(tmp_path / "w.safetensors", map_location="cpu")["w"].tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="dict or callable map_location is not supported"):
        ember.load(tmp_path / "w.safetensors", map_location={"cpu": "cpu"})
