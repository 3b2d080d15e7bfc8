"""Writing into a tensor whose elements share memory (an ``expand()``ed view) is refused with
PyTorch's error, not NumPy's "assignment destination is read-only"."""

import numpy as np
import pytest

import ember

OVERLAP = (r"^unsupported operation: more than one element of the written-to tensor refers to a single memory "
           r"location \(a tensor of shape \[3(, 2)?\] expanded from fewer elements\)\. Please clone\(\) the tensor "
           r"before performing the operation\.$")


def _expanded():
    return ember.zeros(1).expand(3)


WRITES = {
    "add_": lambda t: t.add_(1),
    "add_ tensor": lambda t: t.add_(ember.ones(3)),
    "iadd": lambda t: t.__iadd__(1),
    "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(2.0),
    "copy_": lambda t: t.copy_(ember.ones(3)),
    "fill_": lambda t: t.fill_(1.0),
    "zero_": lambda t: t.zero_(),
    "setitem": lambda t: t.__setitem__(0, 1.0),
    "setitem index": lambda t: t.__setitem__(ember.tensor([0, 2]), 1.0),
    "index_put_": lambda t: t.index_put_((ember.tensor([0]),), ember.tensor(1.0)),
    "masked_fill_": lambda t: t.masked_fill_(ember.tensor([True, False, True]), 1.0),
    "index_fill_": lambda t: t.index_fill_(0, ember.tensor([1]), 1.0),
    "scatter_": lambda t: t.scatter_(0, ember.tensor([1]), 1.0),
    "exp_": lambda t: t.exp_(),
    "clamp_": lambda t: t.clamp_(0, 1),
    "relu_": lambda t: t.relu_(),
    "uniform_": lambda t: t.uniform_(),
    "normal_": lambda t: t.normal_(),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_writes_into_an_expanded_view_raise_pytorchs_error(write):
    base = ember.zeros(1)
    t = base.expand(3)
    with pytest.raises(RuntimeError, match=OVERLAP):
        write(t)
    assert base.tolist() == [0.0]   # nothing was written


def test_index_add_into_an_expanded_matrix_raises():
    with pytest.raises(RuntimeError, match=OVERLAP):
        ember.zeros(1, 2).expand(3, 2).index_add_(0, ember.tensor([0]), ember.ones(1, 2))


def test_an_expanded_view_is_readable_and_its_clone_writable():
    t = _expanded()
    assert (t + 1).tolist() == [1.0, 1.0, 1.0]
    c = t.clone()
    c.add_(1)
    assert c.tolist() == [1.0, 1.0, 1.0]
    one = ember.zeros(1).expand(1)   # expanding to the same size shares no element twice
    one.add_(1)
    assert one.tolist() == [1.0]


def test_a_read_only_numpy_array_cannot_be_written_through_its_tensor():
    arr = np.zeros(3, np.float32)
    arr.flags.writeable = False
    t = ember.from_numpy(arr)
    for write in (lambda: t.add_(1), lambda: t.fill_(1.0), lambda: t.__setitem__(0, 1.0)):
        with pytest.raises(RuntimeError, match=r"^cannot write into a tensor of shape \[3\] whose memory is read-only"):
            write()
    np.testing.assert_array_equal(arr, 0)
