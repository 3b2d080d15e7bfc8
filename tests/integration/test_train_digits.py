"""The main job, run briefly: it trains to at least 97% test accuracy and resumes from its checkpoint."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_example():
    spec = importlib.util.spec_from_file_location("train_digits", ROOT / "examples" / "train_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_trains_to_97_percent_and_resumes(tmp_path, capsys):
    example = load_example()
    out = tmp_path / "run"
    example.main(["--epochs", "3", "--out", str(out), "--quiet"])
    assert (out / "checkpoint.pth").exists()
    assert list((out / "tensorboard").glob("events.out.tfevents.*"))
    first = capsys.readouterr().out
    assert "epoch  3: validation accuracy" in first

    accuracy = example.main(["--epochs", "6", "--out", str(out), "--quiet"])
    second = capsys.readouterr().out
    assert "resuming from" in second and "after epoch 3" in second
    assert "epoch  1:" not in second and "epoch  4:" in second
    assert accuracy >= 0.97
