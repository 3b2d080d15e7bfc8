import numpy as np
import pytest

import ember


def test_add_broadcasts_and_promotes():
    a = ember.ones(2, 3)
    b = ember.arange(3)
    out = a + b
    assert out.dtype is ember.float32
    np.testing.assert_array_equal(out.numpy(), np.ones((2, 3)) + np.arange(3))


def test_int_tensor_plus_float_scalar_is_float32():
    assert (ember.tensor([1, 2], dtype=ember.int32) + 1.5).dtype is ember.float32
    assert (ember.tensor([1, 2]) + 1).dtype is ember.int64
    assert (ember.tensor([True]) + 1).dtype is ember.int64


def test_zero_dim_tensor_does_not_widen_dimensioned_one():
    a = ember.ones(3, dtype=ember.float32)
    b = ember.tensor(2.0, dtype=ember.float64)
    assert (a * b).dtype is ember.float32
    assert (ember.ones(3, dtype=ember.int32) * b).dtype is ember.float64


def test_from_numpy_shares_memory():
    arr = np.zeros(3, dtype=np.float32)
    t = ember.from_numpy(arr)
    t += 1
    np.testing.assert_array_equal(arr, [1, 1, 1])
    assert t._version == 1


def test_requires_grad_on_int_refused():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.ones(2, dtype=ember.int64).requires_grad_()


def test_inplace_int_from_float_refused():
    t = ember.ones(2, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        t += 1.5


def test_python_floats_keep_the_requested_precision():
    assert ember.tensor([0.1], dtype=ember.float64).item() == 0.1
    assert ember.tensor(0.1, dtype=ember.float64).item() == 0.1
    assert ember.tensor([0.1]).dtype is ember.float32


def test_writing_into_an_expanded_tensor_is_refused():
    x = ember.zeros(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single "
                                           "memory location"):
        x += 1
