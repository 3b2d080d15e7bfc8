"""Parameter and Buffer."""

import copy
import pickle

import numpy as np
import pytest

import ember
import ember.nn as nn


def test_parameter_shares_memory_and_requires_grad():
    data = ember.zeros(2, 3)
    p = nn.Parameter(data)
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    data[0, 0] = 5.0
    assert float(p[0, 0]) == 5.0
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    assert nn.Parameter().shape == (0,)


def test_parameter_repr():
    p = nn.Parameter(ember.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert repr(nn.Parameter(ember.tensor([1.0]), requires_grad=False)) == "Parameter containing:\ntensor([1.])"


def test_parameter_results_of_ops_are_tensors():
    p = nn.Parameter(ember.ones(2))
    assert type(p * 2) is ember.Tensor


def test_integer_parameter_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point and complex dtype can require gradients"):
        nn.Parameter(ember.tensor([1, 2]))


def test_parameter_deepcopy_and_pickle():
    p = nn.Parameter(ember.tensor([1.0, 2.0]))
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    q.data.fill_(0)
    assert float(p.sum()) == 3.0
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, nn.Parameter)
    np.testing.assert_array_equal(r.detach().numpy(), [1.0, 2.0])


def test_non_tensor_data_refused():
    with pytest.raises(TypeError, match="expected a Tensor"):
        nn.Parameter([1.0])


def test_buffer_flag():
    b = nn.Buffer(ember.ones(1), persistent=False)
    assert b.persistent is False and not b.requires_grad
