"""Differential fuzzing of ember's optim kernels against PyTorch (see README.md and family_optim.py)."""

from campaign import fuzz_family


def test_optim_agrees_with_pytorch():
    problems = fuzz_family("family_optim")
    assert not problems, "\n".join(problems)
