"""Checkpoints move both ways between ember and PyTorch."""

import numpy as np
import pytest

import ember

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
