"""Differential fuzzing of ember's indexing kernels against PyTorch (see README.md and family_indexing.py)."""

from campaign import fuzz_family


def test_indexing_agrees_with_pytorch():
    problems = fuzz_family("family_indexing")
    assert not problems, "\n".join(problems)
