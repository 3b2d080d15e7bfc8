"""Reductions and softmax against PyTorch on randomised inputs: values, shapes, dtypes, named
tuples and their repr, and the exception type and message for inputs PyTorch refuses."""


import numpy as np
import pytest
from outcomes import assert_same, assert_same_message, outcome

import ember

torch = pytest.importorskip("torch")

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
FLOATS = ["float16", "float32", "float64"]
TOL = {"float16": dict(rtol=5e-3, atol=5e-3), "float32": dict(rtol=1e-5, atol=1e-5),
       "float64": dict(rtol=1e-10, atol=1e-12)}


def sample(dtype: str, shape=(3, 4, 5), seed=0, special=False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "uint8":
        return rng.integers(0, 5, shape).astype(dtype)
    if dtype.startswith("int"):
        return rng.integers(-4, 5, shape).astype(dtype)
    arr = rng.standard_normal(shape).astype(dtype)
    if special and arr.size >= 3:
        flat = arr.reshape(-1)
        flat[:3] = [np.nan, np.inf, -np.inf]
        rng.shuffle(flat)
    return arr


def pair(arr, permuted=False):
    """The same values as ember and torch tensors; ``permuted`` makes both non-contiguous views."""
    if permuted and arr.ndim == 3:
        base = np.ascontiguousarray(np.moveaxis(arr, 0, -1))
        return ember.from_numpy(base.copy()).permute(2, 0, 1), torch.from_numpy(base.copy()).permute(2, 0, 1)
    return ember.from_numpy(arr.copy()), torch.from_numpy(arr.copy())


def check(call, *arrays, permuted=False, message=True):
    """``call(module, *tensors)`` on ember and torch tensors holding ``arrays``; compare outcomes."""
    pairs = [pair(a, permuted) for a in arrays]
    ours, our_err = outcome(lambda: call(ember, *[p[0] for p in pairs]))
    theirs, their_err = outcome(lambda: call(torch, *[p[1] for p in pairs]))
    if their_err is not None:
        assert our_err is not None, f"PyTorch raised {type(their_err).__name__}: {their_err}, ember did not"
        assert type(our_err) is type(their_err), f"{our_err!r} vs {their_err!r}"
        if message:
            assert_same_message(our_err, their_err)
    else:
        assert our_err is None, f"ember raised {our_err!r}; PyTorch returned {theirs}"
        assert_same(ours, theirs, TOL)
    return ours


DIMS = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2), ()]
DIM_IDS = [str(d) for d in DIMS]


def dim_kwargs(dim):
    return {} if dim is None else {"dim": dim}


@pytest.mark.parametrize("name", ["sum", "mean", "nansum", "amax", "amin", "all", "any", "count_nonzero"])
@pytest.mark.parametrize("dtype", NAMES)
@pytest.mark.parametrize("dim", DIMS, ids=DIM_IDS)
def test_multi_dim_reductions(name, dtype, dim):
    arr = sample(dtype, seed=hash((name, dtype)) % 1000, special=name in ("sum", "mean", "amax", "amin"))
    for permuted in (False, True):
        if name == "count_nonzero":
            check(lambda m, x: m.count_nonzero(x, **dim_kwargs(dim)), arr, permuted=permuted)
            continue
        if dim is None and name in ("sum", "mean", "nansum"):  # no keepdim without dim in PyTorch (ember allows it)
            check(lambda m, x: getattr(m, name)(x), arr, permuted=permuted)
            check(lambda m, x: getattr(x, name)(), arr, permuted=permuted)
            continue
        for keepdim in (False, True):
            check(lambda m, x: getattr(m, name)(x, **dim_kwargs(dim), keepdim=keepdim), arr, permuted=permuted)
            check(lambda m, x: getattr(x, name)(**dim_kwargs(dim), keepdim=keepdim), arr, permuted=permuted)


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "nansum", "cumsum", "cumprod"])
@pytest.mark.parametrize("src", ["bool", "int32", "float16", "float32"])
@pytest.mark.parametrize("dst", ["int64", "float32", "float64"])
def test_dtype_argument(name, src, dst):
    arr = sample(src, seed=3)
    if name in ("cumsum", "cumprod"):
        check(lambda m, x: getattr(m, name)(x, 1, dtype=getattr(m, dst)), arr)
    else:
        check(lambda m, x: getattr(m, name)(x, dtype=getattr(m, dst)), arr)
        check(lambda m, x: getattr(m, name)(x, 1, dtype=getattr(m, dst)), arr)


