"""isclose / allclose / equal, by hand."""

import math

import pytest

import ember


def test_isclose_by_hand():
    a = ember.tensor([1.0, 2.0, math.inf, -math.inf, math.nan, 0.0])
    b = ember.tensor([1.0 + 1e-7, 2.1, math.inf, math.inf, math.nan, 1e-9])
    assert ember.isclose(a, b).tolist() == [True, False, True, False, False, True]
    assert ember.isclose(a, b, equal_nan=True).tolist() == [True, False, True, False, True, True]
    assert a.isclose(b, rtol=0, atol=0).tolist() == [False, False, True, False, False, False]
    assert ember.isclose(ember.tensor([[1.0], [3.0]]), ember.tensor([1.0, 1.5]), atol=0.6).tolist() == \
        [[True, True], [False, False]]  # broadcast


def test_isclose_integers_and_errors():
    assert ember.isclose(ember.tensor([1, 5]), ember.tensor([2, 5])).tolist() == [False, True]
    assert ember.isclose(ember.tensor([1, 5]), ember.tensor([2, 5]), atol=1.5).tolist() == [True, True]
    with pytest.raises(RuntimeError, match="did not match"):
        ember.isclose(ember.ones(1), ember.ones(1, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="rtol must be greater than or equal to zero, but got -1"):
        ember.isclose(ember.ones(1), ember.ones(1), rtol=-1)


def test_allclose_and_equal():
    assert ember.allclose(ember.ones(3), ember.ones(3) + 1e-9)
    assert not ember.ones(3).allclose(ember.tensor([1.0, 1.0, 1.1]))
    assert ember.equal(ember.arange(4), ember.arange(4)) is True
    assert ember.equal(ember.arange(4), ember.arange(3)) is False
    assert ember.equal(ember.ones(2, 2), ember.ones(4)) is False  # same elements, other shape
    assert ember.ones(2).equal(ember.ones(2, dtype=ember.int64)) is True
    assert ember.equal(ember.tensor([math.nan]), ember.tensor([math.nan])) is False
    with pytest.raises(TypeError, match="argument 'other' must be Tensor, not list"):
        ember.equal(ember.ones(1), [1.0])
