"""gradcheck of sorting and order statistics."""

import numpy as np
import pytest
from autograd_checks import check

import ember


def distinct(*shape):
    n = int(np.prod(shape))
    values = (np.random.default_rng(7).permutation(n).reshape(shape) + 0.3) / n
    return ember.from_numpy(values).requires_grad_()


@pytest.mark.parametrize("name,fn", [
    ("sort", lambda x: x.sort(1)[0]),
    ("sort_desc", lambda x: x.sort(0, descending=True)[0]),
    ("topk", lambda x: x.topk(2, 1)[0]),
    ("topk_smallest", lambda x: x.topk(2, 0, largest=False)[0]),
    ("kthvalue", lambda x: x.kthvalue(2, 1)[0]),
    ("kthvalue_keepdim", lambda x: x.kthvalue(1, 0, keepdim=True)[0]),
    ("median_dim", lambda x: x.median(1)[0]),
    ("median_all", lambda x: x.median()),
    ("nanmedian_dim", lambda x: x.nanmedian(0)[0]),
    ("msort", lambda x: ember.msort(x)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_order_statistics(name, fn):
    check(fn, distinct(3, 5))


def test_mode_gradient_goes_to_the_reported_index():
    x = ember.tensor([[1.0, 2.0, 2.0, 3.0]], requires_grad=True)
    values, indices = x.mode(1)
    values.sum().backward()
    expected = [0.0] * 4
    expected[indices.item()] = 1.0
    assert x.grad.tolist() == [expected]


def test_median_over_all_shares_ties():
    x = ember.tensor([1.0, 2.0, 2.0, 5.0, 0.0], requires_grad=True)
    x.median().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0, 0.0]


def test_unique_is_not_differentiable():
    x = ember.tensor([1.0, 2.0, 2.0], requires_grad=True)
    u = ember.unique(x)
    assert u.grad_fn.name() == "Unique2Backward0"
    with pytest.raises(RuntimeError, match="^the derivative for '_unique2' is not implemented.$"):
        u.sum().backward()


def test_argsort_result_does_not_require_grad():
    assert not distinct(4).argsort().requires_grad
