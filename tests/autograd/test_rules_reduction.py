"""gradcheck of the reductions over all elements, one dim, several dims, keepdim."""

import math

import numpy as np
import pytest
from autograd_checks import check, rand

import ember

DIMS = [dict(), dict(dim=1), dict(dim=(0, 2)), dict(dim=-1, keepdim=True), dict(dim=(0, 1), keepdim=True)]


def _distinct(*shape):
    """Inputs without ties (extreme-picking reductions have kinks at ties)."""
    n = int(np.prod(shape))
    values = (np.random.default_rng(n).permutation(n).reshape(shape) + 0.3) / n - 0.5   # no zero, no ties of abs
    return ember.from_numpy(values).requires_grad_()


@pytest.mark.parametrize("kw", DIMS, ids=str)
@pytest.mark.parametrize("op", ["sum", "mean", "nansum", "logsumexp", "var", "std", "norm", "amax", "amin"])
def test_reduction(op, kw):
    x = _distinct(2, 3, 4)
    if op == "logsumexp" and "dim" not in kw:
        kw = dict(dim=(0, 1, 2))
    fn = getattr(ember, op)
    second = op not in ("amax", "amin")
    check(lambda t: fn(t, **kw), x, gradgrad=second)


@pytest.mark.parametrize("kw", [dict(), dict(dim=1), dict(dim=0, keepdim=True)], ids=str)
def test_prod_with_and_without_zeros(kw):
    x = rand(3, 4, low=0.5, high=1.5)
    check(lambda t: t.prod(**kw), x)
    data = x.detach().numpy().copy()
    data[1, 2] = 0.0
    data[0, 0] = 0.0
    check(lambda t: t.prod(**kw), ember.from_numpy(data).requires_grad_())


@pytest.mark.parametrize("p", [1, 2, 3, 0.5, math.inf, -math.inf])
def test_norm_orders(p):
    x = _distinct(3, 4)
    check(lambda t: ember.norm(t, p=p, dim=1), x, gradgrad=not math.isinf(p))
    check(lambda t: ember.norm(t, p=p), x, gradgrad=not math.isinf(p))


def test_var_std_corrections():
    x = rand(3, 5)
    for kw in (dict(correction=0), dict(unbiased=False, dim=1), dict(correction=2, dim=0, keepdim=True)):
        check(lambda t: t.var(**kw), x)
        check(lambda t: t.std(**kw), x)


def test_nanmean_and_nansum_skip_nan():
    x = ember.tensor([[1.0, math.nan, 3.0], [4.0, 5.0, math.nan]], dtype=ember.float64, requires_grad=True)
    ember.nanmean(x, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, 0.0, 0.5], [0.5, 0.5, 0.0]])
    x.grad = None
    x.nansum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    check(lambda t: ember.nanmean(t, dim=0), rand(3, 2))


@pytest.mark.parametrize("kw", [dict(dim=1), dict(dim=0, keepdim=True), dict(dim=-1)], ids=str)
@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_along_dim(op, kw):
    check(lambda t: getattr(t, op)(**kw)[0], _distinct(3, 4))


def test_max_over_all_elements_shares_ties_evenly():
    x = ember.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    y = x.max()
    assert y.grad_fn.name() == "MaxBackward1"
    y.backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]
    x.grad = None
    x.amax(0).backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


def test_max_dim_indices_do_not_require_grad():
    x = rand(3, 4)
    values, indices = x.max(1)
    assert values.grad_fn.name() == "MaxBackward0" and not indices.requires_grad


@pytest.mark.parametrize("op", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumulative(op, dim):
    check(lambda t: getattr(t, op)(dim), rand(3, 4, low=0.5, high=1.5))


def test_cumprod_with_zeros():
    x = ember.tensor([[2.0, 0.0, 3.0, 4.0], [0.0, 1.5, 0.0, 2.0]], dtype=ember.float64, requires_grad=True)
    check(lambda t: t.cumprod(1), x)
    check(lambda t: t.cumprod(0), x)


def test_sum_with_dtype_casts_gradient_back():
    x = ember.ones(2, 3, requires_grad=True)
    y = x.sum(dtype=ember.float64)
    assert y.dtype is ember.float64
    y.backward()
    assert x.grad.dtype is ember.float32 and x.grad.tolist() == [[1.0] * 3] * 2


def test_grad_fn_names():
    x = rand(2, 3)
    assert x.sum().grad_fn.name() == "SumBackward0"
    assert x.sum(1).grad_fn.name() == "SumBackward1"
    assert x.mean().grad_fn.name() == "MeanBackward0"
    assert x.mean(0).grad_fn.name() == "MeanBackward1"
    assert x.prod(1).grad_fn.name() == "ProdBackward1"
    assert x.var().grad_fn.name() == "VarBackward0"
    assert x.norm().grad_fn.name() == "LinalgVectorNormBackward0"
    assert x.logsumexp(1).grad_fn.name() == "LogsumexpBackward0"
