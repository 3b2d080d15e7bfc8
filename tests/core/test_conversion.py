"""Conversions: NumPy, DLPack, Python values, dtypes, iteration, copies."""

import numpy as np
import pytest

import ember


def test_dlpack_round_trip_shares_memory():
    arr = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ember.from_dlpack(arr)
    t[0, 0] = 42
    assert arr[0, 0] == 42
    back = np.from_dlpack(t)
    back[1, 2] = -1
    assert t[1, 2].item() == -1


def test_numpy_shares_memory():
    t = ember.zeros(3)
    t.numpy()[1] = 5
    assert t.tolist() == [0.0, 5.0, 0.0]


def test_python_values():
    t = ember.tensor([[1.5, 2.0]])
    assert t.tolist() == [[1.5, 2.0]] and isinstance(t.tolist()[0][0], float)
    assert ember.tensor(3).item() == 3 and isinstance(ember.tensor(3).item(), int)
    assert float(ember.tensor([2.5])) == 2.5 and int(ember.tensor(7.9)) == 7 and bool(ember.tensor([1]))
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        ember.ones(2).item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(ember.ones(2))


def test_len_and_iteration():
    t = ember.arange(6).reshape(3, 2)
    assert len(t) == 3
    assert [row.tolist() for row in t] == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1.0))


def test_dtype_conversions_and_type_strings():
    t = ember.tensor([1.7, -2.2])
    assert t.long().tolist() == [1, -2] and t.long().dtype is ember.int64
    assert t.to(ember.float64).dtype is ember.float64 and t.double().dtype is ember.float64
    assert t.type() == "ember.FloatTensor" and t.type(ember.int32).dtype is ember.int32
    assert t.type("ember.LongTensor").dtype is ember.int64
    assert t.to(t) is t and t.float() is t


def test_clone_and_copy_():
    a = ember.tensor([1.0, 2.0])
    b = a.clone()
    b += 1
    assert a.tolist() == [1.0, 2.0]
    c = ember.zeros(2, 2, dtype=ember.int32)
    c.copy_(ember.tensor([1.9, 2.9]))
    assert c.tolist() == [[1, 2], [1, 2]] and c._version == 1
    with pytest.raises(RuntimeError, match="must match the size"):
        c.copy_(ember.ones(3))
