"""ember.save / ember.load (PyTorch's zip format) and safetensors files."""

import collections
import io
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import ember


def roundtrip(obj, tmp_path, **load_kwargs):
    path = tmp_path / "ckpt.pth"
    ember.save(obj, path)
    return ember.load(path, **load_kwargs)


@pytest.mark.parametrize("dtype", [ember.float16, ember.float32, ember.float64, ember.int8, ember.int16,
                                   ember.int32, ember.int64, ember.uint8, ember.bool])
def test_every_dtype_roundtrips(tmp_path, dtype):
    t = (ember.arange(6) % 3).to(dtype).reshape(2, 3)
    back = roundtrip(t, tmp_path)
    assert back.dtype is dtype and back.shape == (2, 3)
    np.testing.assert_array_equal(back.numpy(), t.numpy())


def test_nested_containers_and_plain_values(tmp_path):
    obj = {"state": {0: {"step": 3, "exp_avg": ember.ones(2)}}, "groups": [{"lr": 0.1, "params": [0]}],
           "name": "net", "shape": (2, 3), "flag": None, "dtype": ember.float64, "device": ember.device("cpu")}
    back = roundtrip(obj, tmp_path)
    assert back["groups"] == [{"lr": 0.1, "params": [0]}]
    assert back["name"] == "net" and back["shape"] == (2, 3) and back["flag"] is None
    assert back["dtype"] is ember.float64 and back["device"] == ember.device("cpu")
    np.testing.assert_array_equal(back["state"][0]["exp_avg"].numpy(), [1, 1])


def test_views_keep_sharing_storage(tmp_path):
    base = ember.arange(12.0).reshape(3, 4)
    back = roundtrip({"base": base, "t": base.T}, tmp_path)
    back["base"].add_(1)
    np.testing.assert_array_equal(back["t"].numpy(), (np.arange(12.0).reshape(3, 4) + 1).T)
    assert back["t"].stride() == (1, 4)


def test_state_dict_metadata_survives(tmp_path):
    sd = collections.OrderedDict(weight=ember.ones(2, 2))
    sd._metadata = collections.OrderedDict({"": {"version": 1}})
    back = roundtrip(sd, tmp_path)
    assert isinstance(back, collections.OrderedDict) and back._metadata == {"": {"version": 1}}


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    ember.save([ember.tensor([1, 2])], buf)
    buf.seek(0)
    assert ember.load(buf)[0].tolist() == [1, 2]


def test_archive_layout_is_pytorchs(tmp_path):
    path = tmp_path / "x.pth"
    ember.save({"a": ember.ones(3)}, path)
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert names[0] == "archive/data.pkl" and "archive/data/0" in names and "archive/version" in names
        for info in zf.infolist():
            data_offset = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert data_offset % 64 == 0, info.filename


def test_map_location_forms(tmp_path):
    path = tmp_path / "x.pth"
    ember.save({"a": ember.ones(2)}, path)
    assert ember.load(path, map_location="cpu")["a"].device == ember.device("cpu")
    assert ember.load(path, map_location={"cpu": "cpu"})["a"].device == ember.device("cpu")
    seen = []
    out = ember.load(path, map_location=lambda t, loc: seen.append(loc) or t * 2)
    assert seen == ["cpu"] and out["a"].tolist() == [2.0, 2.0]


def _evil_archive(path, payload):
    class Evil:
        def __reduce__(self):
            return (os.system, (payload,))

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps({"x": Evil()}, protocol=2))
        zf.writestr("archive/version", "3\n")


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    _evil_archive(path, f"touch {marker}")
    with pytest.raises(pickle.UnpicklingError, match=r"refused to load .*evil.pth.*'(posix|os)\.system'"):
        ember.load(path)
    assert not marker.exists()


