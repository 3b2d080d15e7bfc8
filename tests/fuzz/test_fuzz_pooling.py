"""Differential fuzzing of ember's pooling kernels against PyTorch (see README.md and family_pooling.py)."""

from campaign import fuzz_family


def test_pooling_agrees_with_pytorch():
    problems = fuzz_family("family_pooling")
    assert not problems, "\n".join(problems)
