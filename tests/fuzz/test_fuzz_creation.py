"""Differential fuzzing of ember's creation kernels against PyTorch (see README.md and family_creation.py)."""

from campaign import fuzz_family


def test_creation_agrees_with_pytorch():
    problems = fuzz_family("family_creation")
    assert not problems, "\n".join(problems)