def test_failed_save_leaves_previous_file_intact(tmp_path):
    path = tmp_path / "ckpt.pth"
    ember.save({"w": ember.ones(2)}, path)
    before = path.read_bytes()

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom mid-save")

    with pytest.raises(RuntimeError, match="boom mid-save"):
        ember.save({"w": ember.zeros(2), "bad": Unpicklable()}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pth"]


def test_killed_save_leaves_previous_file_intact(tmp_path):
    path = tmp_path / "ckpt.pth"
    ember.save({"w": ember.ones(2)}, path)
    before = path.read_bytes()
    # a process killed while writing a large checkpoint
    code = (f"import ember, os, signal\n"
            f"import ember.serialization.saving as s\n"
            f"orig = s._write_aligned\n"
            f"def dying(zf, name, data):\n"
            f"    orig(zf, name, data)\n"
            f"    if name.startswith('archive/data/'): os.kill(os.getpid(), signal.SIGKILL)\n"
            f"s._write_aligned = dying\n"
            f"ember.save({{'w': ember.zeros(100000)}}, {str(path)!r})\n")
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode != 0
    assert path.read_bytes() == before
    assert ember.load(path)["w"].tolist() == [1.0, 1.0]


def test_truncated_file_names_the_file(tmp_path):
    path = tmp_path / "ckpt.pth"
    ember.save({"w": ember.ones(1000)}, path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(RuntimeError, match="ckpt.pth"):
        ember.load(path)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        ember.load("nope.pth")


def test_unusable_saved_device_says_use_map_location(tmp_path):
    path = tmp_path / "x.pth"
    ember.save({"a": ember.ones(2)}, path)
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        ember.load(path, map_location="nodevice")


def test_safetensors_roundtrip(tmp_path):
    path = tmp_path / "w.safetensors"
    ember.save_file({"w": ember.arange(6.0).reshape(2, 3), "i": ember.tensor([1, 2])}, path, metadata={"k": "v"})
    back = ember.load_file(path)
    assert back["w"].shape == (2, 3) and back["i"].dtype is ember.int64
    np.testing.assert_array_equal(back["w"].numpy(), np.arange(6.0).reshape(2, 3))


def test_safetensors_rejects_non_tensors(tmp_path):
    with pytest.raises(TypeError, match="key 'w' is a list"):
        ember.save_file({"w": [1, 2]}, tmp_path / "x.safetensors")


def test_loaded_tensors_have_the_machines_byte_order(tmp_path):
    # kernels compare buffer formats: '<f4' views would be refused by the optimizers' group kernels
    back = roundtrip({"w": ember.ones(3), "h": ember.ones(2, dtype=ember.float16)}, tmp_path)
    ember.save_file({"w": ember.ones(3)}, tmp_path / "w.safetensors")
    for t in (back["w"], back["h"], ember.load_file(tmp_path / "w.safetensors")["w"]):
        assert t.numpy().dtype.isnative and memoryview(t.numpy()).format in ("f", "e")


def test_sparse_coo_tensors_roundtrip(tmp_path):
    i = ember.tensor([[0, 1, 1], [2, 0, 2]])
    s = ember.sparse_coo_tensor(i, ember.tensor([3.0, 4.0, 5.0]), (2, 3))
    back = roundtrip({"s": s, "layout": ember.sparse_coo, "dense": ember.ones(2)}, tmp_path)
    assert back["s"].layout is ember.sparse_coo and back["s"].shape == (2, 3) and back["s"].is_coalesced()
    np.testing.assert_array_equal(back["s"].to_dense().numpy(), s.to_dense().numpy())
    assert back["layout"] is ember.sparse_coo


def test_sparse_record_with_an_index_outside_its_size_is_refused(tmp_path):
    from ember.serialization import CheckpointError
    from ember.sparse.coo import make
    # made without sparse_coo_tensor's checks: index 7 in a dimension of size 2, as a crafted file would hold
    bad = make(ember.tensor([[0, 7]]), ember.tensor([1.0, 2.0]), (2,), coalesced=True)
    path = tmp_path / "bad.pth"
    ember.save(bad, path)
    with pytest.raises(CheckpointError, match="size is inconsistent with indices"):
        ember.load(path)
