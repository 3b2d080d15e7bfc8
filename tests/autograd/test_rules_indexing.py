"""gradcheck of indexing, setitem, gather/scatter and masks."""

import numpy as np
import pytest
from autograd_checks import check, rand

import ember

I = lambda *v: ember.tensor(list(v))  # noqa: E731 - int64 index tensors


GETITEM = [
    ("int", lambda x: x[1]),
    ("neg_int", lambda x: x[-1, 2]),
    ("slice", lambda x: x[1:3]),
    ("step", lambda x: x[::2, 1::2]),
    ("ellipsis_none", lambda x: x[..., None, 1]),
    ("tensor_index", lambda x: x[I(0, 2, 0)]),
    ("two_tensors", lambda x: x[I(0, 1), I(3, 3)]),
    ("mixed", lambda x: x[1:, I(0, 0, 2)]),
    ("mask", lambda x: x[x.detach() > 0]),
    ("list", lambda x: x[[0, 2]]),
]


@pytest.mark.parametrize("name,fn", GETITEM, ids=[g[0] for g in GETITEM])
def test_getitem(name, fn):
    check(fn, rand(3, 4, contiguous=False))


def test_getitem_grad_fn_names():
    x = rand(3, 4)
    assert x[0].grad_fn.name() == "SelectBackward0"
    assert x[1:].grad_fn.name() == "SliceBackward0"
    assert x[I(0, 1)].grad_fn.name() == "IndexBackward0"


def test_setitem_records_index_put():
    x, v = rand(3, 4), rand(4)
    def f(x, v):
        y = x * 1
        y[1] = v
        y[I(0, 2), I(1, 1)] = v[:2] * 3
        return y
    check(f, x, v)


def test_setitem_scalar_and_slice_into_buffer():
    w = rand(2)
    buf = ember.zeros(4, dtype=ember.float64)
    buf[1:3] = w * 2
    assert buf.requires_grad
    (buf * ember.arange(4)).sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_index_put_accumulate():
    x, v = rand(4), rand(3)
    check(lambda x, v: x.index_put((I(0, 0, 3),), v, accumulate=True), x, v)
    check(lambda x, v: x.index_put((I(1, 2, 3),), v), x, v)


def test_gather_scatter_family():
    x = rand(3, 4)
    idx = I([0, 2], [1, 1], [3, 0])
    src = rand(3, 2)
    check(lambda x: x.gather(1, idx), x)
    check(lambda x, s: x.scatter(1, idx[:, :1], s[:, :1]), x, src)   # distinct targets per row
    check(lambda x: x.scatter(1, idx, 2.5), x)
    check(lambda x, s: x.scatter_add(1, idx, s), x, src)
    check(lambda x: ember.take_along_dim(x, idx, 1), x)
    check(lambda x: ember.take_along_dim(x, I(0, 5, 11), None), x)


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin", "prod"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    x = rand(3, 4, low=0.5, high=1.5)
    src = rand(3, 3, low=0.5, high=1.5)
    idx = I([0, 0, 2], [1, 3, 3], [2, 2, 2])
    check(lambda x, s: x.scatter_reduce(1, idx, s, reduce, include_self=include_self), x, src,
          gradgrad=reduce in ("sum", "mean"))


def test_scatter_reduce_prod_with_zeros():
    x = ember.tensor([[2.0, 0.0, 3.0]], dtype=ember.float64, requires_grad=True)
    src = ember.tensor([[0.0, 5.0, 4.0]], dtype=ember.float64, requires_grad=True)
    idx = I([0, 1, 1])
    check(lambda x, s: x.scatter_reduce(1, idx, s, "prod"), x, src, gradgrad=False)


def test_index_select_add_copy_fill():
    x = rand(4, 3)
    src = rand(2, 3)
    idx = I(3, 1)
    check(lambda x: x.index_select(0, I(0, 2, 2)), x)
    check(lambda x, s: x.index_add(0, idx, s, alpha=2.0), x, src)
    check(lambda x, s: x.index_copy(0, idx, s), x, src)
    check(lambda x: x.index_fill(1, I(0, 2), -1.0), x)


def test_masks_and_take():
    x = rand(3, 4)
    mask = ember.from_numpy(np.array([True, False, True, True]))
    check(lambda x: x.masked_fill(mask, 0.5), x)
    check(lambda x: x.masked_select(mask), x)
    check(lambda x: ember.masked_select(x[0], ember.ones(2, 4, dtype=ember.bool)), x)   # x broadcasts
    check(lambda x: x.take(I(0, 11, 5, 5)), x)
    value = rand()
    check(lambda x, v: x.masked_fill(mask, v), x, value)
