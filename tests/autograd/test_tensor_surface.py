"""What a tensor that requires grad shows and refuses (moved from tests/core, where ember-autograd
is not installed, so these ran nowhere)."""

import pytest

import ember


def test_numpy_refuses_grad_tensors():
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad"):
        ember.zeros(2, requires_grad=True).numpy()


def test_requires_grad_suffix():
    assert repr(ember.tensor([1., 2.], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
