"""Sorting and order statistics against NumPy and hand computations."""

import itertools
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _data(dtype, shape, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    high = 4 if ties else 100
    return (rng.integers(0, high, shape) if dtype[0] in "iu" else rng.integers(0, high, shape) + rng.random(shape)
            * (0 if ties else 1)).astype(dtype)


def _non_contiguous(x):
    return ember.tensor(np.ascontiguousarray(x.T)).t() if x.ndim == 2 else ember.tensor(x)


def _stable_desc(x, axis):
    """Indices of a stable descending sort: equal values keep their order."""
    n = x.shape[axis]
    keyed = np.moveaxis(x, axis, -1)
    out = np.empty(keyed.shape, np.int64)
    for pos in np.ndindex(*keyed.shape[:-1]):
        row = keyed[pos]
        out[pos] = sorted(range(n), key=lambda i: (-_rank(row[i]), i))
    return np.moveaxis(out, -1, axis)


def _rank(v):
    return np.inf if isinstance(v, float | np.floating) and np.isnan(v) else float(v)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_sort_and_argsort_against_numpy(dtype, dim):
    x = _data(dtype, (5, 6), ties=True)
    t = _non_contiguous(x)
    d = dim % 2
    values, indices = ember.sort(t, dim=dim, stable=True)
    expected_idx = np.argsort(x, axis=d, kind="stable")
    np.testing.assert_array_equal(indices.numpy(), expected_idx)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, expected_idx, axis=d))
    assert values.dtype.name == dtype and indices.dtype is ember.int64
    desc = t.sort(dim, descending=True)
    np.testing.assert_array_equal(desc.indices.numpy(), _stable_desc(x, d))
    np.testing.assert_array_equal(desc.values.numpy(), np.take_along_axis(x, _stable_desc(x, d), axis=d))
    np.testing.assert_array_equal(ember.argsort(t, dim, descending=True).numpy(), _stable_desc(x, d))
    np.testing.assert_array_equal(t.argsort(dim).numpy(), expected_idx)


def test_sort_puts_nan_above_everything():
    t = ember.tensor([2., float("nan"), -float("inf"), 1., float("nan"), float("inf")])
    values, indices = t.sort()
    assert indices.tolist() == [2, 3, 0, 5, 1, 4]
    values, indices = t.sort(descending=True)
    assert indices.tolist() == [1, 4, 5, 0, 3, 2]
    assert np.isnan(values.numpy()[:2]).all()


def test_sort_result_is_a_named_tuple_with_pytorch_repr():
    result = ember.sort(ember.tensor([3, 1, 2]))
    values, indices = result
    assert result.values is values and result[1] is indices
    assert repr(result) == ("ember.return_types.sort(\nvalues=tensor([1, 2, 3]),\nindices=tensor([1, 2, 0]))")
    assert type(ember.topk(ember.tensor([1.]), 1)).__name__ == "topk"


def test_sort_zero_dim_and_empty():
    values, indices = ember.sort(ember.tensor(3.))
    assert values.item() == 3. and indices.item() == 0 and indices.shape == ()
    values, indices = ember.sort(ember.zeros(0, 3), dim=0)
    assert values.shape == (0, 3) and indices.shape == (0, 3)
    with pytest.raises(IndexError, match=r"^Dimension out of range \(expected to be in range of \[-2, 1\], "
                                         r"but got 2\)$"):
        ember.sort(ember.zeros(2, 2), 2)


def test_msort():
    x = _data("float32", (4, 3))
    np.testing.assert_array_equal(ember.msort(_non_contiguous(x)).numpy(), np.sort(x, axis=0))


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=6),
                  elements=st.floats(-5, 5, width=32) | st.just(np.nan)),
       st.data())
def test_sort_property(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    descending = data.draw(st.booleans())
    values, indices = ember.sort(ember.tensor(x), dim, descending)
    d = dim % x.ndim
    expected = _stable_desc(x, d) if descending else np.argsort(x, axis=d, kind="stable")
    np.testing.assert_array_equal(indices.numpy(), expected)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, expected, axis=d))


