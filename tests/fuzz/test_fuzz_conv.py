"""Differential fuzzing of ember's conv kernels against PyTorch (see README.md and family_conv.py)."""

from campaign import fuzz_family


def test_conv_agrees_with_pytorch():
    problems = fuzz_family("family_conv")
    assert not problems, "\n".join(problems)
