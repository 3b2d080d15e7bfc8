"""The fuzzers compare ember with PyTorch (a test-time oracle). An environment without torch
fails them at collection unless it says explicitly that it skips them."""

import importlib.util
import os

import pytest

if importlib.util.find_spec("torch") is None:
    if os.environ.get("EMBER_FUZZ_WITHOUT_TORCH") != "skip":
        raise pytest.UsageError(
            "tests/fuzz compares ember with PyTorch: install torch==2.13.0 (tox -e fuzz, tox -e sanitize do), "
            "or set EMBER_FUZZ_WITHOUT_TORCH=skip to skip the fuzzers on purpose")
    collect_ignore_glob = ["test_*.py"]