@pytest.mark.parametrize("n, k", [(10, 1), (10, 3), (10, 10), (200, 5), (200, 150), (7, 0)])
@pytest.mark.parametrize("largest", [True, False])
def test_topk_against_sort(n, k, largest):
    rng = np.random.default_rng(n + k)
    x = rng.permutation(n * 3).reshape(3, n).astype(np.float32)   # distinct values: one right answer
    t = _non_contiguous(x) if n < 50 else ember.tensor(x)
    values, indices = ember.topk(t, k, largest=largest)
    order = np.argsort(-x if largest else x, axis=1)[:, :k]
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, order, axis=1))
    values0, indices0 = t.topk(min(k, 3), dim=0, largest=largest)
    order0 = np.argsort(-x if largest else x, axis=0)[:min(k, 3)]
    np.testing.assert_array_equal(indices0.numpy(), order0)


def test_topk_nan_is_largest_and_errors():
    t = ember.tensor([1., float("nan"), 3.])
    assert ember.topk(t, 1).indices.tolist() == [1]
    assert ember.topk(t, 2, largest=False).indices.tolist() == [0, 2]
    assert ember.topk(ember.tensor(3.), 1).values.item() == 3.
    for k in (4, -1):
        with pytest.raises(RuntimeError, match="^selected index k out of range$"):
            ember.topk(t, k)
    with pytest.raises(RuntimeError, match="^selected index k out of range$"):
        ember.topk(ember.tensor(3.), 2)


@pytest.mark.parametrize("keepdim", [False, True])
def test_kthvalue_against_partition(keepdim):
    rng = np.random.default_rng(5)
    x = rng.permutation(24).reshape(4, 6).astype(np.float64)
    t = _non_contiguous(x)
    for k in (1, 3, 6):
        values, indices = ember.kthvalue(t, k, 1, keepdim)
        expected = np.partition(x, k - 1, axis=1)[:, k - 1:k]
        np.testing.assert_array_equal(values.numpy(), expected if keepdim else expected[:, 0])
        np.testing.assert_array_equal(np.take_along_axis(x, indices.numpy().reshape(4, 1), 1), expected)
    values, indices = t.kthvalue(2, dim=0)
    np.testing.assert_array_equal(values.numpy(), np.sort(x, axis=0)[1])
    assert ember.kthvalue(ember.tensor([1., float("nan"), 0.]), 3).indices.item() == 1
    for k in (0, 7):
        with pytest.raises(RuntimeError, match="^kthvalue\\(\\): selected number k out of range for dimension 1$"):
            ember.kthvalue(t, k, 1)


def test_median_lower_middle_and_nan():
    x = np.array([[4., 1., 3., 2.], [7., 5., 6., 8.], [1., np.nan, 0., 2.]])
    t = _non_contiguous(x)
    values, indices = ember.median(t, 1)
    np.testing.assert_array_equal(values.numpy(), [2., 6., np.nan])
    assert indices.tolist() == [3, 2, 1]   # PyTorch: the first NaN's index
    assert ember.median(t[:2]).item() == 4.   # lower median of 8 values
    assert np.isnan(ember.median(t).item())
    assert ember.median(ember.tensor([1, 2, 3, 4])).item() == 2
    assert np.isnan(ember.median(ember.tensor([])).item())
    values, indices = t.median(0, keepdim=True)
    assert values.shape == (1, 4)
    np.testing.assert_array_equal(values.numpy(), [[4., np.nan, 3., 2.]])
    values, indices = ember.nanmedian(t, 1)
    np.testing.assert_array_equal(values.numpy(), [2., 6., 1.])
    assert x[2, indices[2].item()] == 1.
    assert ember.nanmedian(t).item() == np.sort(x[~np.isnan(x)])[(np.sum(~np.isnan(x)) - 1) // 2]
    assert ember.median(ember.zeros(0, 3), 1).values.shape == (0,)


def _mode_ref(row):
    counts = Counter(row.tolist())
    best = max(counts.values())
    value = min(v for v, c in counts.items() if c == best)
    return value, max(i for i, v in enumerate(row.tolist()) if v == value)


@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "bool"])
def test_mode_against_counter(dtype):
    x = _data(dtype, (5, 9), seed=7, ties=True)
    t = _non_contiguous(x)
    values, indices = ember.mode(t)
    for r in range(5):
        assert (values[r].item(), indices[r].item()) == _mode_ref(x[r])
    values, indices = t.mode(0, keepdim=True)
    assert values.shape == (1, 9)
    for c in range(9):
        assert (values[0, c].item(), indices[0, c].item()) == _mode_ref(x[:, c])
    assert ember.mode(ember.tensor([1., 2, 2, 1, 3, 1, 2])).indices.item() == 5