@pytest.mark.parametrize("dtype", NAMES)
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod(dtype, dim, keepdim):
    arr = sample(dtype, (3, 4, 3), seed=5) if dtype != "float16" else sample(dtype, (3, 4, 3), seed=5) * 0.5
    if dim is None:
        check(lambda m, x: m.prod(x), arr)
    else:
        check(lambda m, x: m.prod(x, dim, keepdim), arr, permuted=True)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dtype", NAMES)
def test_max_min(name, dtype):
    arr = sample(dtype, seed=6)
    if dtype in FLOATS:  # distinct values: PyTorch documents no rule for ties
        arr = (np.random.default_rng(7).permutation(60) - 30).astype(dtype).reshape(3, 4, 5)
    for permuted in (False, True):
        check(lambda m, x: getattr(m, name)(x), arr, permuted=permuted)
        for dim in (0, 1, -1, 2):
            for keepdim in (False, True):
                if dtype in FLOATS:
                    check(lambda m, x: getattr(m, name)(x, dim, keepdim), arr, permuted=permuted)
                    check(lambda m, x: getattr(x, name)(dim=dim, keepdim=keepdim), arr, permuted=permuted)
                else:  # ties: compare the values, and that the indices point at them
                    check(lambda m, x: getattr(m, name)(x, dim, keepdim).values, arr, permuted=permuted)
                    values, indices = getattr(ember, name)(ember.from_numpy(arr), dim, True)
                    picked = np.take_along_axis(arr, indices.numpy(), axis=dim)
                    np.testing.assert_array_equal(picked, values.numpy())
    check(lambda m, x, y: getattr(m, name)(x, y), arr, sample(dtype, (4, 5), seed=8))


def test_max_returns_the_first_of_equal_values_like_pytorch_cpu():
    arr = np.array([[3, 1, 3, 0], [2, 2, 2, 2], [0, 5, 5, 1]], dtype=np.int64)
    for name in ("max", "min", "argmax", "argmin"):
        check(lambda m, x: getattr(m, name)(x, 1), arr)
        check(lambda m, x: getattr(m, name)(x, 0), arr)


def test_nan_in_extremes():
    arr = np.array([[1.0, np.nan, 3.0], [4.0, 5.0, 6.0], [np.nan, np.nan, 0.0]])
    for name in ("max", "min", "argmax", "argmin", "amax", "amin"):
        check(lambda m, x: getattr(m, name)(x), arr)
        check(lambda m, x: getattr(m, name)(x, 1), arr)
        check(lambda m, x: getattr(m, name)(x, 0), arr)


def test_named_tuple_repr():
    arr = np.array([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]], dtype=np.float32)
    for name in ("max", "min"):
        ours = getattr(ember, name)(ember.from_numpy(arr), 1)
        theirs = getattr(torch, name)(torch.from_numpy(arr), 1)
        assert repr(ours) == repr(theirs).replace("torch.", "ember.")
    ours, theirs = ember.aminmax(ember.from_numpy(arr), dim=0), torch.aminmax(torch.from_numpy(arr), dim=0)
    assert repr(ours) == repr(theirs).replace("torch.", "ember.")


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("dtype", NAMES)
def test_argmax_argmin(name, dtype):
    arr = sample(dtype, seed=9)
    if dtype in FLOATS:
        arr = np.random.default_rng(10).permutation(np.arange(60, dtype=dtype)).reshape(3, 4, 5)
    for dim in (None, 0, 1, -1):
        for keepdim in (False, True):
            check(lambda m, x: getattr(m, name)(x, dim, keepdim), arr, permuted=True)


def test_aminmax():
    for dtype in NAMES[1:]:
        arr = sample(dtype, seed=11)
        check(lambda m, x: m.aminmax(x), arr)
        check(lambda m, x: m.aminmax(x, dim=1, keepdim=True), arr, permuted=True)


@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", DIMS, ids=DIM_IDS)
def test_var_std(name, dtype, dim):
    arr = sample(dtype, seed=12)
    for correction in (0, 1, 2, 0.5):
        for keepdim in (False, True):
            check(lambda m, x: getattr(m, name)(x, **dim_kwargs(dim), correction=correction, keepdim=keepdim), arr,
                  permuted=True)
    if dim not in (None, ()):
        check(lambda m, x: getattr(m, name)(x, dim, False, True), arr)
        check(lambda m, x: getattr(m, name)(x, dim, unbiased=True), arr)
    check(lambda m, x: getattr(m, name)(x, False), arr)
    check(lambda m, x: getattr(m, name)(x), arr)


