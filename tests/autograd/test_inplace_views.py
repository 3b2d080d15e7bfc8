"""In-place ops on views rewrite their base's history (CopySlices)."""

import numpy as np
import pytest
from autograd_checks import check, rand

import ember


def test_inplace_on_a_view_of_a_non_leaf():
    x = rand(3, 4)

    def f(x):
        y = x * 1
        y[1].mul_(3)
        y[:, 2].add_(x[0, :3].sum())
        return y

    check(f, x)
    y = x * 1
    y[0].mul_(2)
    assert y.grad_fn.name() == "CopySlices"


def test_view_reads_the_new_history():
    x = rand(2, 3)

    def f(x):
        y = x * 1
        row = y[0]
        row.mul_(x[1])            # row is a view of y: y and row both change
        return row * 2 + y.sum()

    check(f, x)


def test_copy_into_a_view_of_a_buffer():
    w = rand(2)
    buf = ember.zeros(3, 2, dtype=ember.float64)
    buf[1].copy_(w * 2)           # the view of buf was made before buf required grad
    assert buf.requires_grad and buf.grad_fn.name() == "CopySlices"
    (buf * ember.arange(6, dtype=ember.float64).reshape(3, 2)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 6.0])


def test_inplace_on_a_chain_of_views():
    x = rand(4, 4)

    def f(x):
        y = x * 1
        y.view(2, 8)[1, 2:6].mul_(x[0]).add_(x[0])
        return y

    check(f, x)


def test_setitem_on_view():
    x, v = rand(3, 4), rand(2)

    def f(x, v):
        y = x.clone()
        y[0][1:3] = v
        return y

    check(f, x, v)


def test_inplace_on_a_view_of_a_leaf_is_refused():
    x = rand(3)
    before = x.tolist()
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation.$"):
        x[0].mul_(2)
    assert x.tolist() == before           # refused before anything was written
    with ember.no_grad():
        x[0].mul_(2)
    assert x.is_leaf
