"""Complete programs in the style of public PyTorch examples run under ember and under PyTorch.

Each file in tests/programs/ with a ``__main__`` block is a program written for ember; renaming
`ember.vision` to `torchvision` and `ember` to `torch` gives the PyTorch program (that is the
port-by-renaming promise, read backwards; tests/parity imports some of the same programs).
Both run in child processes at the same time. Each program prints lines with `loss: <value>`
(it checks its own invariants, such as a reloaded model agreeing, and exits non-zero when one
fails). ember must exit cleanly, print as many losses, all finite, and make at least half of the
progress PyTorch makes from the first printed loss to the last. The random streams differ (ember
is not bit-compatible with PyTorch's generator), so only the trend is compared, not the values.
"""

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parents[1] / "programs"
LOSS = re.compile(r"\bloss: (\S+)")
TIMEOUT = 600


def to_torch(source: str) -> str:
    return re.sub(r"\bember\b", "torch", re.sub(r"\bember\.vision\b", "torchvision", source))


def start(script: Path) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    return subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env, cwd=script.parent)


def finish(process: subprocess.Popen, name: str) -> list[float]:
    try:
        out, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{name} did not finish in {TIMEOUT} s")
    assert process.returncode == 0, f"{name} exited with {process.returncode}:\n{out}"
    return [float(v) for v in LOSS.findall(out)]


@pytest.mark.slow
@pytest.mark.parametrize("program", sorted(p.name for p in PROGRAMS.glob("*.py")
                                            if 'if __name__ == "__main__":' in p.read_text()))
def test_program_runs_after_the_rename_with_pytorchs_loss_trend(program, tmp_path):
    pytest.importorskip("torch", reason="the integration env installs torch as the oracle")
    for path in PROGRAMS.glob("*.py"):   # the program and the helpers it imports from beside it
        (tmp_path / path.name).write_text(to_torch(path.read_text()))
    torch_script = tmp_path / program
    ours, theirs = start(PROGRAMS / program), start(torch_script)
    torch_losses = finish(theirs, f"{program} under PyTorch")
    ember_losses = finish(ours, f"{program} under ember")

    assert len(ember_losses) == len(torch_losses)
    assert all(math.isfinite(v) for v in ember_losses), ember_losses
    if torch_losses:
        first, last = torch_losses[0], torch_losses[-1]
        allowed = last + 0.5 * abs(first - last) + 0.1 * abs(last)
        assert ember_losses[-1] <= allowed, f"ember {ember_losses} against PyTorch {torch_losses}"