def test_var_degenerate_counts_and_errors():
    check(lambda m, x: m.var(x), np.array([1.0], dtype=np.float32))
    check(lambda m, x: m.std(x, 0, correction=5), sample("float32", (3, 2)))
    check(lambda m, x: m.var(x), np.array(2.5, dtype=np.float32))
    check(lambda m, x: m.var(x), np.zeros((0, 3), dtype=np.float32))
    for dtype in ("bool", "int64"):
        check(lambda m, x: m.var(x), sample(dtype))
        check(lambda m, x: m.std(x, 0), sample(dtype))


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, 0, -1, float("inf"), float("-inf"), "fro"], ids=str)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [None, 0, -1, (0, 2), (1, 0)], ids=str)
def test_norm(p, dtype, dim):
    arr = sample(dtype, seed=13)
    for keepdim in (False, True):
        check(lambda m, x: m.norm(x, p, dim, keepdim), arr, permuted=True)
        check(lambda m, x: x.norm(p=p, dim=dim, keepdim=keepdim), arr)


def test_norm_dtype_and_errors():
    arr = sample("float32", seed=14)
    check(lambda m, x: m.norm(x, dtype=m.float64), arr)
    check(lambda m, x: m.norm(x, 1, 1, dtype=m.float64), arr)
    check(lambda m, x: m.norm(x, dtype=m.int64), arr)
    check(lambda m, x: m.norm(x, dtype=m.float16), arr)
    check(lambda m, x: m.norm(x), sample("int64"))
    check(lambda m, x: m.norm(x, "bad"), arr)
    check(lambda m, x: m.norm(x, "fro", (0, 1, 2)), arr)
    check(lambda m, x: m.norm(x, "fro", 1), arr)
    empty = np.zeros((0, 3), np.float32)
    for p in (2, 1, float("inf"), float("-inf")):
        check(lambda m, x: m.norm(x, p), empty)
        check(lambda m, x: m.norm(x, p, 1), empty)
        check(lambda m, x: m.norm(x, p, 0), empty)


@pytest.mark.parametrize("dtype", NAMES)
@pytest.mark.parametrize("dim", [0, -1, (0, 2), (1, 0, 2)], ids=str)
def test_logsumexp(dtype, dim):
    arr = sample(dtype, seed=15) * (30 if dtype in ("float32", "float64") else 1)
    for keepdim in (False, True):
        check(lambda m, x: m.logsumexp(x, dim, keepdim), arr, permuted=True)
        check(lambda m, x: x.logsumexp(dim, keepdim=keepdim), arr)


def test_logsumexp_extremes():
    arr = np.array([[1000.0, 1000.0, -np.inf], [-np.inf, -np.inf, -np.inf], [np.inf, 1.0, 2.0],
                    [-1000.0, -1000.5, -999.0]], dtype=np.float32)
    check(lambda m, x: m.logsumexp(x, 1), arr)
    check(lambda m, x: m.logsumexp(x, 0), arr)
    check(lambda m, x: m.logsumexp(x, 0), np.zeros((0, 3), np.float32))
    check(lambda m, x: m.logsumexp(x, 1), np.zeros((0, 3), np.float32))
    check(lambda m, x: m.logsumexp(x, 0), np.array(2.5, np.float32))


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("dtype", NAMES)
def test_cumulative(name, dtype):
    arr = sample(dtype, seed=16)
    for dim in (0, 1, 2, -1, -3):
        check(lambda m, x: getattr(m, name)(x, dim), arr, permuted=True)
        check(lambda m, x: getattr(x, name)(dim=dim), arr)
    check(lambda m, x: getattr(m, name)(x, 0), np.array(3, dtype=dtype))
    check(lambda m, x: getattr(m, name)(x, 0), np.zeros((0, 2), dtype=dtype))
    check(lambda m, x: getattr(m, name)(x, 3), arr)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", NAMES)
def test_softmax(name, dtype):
    arr = sample(dtype, seed=17) * (20 if dtype in ("float32", "float64") else 1)
    for dim in (0, 1, 2, -1):
        check(lambda m, x: getattr(m, name)(x, dim), arr, permuted=True)
        check(lambda m, x: getattr(x, name)(dim), arr)
        check(lambda m, x: getattr(m, name)(x, dim, dtype=m.float64), arr)


