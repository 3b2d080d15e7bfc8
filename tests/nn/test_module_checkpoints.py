"""Whole modules and optimizer states through ember.save/ember.load (ember-core's serialization
with ember-nn's classes; moved from tests/core, where ember-nn is not installed, so they ran nowhere)."""

import io
import os

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.serialization import CheckpointError, get_unsafe_globals_in_checkpoint, safe_globals


def test_weights_only_false_maps_pytorch_names_to_embers():
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", b"\x80\x02ctorch.nn.modules.activation\nReLU\n)\x81.")
    buf.seek(0)
    assert type(ember.load(buf, weights_only=False)).__module__ == "ember.nn.modules.activation"


def test_whole_module_saves_and_loads(tmp_path):
    ember.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3))
    model.eval()
    path = tmp_path / "model.pth"
    ember.save(model, path)
    with pytest.raises(CheckpointError, match=r"'ember.nn.modules.container.Sequential'.*weights_only=False"):
        ember.load(path)
    assert set(get_unsafe_globals_in_checkpoint(path)) == {
        "ember.nn.modules.container.Sequential", "ember.nn.modules.conv.Conv2d",
        "ember.nn.modules.batchnorm.BatchNorm2d", "ember.nn.modules.activation.ReLU",
        "ember.nn.modules.flatten.Flatten", "ember.nn.modules.linear.Linear"}
    x = ember.randn(2, 1, 4, 4)
    for loaded in (ember.load(path, weights_only=False),
                   _with_module_globals(nn, path)):
        assert type(loaded) is nn.Sequential and not loaded.training
        np.testing.assert_array_equal(loaded(x).detach().numpy(), model(x).detach().numpy())
        assert isinstance(loaded[0].weight, nn.Parameter) and loaded[0].weight.requires_grad
        loaded[4].weight.data.add_(1)  # the loaded model owns its parameters
    assert os.path.exists(path)


def _with_module_globals(nn, path):
    with safe_globals([nn.Sequential, nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.Flatten, nn.Linear]):
        return ember.load(path)


def test_optimizer_checkpoint_loads_weights_only(tmp_path):
    model = nn.Linear(3, 2)
    opt = ember.optim.Adam(model.parameters(), lr=0.01)
    model(ember.ones(1, 3)).sum().backward()
    opt.step()
    path = tmp_path / "ckpt.pth"
    ember.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, path)
    out = ember.load(path)
    opt2 = ember.optim.Adam(model.parameters(), lr=0.01)
    opt2.load_state_dict(out["opt"])
    assert out["epoch"] == 3 and opt2.state_dict()["state"][0]["step"] == opt.state_dict()["state"][0]["step"]