@pytest.mark.parametrize("dtype", ["float32", "int64", "int8", "bool"])
def test_unique_against_numpy(dtype):
    x = _data(dtype, (4, 5), seed=3, ties=True)
    t = _non_contiguous(x)
    values, inverse, counts = ember.unique(t, return_inverse=True, return_counts=True)
    ev, ei, ec = np.unique(x, return_inverse=True, return_counts=True)
    np.testing.assert_array_equal(values.numpy(), ev)
    np.testing.assert_array_equal(inverse.numpy(), ei.reshape(x.shape))
    np.testing.assert_array_equal(counts.numpy(), ec)
    assert inverse.dtype is ember.int64 and counts.dtype is ember.int64
    np.testing.assert_array_equal(t.unique().numpy(), ev)
    values, inverse = ember.unique(t, dim=1, return_inverse=True)
    ev, ei = np.unique(x, axis=1, return_inverse=True)
    np.testing.assert_array_equal(values.numpy(), ev)
    np.testing.assert_array_equal(inverse.numpy(), ei.reshape(-1))


def test_unique_keeps_nans_apart_and_zero_dim():
    values, counts = ember.unique(ember.tensor([3., 1., 1., float("nan"), float("nan")]), return_counts=True)
    assert values.shape == (4,) and counts.tolist() == [2, 1, 1, 1]
    values, inverse, counts = ember.unique(ember.tensor(3), return_inverse=True, return_counts=True)
    assert values.tolist() == [3] and inverse.shape == () and counts.tolist() == [1]


def test_unique_consecutive_against_groupby():
    x = np.array([3, 3, 1, 1, 3, 2, 2, 2])
    values, inverse, counts = ember.unique_consecutive(ember.tensor(x), return_inverse=True, return_counts=True)
    groups = [(k, len(list(g))) for k, g in itertools.groupby(x.tolist())]
    assert values.tolist() == [k for k, _ in groups]
    assert counts.tolist() == [n for _, n in groups]
    assert inverse.tolist() == [0, 0, 1, 1, 2, 3, 3, 3]
    m = np.array([[1, 1, 2, 2, 1], [0, 0, 5, 5, 0]])
    values, counts = ember.tensor(m).unique_consecutive(return_counts=True, dim=1)
    assert values.tolist() == [[1, 2, 1], [0, 5, 0]] and counts.tolist() == [2, 2, 1]


def test_out_arguments_receive_the_results():
    values, indices = ember.empty(0), ember.empty(0, dtype=ember.int64)
    result = ember.sort(ember.tensor([3., 1., 2.]), descending=True, out=(values, indices))
    assert result.values is values and result.indices is indices
    assert values.tolist() == [3., 2., 1.] and indices.tolist() == [0, 2, 1]
    values, indices = ember.empty(0), ember.empty(0, dtype=ember.int64)
    ember.topk(ember.tensor([3., 1., 2.]), 2, out=(values, indices))
    assert values.tolist() == [3., 2.] and indices.tolist() == [0, 2]
    out = ember.empty(0)
    assert ember.msort(ember.tensor([[2.], [1.]]), out=out) is out and out.tolist() == [[1.], [2.]]
