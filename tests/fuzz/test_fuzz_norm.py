"""Differential fuzzing of ember's norm kernels against PyTorch (see README.md and family_norm.py)."""

from campaign import fuzz_family


def test_norm_agrees_with_pytorch():
    problems = fuzz_family("family_norm")
    assert not problems, "\n".join(problems)
