"""Sorting and order statistics, ember against PyTorch on random inputs."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]


def _same(e, t):
    if isinstance(t, tuple):
        assert type(e).__name__ == type(t).__name__ and len(e) == len(t)
        for a, b in zip(e, t):
            _same(a, b)
        return
    assert tuple(e.shape) == tuple(t.shape)
    assert e.dtype.name == str(t.dtype).replace("torch.", "")
    np.testing.assert_array_equal(e.numpy(), t.numpy())


def _both(fn):
    _same(fn(ember), fn(torch))


def _sample(rng, shape, dtype, ties):
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if ties:
        return rng.integers(0, 4, shape).astype(dtype)
    n = int(np.prod(shape))
    values = rng.permutation(n)  # distinct: one right answer for unstable sorts and selections
    if dtype in ("int8", "uint8") and n > 120:
        values = values % 120
    return values.reshape(shape).astype(dtype)


def _case(seed):
    rng = np.random.default_rng(seed)
    ndim = 1 + seed % 3
    shape = tuple(int(n) for n in rng.integers(1, 6, ndim))
    return rng, shape, int(rng.integers(-ndim, ndim))


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_argsort_parity(seed, dtype):
    rng, shape, dim = _case(seed)
    ties = _sample(rng, shape, dtype, ties=True)
    for descending in (False, True):
        _both(lambda lib: lib.sort(lib.tensor(ties), dim=dim, descending=descending, stable=True))
        _both(lambda lib: lib.argsort(lib.tensor(ties), dim=dim, descending=descending, stable=True))
    if dtype != "bool":
        distinct = _sample(rng, shape, dtype, ties=False)
        _both(lambda lib: lib.tensor(distinct).sort(dim))
        _both(lambda lib: lib.tensor(distinct).argsort(dim, descending=True))
        _both(lambda lib: lib.msort(lib.tensor(distinct)))


@pytest.mark.parametrize("seed", range(4))
def test_sort_nan_parity(seed):
    rng, shape, dim = _case(seed)
    x = rng.integers(0, 4, shape).astype(np.float32)
    x[rng.random(shape) < 0.3] = np.nan
    x[rng.random(shape) < 0.1] = np.inf
    for descending in (False, True):
        _both(lambda lib: lib.sort(lib.tensor(x), dim=dim, descending=descending, stable=True))
    _both(lambda lib: lib.topk(lib.tensor(x.reshape(-1)), min(3, x.size)).values)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8"])
def test_topk_kthvalue_parity(seed, dtype):
    rng, shape, dim = _case(seed)
    x = _sample(rng, shape, dtype, ties=False)
    n = shape[dim]
    for k in sorted({0, 1, n // 2, n}):
        for largest in (True, False):
            _both(lambda lib: lib.topk(lib.tensor(x), k, dim, largest))
    for k in sorted({1, (n + 1) // 2, n}):
        for keepdim in (False, True):
            _both(lambda lib: lib.kthvalue(lib.tensor(x), k, dim, keepdim))


def test_topk_partial_selection_parity():
    x = np.random.default_rng(0).permutation(3000).reshape(3, 1000).astype(np.float32)
    for largest in (True, False):
        _both(lambda lib: lib.topk(lib.tensor(x), 7, largest=largest))
        _both(lambda lib: lib.topk(lib.tensor(x.T.copy()), 2, dim=0, largest=largest))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int16"])
def test_median_parity(seed, dtype):
    rng, shape, dim = _case(seed)
    x = _sample(rng, shape, dtype, ties=False)
    if dtype.startswith("float") and seed % 2:
        x[rng.random(shape) < 0.3] = np.nan
    _both(lambda lib: lib.median(lib.tensor(x)))
    _both(lambda lib: lib.nanmedian(lib.tensor(x)))
    for keepdim in (False, True):
        _both(lambda lib: lib.median(lib.tensor(x), dim, keepdim))
        _both(lambda lib: lib.tensor(x).nanmedian(dim, keepdim))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("dtype", ["float32", "int64", "uint8", "bool"])
def test_mode_parity(seed, dtype):
    rng, shape, dim = _case(seed)
    x = _sample(rng, shape, dtype, ties=True)
    for keepdim in (False, True):
        _both(lambda lib: lib.mode(lib.tensor(x), dim, keepdim))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("dtype", ["float32", "int64", "int8", "bool"])
def test_unique_parity(seed, dtype):
    rng, shape, dim = _case(seed)
    x = _sample(rng, shape, dtype, ties=True)
    for inverse in (False, True):
        for counts in (False, True):
            _both(lambda lib: lib.unique(lib.tensor(x), return_inverse=inverse, return_counts=counts))
            _both(lambda lib: lib.unique(lib.tensor(x), dim=dim, return_inverse=inverse, return_counts=counts))
            _both(lambda lib: lib.unique_consecutive(lib.tensor(x), return_inverse=inverse, return_counts=counts))
            _both(lambda lib: lib.unique_consecutive(lib.tensor(x), return_inverse=inverse, return_counts=counts,
                                                     dim=dim))


def test_zero_dim_and_empty_parity():
    for fn in [
        lambda lib: lib.sort(lib.tensor(3.)),
        lambda lib: lib.topk(lib.tensor(3.), 1),
        lambda lib: lib.kthvalue(lib.tensor(3.), 1),
        lambda lib: lib.median(lib.tensor(3.), 0),
        lambda lib: lib.mode(lib.tensor(3.)),
        lambda lib: lib.unique(lib.tensor(3), return_inverse=True, return_counts=True),
        lambda lib: lib.sort(lib.zeros(0, 3), 0),
        lambda lib: lib.topk(lib.zeros(2, 0), 0),
        lambda lib: lib.median(lib.zeros(0, 3), 1),
        lambda lib: lib.unique(lib.zeros(0)),
    ]:
        _both(fn)
    assert np.isnan(ember.median(ember.tensor([])).item()) and np.isnan(torch.median(torch.tensor([])).item())


def test_named_tuple_repr_parity():
    x = np.array([[3., 1., 2.], [0., 5., 4.]], dtype=np.float32)
    for fn in [lambda lib: lib.sort(lib.tensor(x)), lambda lib: lib.topk(lib.tensor(x), 2),
               lambda lib: lib.kthvalue(lib.tensor(x), 2), lambda lib: lib.median(lib.tensor(x), 1),
               lambda lib: lib.mode(lib.tensor(x), 0), lambda lib: lib.nanmedian(lib.tensor(x), 1)]:
        assert repr(fn(ember)) == repr(fn(torch)).replace("torch.", "ember.")


ERRORS = [
    lambda lib: lib.topk(lib.zeros(3), 4),
    lambda lib: lib.topk(lib.zeros(3), -1),
    lambda lib: lib.topk(lib.tensor(3.), 2),
    lambda lib: lib.kthvalue(lib.zeros(3, 4), 0, 1),
    lambda lib: lib.kthvalue(lib.zeros(3, 4), 5),
    lambda lib: lib.kthvalue(lib.zeros(3, 4), 4, -2),
    lambda lib: lib.sort(lib.zeros(3, 4), 2),
    lambda lib: lib.argsort(lib.zeros(3), -2),
    lambda lib: lib.median(lib.zeros(3, 0), 1),
    lambda lib: lib.mode(lib.zeros(3), 1),
    lambda lib: lib.unique(lib.zeros(3, 4), dim=2),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_error_parity(case):
    with pytest.raises(Exception) as expected:
        ERRORS[case](torch)
    with pytest.raises(type(expected.value)) as got:
        ERRORS[case](ember)
    assert str(got.value) == str(expected.value).split("\n")[0]