def test_softmax_edge_cases():
    for name in ("softmax", "log_softmax"):
        check(lambda m, x: getattr(m, name)(x, 1), np.array([[-np.inf, 0.0, 1.0], [-np.inf] * 3, [np.inf, 0.0, 1.0],
                                                             [1000.0, -1000.0, 0.0]], dtype=np.float32))
        check(lambda m, x: getattr(m, name)(x, 0), np.array(1.5, dtype=np.float32))
        check(lambda m, x: getattr(m, name)(x, 0), np.zeros((0, 3), dtype=np.float32))
        check(lambda m, x: getattr(m, name)(x, 1), np.zeros((0, 3), dtype=np.float32))
        check(lambda m, x: getattr(m, name)(x, 2), np.zeros((2, 3), dtype=np.float32))
        check(lambda m, x: getattr(m, name)(x, 0), np.array([1, 2], dtype=np.int64))
        check(lambda m, x: getattr(m, name)(x, 0, dtype=m.float16), np.array([1.0, 2.0], dtype=np.float32))


EMPTY_CALLS = {
    "sum": lambda m, x, d: m.sum(x, **d), "mean": lambda m, x, d: m.mean(x, **d), "prod": lambda m, x, d: m.prod(x),
    "max": lambda m, x, d: m.max(x, **d), "min": lambda m, x, d: m.min(x, **d), "amax": lambda m, x, d: m.amax(x, **d),
    "amin": lambda m, x, d: m.amin(x, **d), "argmax": lambda m, x, d: m.argmax(x, **d),
    "argmin": lambda m, x, d: m.argmin(x, **d), "var": lambda m, x, d: m.var(x, **d),
    "all": lambda m, x, d: m.all(x, **d), "any": lambda m, x, d: m.any(x, **d),
    "norm": lambda m, x, d: m.norm(x, **d), "logsumexp": lambda m, x, d: m.logsumexp(x, d.get("dim", 0)),
    "aminmax": lambda m, x, d: m.aminmax(x, **d),
}


@pytest.mark.parametrize("name", sorted(EMPTY_CALLS))
@pytest.mark.parametrize("dim", [None, 0, 1, -2])
def test_empty_inputs(name, dim):
    check(lambda m, x: EMPTY_CALLS[name](m, x, dim_kwargs(dim)), np.zeros((0, 3), np.float32))


@pytest.mark.parametrize("name", sorted(EMPTY_CALLS))
def test_zero_dim_inputs(name):
    for dim in (None, 0, -1, 1):
        check(lambda m, x: EMPTY_CALLS[name](m, x, dim_kwargs(dim)), np.array(-1.5, np.float32))


@pytest.mark.parametrize("call", [
    lambda m, x: m.sum(x, 3), lambda m, x: m.sum(x, (0, 0)), lambda m, x: m.amax(x, (1, -2)),
    lambda m, x: m.mean(x.long()), lambda m, x: m.mean(x, dtype=m.int32), lambda m, x: m.argmax(x > 0),
    lambda m, x: m.all(x, (0, 0)), lambda m, x: m.logsumexp(x), lambda m, x: m.cumsum(x),
    lambda m, x: m.nanmean(x.long()), lambda m, x: m.max(x, 5), lambda m, x: m.var(x.int()),
], ids=["dim-range", "dim-repeat", "amax-repeat", "mean-int", "mean-int-dtype", "argmax-bool", "all-repeat",
        "logsumexp-no-dim", "cumsum-no-dim", "nanmean-int", "max-dim-range", "var-int"])
def test_bad_arguments(call, request):
    # Python's own message for a missing argument differs in wording from PyTorch's parser
    check(call, sample("float32", (2, 3)), message="no-dim" not in request.node.callspec.id)


@pytest.mark.parametrize("call", [
    lambda m, x: m.sum(x, axis=1), lambda m, x: x.mean(axis=(0, 2), keepdims=True), lambda m, x: x.max(axis=1),
    lambda m, x: m.amin(x, axis=-1, keepdims=True), lambda m, x: x.argmax(axis=0), lambda m, x: x.var(axis=1),
    lambda m, x: x.cumsum(axis=2), lambda m, x: m.softmax(x, axis=1), lambda m, x: m.norm(x, dim=1),
], ids=["sum", "mean", "max", "amin", "argmax", "var", "cumsum", "softmax", "norm"])
def test_numpy_argument_names(call):
    check(call, sample("float32", seed=80))
