"""The API coverage report (bench/api_coverage.py) against the installed torch: its exclusion
list names only things torch has, and no module's coverage falls below its recorded floor."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load():
    spec = importlib.util.spec_from_file_location("api_coverage", BENCH / "api_coverage.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["api_coverage"] = module   # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


api_coverage = _load()
ROWS = api_coverage.coverage()
AVAILABLE = [r for r in ROWS if r.available]


def test_every_module_has_an_entry_with_a_floor():
    exclusions = api_coverage.load_exclusions()
    labels = [label for label, _, _ in api_coverage.MODULES]
    assert sorted(exclusions) == sorted(labels)
    assert all(isinstance(exclusions[label].get("floor"), int) for label in labels)


@pytest.mark.parametrize("row", AVAILABLE, ids=[r.module for r in AVAILABLE])
def test_no_stale_exclusions(row):
    assert row.unused_patterns == [], f"{row.module}: these exclusions match nothing in torch any more"


@pytest.mark.parametrize("row", AVAILABLE, ids=[r.module for r in AVAILABLE])
def test_coverage_stays_above_its_floor(row):
    assert row.coverage >= row.floor, (f"{row.module}: coverage {row.coverage:.1f}% fell below its floor "
                                       f"{row.floor}%; missing: {row.missing}")


def test_every_exclusion_has_a_reason():
    for label, spec in api_coverage.load_exclusions().items():
        for pattern, reason in spec.get("exclude", {}).items():
            assert isinstance(reason, str) and len(reason) >= 3, (label, pattern)


def test_counts_add_up():
    for row in AVAILABLE:
        assert len(row.excluded) + len(row.has) + len(row.missing) == len(row.torch_names)
        assert not set(row.has) & set(row.missing)


def test_known_names_are_classified():
    by = {r.module: r for r in ROWS}
    assert "matmul" in by["torch"].has
    assert "jit" not in by["torch"].torch_names            # submodules are not names
    assert "quantize_per_tensor" in by["torch"].excluded
    assert "cholesky" in by["linalg"].has
    assert "eig" in by["linalg"].excluded


def test_command_line_lists_missing_names_and_prints_markdown():
    run = lambda *args: subprocess.run([sys.executable, str(BENCH / "api_coverage.py"), *args],  # noqa: E731
                                       capture_output=True, text=True, check=True).stdout
    by = {r.module: r for r in ROWS}
    assert run("--missing", "linalg").split() == by["linalg"].missing
    markdown = run("--markdown").splitlines()
    assert markdown[0] == "| module | torch names | excluded | ember has | coverage |"
    assert sum(line.startswith("| ") for line in markdown) == len(ROWS) + 1
    with pytest.raises(subprocess.CalledProcessError):
        run("--missing", "no.such.module")
