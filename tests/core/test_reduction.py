"""Reductions and softmax checked against NumPy and hand computation: values, shapes, result
dtypes, dims (negative, tuples, keepdim), 0-d and empty inputs, layouts and error messages."""

import math
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
FLOATS = ["float16", "float32", "float64"]
TOL = {"float16": dict(rtol=5e-3, atol=5e-3), "float32": dict(rtol=1e-5, atol=1e-6),
       "float64": dict(rtol=1e-12, atol=1e-12)}


def sample(dtype: str, shape=(3, 4, 5), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "uint8":
        return rng.integers(0, 4, shape).astype(dtype)
    if dtype.startswith("int"):
        return rng.integers(-3, 4, shape).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def layouts(arr: np.ndarray):
    """``arr`` as a contiguous tensor, a strided one and a permuted view (same values)."""
    wide = np.repeat(arr, 2, axis=-1)
    strided = ember.from_numpy(wide[..., ::2])
    permuted = ember.from_numpy(np.ascontiguousarray(np.moveaxis(arr, 0, -1))).permute(2, 0, 1)
    assert not strided.is_contiguous() and not permuted.is_contiguous()
    return [ember.from_numpy(arr.copy()), strided, permuted]


def close(t, expected, dtype: str):
    expected = np.asarray(expected)
    assert t.dtype is getattr(ember, dtype), (t.dtype, dtype)
    assert tuple(t.shape) == expected.shape, (tuple(t.shape), expected.shape)
    if dtype in TOL:
        np.testing.assert_allclose(t.numpy().astype(np.float64), expected.astype(np.float64), equal_nan=True,
                                   **TOL[dtype])
    else:
        np.testing.assert_array_equal(t.numpy(), expected.astype(dtype))


DIMS = [None, 0, -1, (0, 2), (-1, 0, 1), ()]


def np_axis(dim):
    return None if dim == () else dim


# ------------------------------------------------------------------- sum, mean, prod

@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum(dtype, dim, keepdim):
    arr = sample(dtype)
    result = dtype if dtype in FLOATS else "int64"
    expected = np.sum(arr.astype(np.float64 if dtype in FLOATS else np.int64), axis=np_axis(dim), keepdims=keepdim)
    for t in layouts(arr):
        close(ember.sum(t, dim, keepdim), expected, result)
        close(t.sum(dim=dim, keepdim=keepdim), expected, result)


def test_sum_dtype_argument_and_small_ints():
    i8 = ember.tensor([100, 100], dtype=ember.int8)
    close(ember.sum(i8), 200, "int64")
    close(ember.sum(i8, dtype=ember.float64), 200.0, "float64")
    close(ember.sum(ember.tensor([[1.5, 2.5]]), 1, dtype=ember.int32), [3], "int32")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_mean(dtype, dim, keepdim):
    arr = sample(dtype)
    expected = np.mean(arr.astype(np.float64), axis=np_axis(dim), keepdims=keepdim)
    for t in layouts(arr):
        close(ember.mean(t, dim, keepdim), expected, dtype)
        close(t.mean(dim, keepdim), expected, dtype)


def test_mean_refuses_integers_without_float_dtype():
    i = ember.tensor([1, 2, 4])
    with pytest.raises(RuntimeError) as err:
        ember.mean(i)
    assert str(err.value) == ("mean(): could not infer output dtype. Input dtype must be either a floating point "
                              "or complex dtype. Got: Long")
    with pytest.raises(RuntimeError) as err:
        i.mean(dtype=ember.int32)
    assert str(err.value) == ("mean(): could not infer output dtype. Optional dtype must be either a floating "
                              "point or complex dtype. Got: Int")
    close(ember.mean(i, dtype=ember.float64), 7 / 3, "float64")
    close(ember.mean(ember.tensor([True, False]), dtype=ember.float32), 0.5, "float32")


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int32", "float32", "float64"])
@pytest.mark.parametrize("dim", [None, 0, -1, 1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod(dtype, dim, keepdim):
    arr = sample(dtype)
    result = dtype if dtype in FLOATS else "int64"
    expected = np.prod(arr.astype(np.float64 if dtype in FLOATS else np.int64), axis=dim,
                       keepdims=keepdim if dim is not None else False)
    for t in layouts(arr):
        close(ember.prod(t, dim, keepdim) if dim is not None else ember.prod(t), expected, result)
    with pytest.raises(TypeError, match="must be int, not tuple"):
        ember.prod(ember.ones(2, 2), (0, 1))


def test_nansum_nanmean_count_nonzero():
    x = ember.tensor([[1.0, float("nan")], [3.0, 0.0]])
    close(ember.nansum(x), 4.0, "float32")
    close(x.nanmean(0), [2.0, 0.0], "float32")
    close(ember.count_nonzero(x), 3, "int64")
    close(ember.count_nonzero(x, 1), [2, 1], "int64")
    close(ember.nansum(ember.tensor([1, 2])), 3, "int64")
    with pytest.raises(RuntimeError, match="nanmean\\(\\): expected input to have floating point"):
        ember.nanmean(ember.tensor([1]))


# ----------------------------------------------------------------------- extremes

@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_amax_amin(dtype, dim, keepdim):
    arr = sample(dtype)
    for t in layouts(arr):
        close(ember.amax(t, dim, keepdim), np.max(arr, axis=np_axis(dim), keepdims=keepdim), dtype)
        close(t.amin(dim, keepdim), np.min(arr, axis=np_axis(dim), keepdims=keepdim), dtype)


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_along_dim_return_values_and_first_indices(dtype, dim, keepdim):
    arr = sample(dtype)  # small integer ranges: many ties, the first index wins
    for name, arg in (("max", np.argmax), ("min", np.argmin)):
        for t in layouts(arr):
            result = getattr(ember, name)(t, dim, keepdim)
            assert type(result).__name__ == name and isinstance(result, tuple)
            values, indices = result
            idx = arg(arr, axis=dim, keepdims=True)
            expected_values = np.take_along_axis(arr, idx, axis=dim)
            if not keepdim:
                idx, expected_values = np.squeeze(idx, dim), np.squeeze(expected_values, dim)
            close(values, expected_values, dtype)
            close(indices, idx, "int64")
            assert result.values is values and result.indices is indices


def test_max_full_reduction_and_binary_form():
    x = ember.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    close(ember.max(x), 6.0, "float32")
    close(x.min(), 1.0, "float32")
    close(ember.max(x, ember.tensor([2.0, 2.0, 7.0])), [[2, 5, 7], [4, 2, 7]], "float32")
    close(x.max(ember.tensor(2.0)), [[2, 5, 3], [4, 2, 6]], "float32")
    close(ember.min(x, other=ember.tensor([2, 2, 2])), [[1, 2, 2], [2, 2, 2]], "float32")
    v, i = x.max(dim=1, keepdim=True)
    close(v, [[5.0], [6.0]], "float32")
    close(i, [[1], [2]], "int64")


def test_nan_propagates_through_extremes():
    x = ember.tensor([1.0, float("nan"), 3.0])
    assert math.isnan(ember.max(x).item()) and math.isnan(ember.amin(x).item())
    values, indices = ember.max(x, 0)
    assert math.isnan(values.item()) and indices.item() == 1
    assert ember.argmax(x).item() == 1 and ember.argmin(x).item() == 1


def test_return_type_repr_pickle_and_construction():
    x = ember.tensor([[1, 5, 3], [4, 2, 6]])
    result = ember.max(x, 1)
    assert repr(result) == "ember.return_types.max(\nvalues=tensor([5, 6]),\nindices=tensor([1, 2]))"
    assert str(result) == repr(result)
    again = pickle.loads(pickle.dumps(result))
    assert type(again) is type(result) and again.values.tolist() == [5, 6]
    made = ember.return_types.max((ember.tensor(1), ember.tensor(2)))
    assert made.values.item() == 1 and made.indices.item() == 2 and len(made) == 2
    assert made.n_fields == 2
    with pytest.raises(TypeError, match="takes a 2-sequence \\(3-sequence given\\)"):
        ember.return_types.max((1, 2, 3))
    mm = ember.aminmax(x, dim=1)
    assert repr(mm).startswith("ember.return_types.aminmax(\nmin=tensor([1, 2]),\nmax=")


@pytest.mark.parametrize("dtype", ALL[1:])
@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_argmin(dtype, dim, keepdim):
    arr = sample(dtype)
    for t in layouts(arr):
        close(ember.argmax(t, dim, keepdim), np.argmax(arr, axis=dim, keepdims=keepdim), "int64")
        close(t.argmin(dim, keepdim), np.argmin(arr, axis=dim, keepdims=keepdim), "int64")


def test_aminmax():
    x = ember.tensor([[1.0, 5.0], [-4.0, 2.0]])
    lo, hi = ember.aminmax(x)
    close(lo, -4.0, "float32")
    close(hi, 5.0, "float32")
    r = x.aminmax(dim=0, keepdim=True)
    close(r.min, [[-4.0, 2.0]], "float32")
    close(r.max, [[1.0, 5.0]], "float32")


@pytest.mark.parametrize("call, error, message", [
    (lambda e: ember.max(e), RuntimeError, "max(): Expected reduction dim to be specified for input.numel() == 0. "
                                           "Specify the reduction dim with the 'dim' argument."),
    (lambda e: ember.min(e, 0), IndexError, "min(): Expected reduction dim 0 to have non-zero size."),
    (lambda e: ember.amax(e), RuntimeError, "amax(): Expected reduction dim to be specified for input.numel() == 0. "
                                            "Specify the reduction dim with the 'dim' argument."),
    (lambda e: ember.amin(e, (1, 0)), IndexError, "amin(): Expected reduction dim 0 to have non-zero size."),
    (lambda e: ember.argmax(e), IndexError, "argmax(): Expected reduction dim to be specified for "
                                            "input.numel() == 0."),
    (lambda e: ember.argmin(e, -2), IndexError, "argmin(): Expected reduction dim 0 to have non-zero size."),
    (lambda e: ember.aminmax(e), RuntimeError, "aminmax(): cannot compute aminmax over an empty dimension as the "
                                               "operation has no identity."),
    (lambda e: ember.norm(e, float("inf")), RuntimeError, "linalg.vector_norm cannot compute the inf norm on an "
                                                         "empty tensor because the operation does not have an "
                                                         "identity"),
])
def test_empty_reductions_without_identity_are_errors(call, error, message):
    with pytest.raises(error) as err:
        call(ember.zeros(0, 3))
    assert str(err.value) == message


def test_empty_reductions_with_identity_or_other_dims():
    e = ember.zeros(0, 3)
    close(ember.sum(e), 0.0, "float32")
    close(ember.sum(e, 0), [0, 0, 0], "float32")
    close(ember.prod(e), 1.0, "float32")
    close(ember.mean(e), math.nan, "float32")
    close(ember.mean(e, 0), [math.nan] * 3, "float32")
    close(ember.amax(e, 1), np.zeros(0), "float32")
    v, i = ember.max(e, 1)
    close(v, np.zeros(0), "float32")
    close(i, np.zeros(0), "int64")
    close(ember.argmax(e, 1), np.zeros(0), "int64")
    close(ember.all(e), True, "bool")
    close(ember.any(e), False, "bool")
    close(ember.norm(e), 0.0, "float32")
    close(ember.logsumexp(e, 0), [-math.inf] * 3, "float32")
    close(ember.var(e), math.nan, "float32")
    close(ember.cumsum(e, 0), np.zeros((0, 3)), "float32")
    close(ember.softmax(e, 0), np.zeros((0, 3)), "float32")


def test_zero_dim_inputs_accept_dim_0_and_minus_1():
    s = ember.tensor(2.5)
    for dim in (0, -1):
        close(ember.sum(s, dim), 2.5, "float32")
        close(ember.prod(s, dim), 2.5, "float32")
        close(ember.amax(s, dim, keepdim=True), 2.5, "float32")
        v, i = ember.max(s, dim)
        close(v, 2.5, "float32")
        close(i, 0, "int64")
        close(ember.argmax(s, dim), 0, "int64")
        close(ember.cumsum(s, dim), 2.5, "float32")
        close(ember.logsumexp(s, dim), 2.5, "float32")
        close(ember.softmax(s, dim), 1.0, "float32")
    close(ember.var(s), math.nan, "float32")
    with pytest.raises(IndexError) as err:
        ember.sum(s, 1)
    assert str(err.value) == "Dimension out of range (expected to be in range of [-1, 0], but got 1)"


def test_bad_dims():
    x = ember.ones(2, 3)
    with pytest.raises(IndexError, match=r"expected to be in range of \[-2, 1\], but got 2"):
        ember.sum(x, 2)
    with pytest.raises(RuntimeError) as err:
        ember.amax(x, (1, -1))
    assert str(err.value) == "dim 1 appears multiple times in the list of dims"
    with pytest.raises(TypeError):
        ember.sum(x, 1.5)
    with pytest.raises(TypeError, match=r"cumsum\(\): argument 'dim' \(position 2\) must be int, not tuple"):
        ember.cumsum(x, (0,))
    with pytest.raises(TypeError, match=r"sum\(\): argument 'input' \(position 1\) must be Tensor, not list"):
        ember.sum([1, 2])
    with pytest.raises(RuntimeError, match="argmax\\(\\): does not support bool input"):
        ember.argmax(ember.tensor([True]))
    close(ember.sum(x, np.int64(1)), [3.0, 3.0], "float32")


# --------------------------------------------------------------------------- var, std

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("correction", [0, 1, 2.5])
@pytest.mark.parametrize("keepdim", [False, True])
def test_var_std(dtype, dim, correction, keepdim):
    arr = sample(dtype)
    ref = arr.astype(np.float64)
    axis = np_axis(dim)
    expected = np.var(ref, axis=axis, ddof=correction, keepdims=keepdim)
    for t in layouts(arr):
        close(ember.var(t, dim, keepdim=keepdim, correction=correction), expected, dtype)
        close(t.std(dim, keepdim=keepdim, correction=correction), np.sqrt(expected), dtype)


def test_var_overloads_and_degenerate_counts():
    x = ember.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
    close(ember.var(x), 3.5, "float32")
    close(ember.var(x, True), 3.5, "float32")
    close(ember.var(x, False), 17.5 / 6, "float32")
    close(ember.var(x, 1, True, True), [[4.0], [4.0]], "float32")
    close(ember.var(x, 1, unbiased=False), [8 / 3, 8 / 3], "float32")
    close(ember.std(x, 1, correction=5), [math.inf, math.inf], "float32")  # N - correction < 0
    close(ember.var(ember.tensor([1.0])), math.nan, "float32")             # 0 / 0
    v, m = ember.var_mean(x, 1, keepdim=True)
    close(v, [[4.0], [4.0]], "float32")
    close(m, [[3.0], [4.0]], "float32")
    s, m = ember.std_mean(x, unbiased=False)
    close(s, math.sqrt(17.5 / 6), "float32")
    close(m, 3.5, "float32")
    with pytest.raises(RuntimeError) as err:
        ember.var(ember.tensor([1, 2]))
    assert str(err.value) == "std and var only support floating point and complex dtypes"
    with pytest.raises(TypeError):
        ember.var(x, 1, True, correction=1)


# ------------------------------------------------------------------------------ norm

@pytest.mark.parametrize("p", [2, 1, math.inf, -math.inf, 0, 3, 0.5, -1, "fro"])
@pytest.mark.parametrize("dim", [None, 1, (0, 2), -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm(p, dim, keepdim):
    arr = sample("float64")
    a = np.abs(arr)
    axis = dim
    order = 2 if p == "fro" else p
    if order == 0:
        expected = np.sum(a != 0, axis=axis, keepdims=keepdim).astype(np.float64)
    elif order == math.inf:
        expected = np.max(a, axis=axis, keepdims=keepdim)
    elif order == -math.inf:
        expected = np.min(a, axis=axis, keepdims=keepdim)
    else:
        expected = np.sum(a ** order, axis=axis, keepdims=keepdim) ** (1 / order)
    for t in layouts(arr):
        close(ember.norm(t, p, dim, keepdim), expected, "float64")
        close(t.float().norm(p=p, dim=dim, keepdim=keepdim), expected, "float32")


def test_norm_dtypes_and_errors():
    x = ember.tensor([[3.0, 4.0]])
    close(ember.norm(x), 5.0, "float32")
    close(ember.norm(x, dtype=ember.float64), 5.0, "float64")
    close(ember.norm(x.half()), 5.0, "float16")
    close(ember.norm(ember.zeros(3), -1), 0.0, "float32")
    with pytest.raises(RuntimeError) as err:
        ember.norm(ember.tensor([1, 2]))
    assert str(err.value) == "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"
    with pytest.raises(RuntimeError, match="dtype should be floating point or complex, but got Long"):
        ember.norm(x, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="should be convertible without narrowing"):
        ember.norm(x, dtype=ember.float16)
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: Order bad not supported."):
        ember.norm(x, "bad")
    with pytest.raises(RuntimeError, match="linalg.matrix_norm: dim must be a 2-tuple. Got 0 1 1"):
        ember.norm(x, "fro", (0, 1, 1))


# ------------------------------------------------------------------------- logsumexp

@pytest.mark.parametrize("dtype", ["int64", "float16", "float32", "float64"])
@pytest.mark.parametrize("dim", [0, -1, (0, 2), (0, 1, 2)], ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_logsumexp(dtype, dim, keepdim):
    arr = sample(dtype)
    expected = np.log(np.sum(np.exp(arr.astype(np.float64)), axis=dim, keepdims=keepdim))
    result = dtype if dtype in FLOATS else "float32"
    for t in layouts(arr):
        close(ember.logsumexp(t, dim, keepdim), expected, result)


def test_logsumexp_is_stable():
    close(ember.logsumexp(ember.tensor([1000.0, 1000.0]), 0), 1000 + math.log(2), "float32")
    close(ember.logsumexp(ember.tensor([-1000.0, -1000.0]), 0), -1000 + math.log(2), "float32")
    close(ember.logsumexp(ember.tensor([-math.inf, -math.inf]), 0), -math.inf, "float32")
    close(ember.logsumexp(ember.tensor([math.inf, 1.0]), 0), math.inf, "float32")
    with pytest.raises(TypeError):
        ember.logsumexp(ember.ones(2))


# --------------------------------------------------------------------------- all, any

@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("dim", DIMS, ids=str)
@pytest.mark.parametrize("keepdim", [False, True])
def test_all_any(dtype, dim, keepdim):
    arr = sample(dtype)
    result = "uint8" if dtype == "uint8" else "bool"  # PyTorch keeps uint8
    for t in layouts(arr):
        if dim == ():  # unlike sum, PyTorch's all/any reduce nothing for an empty dim list
            close(ember.all(t, dim, keepdim), arr != 0, result)
            close(t.any(dim, keepdim), arr != 0, result)
            continue
        close(ember.all(t, dim, keepdim), np.all(arr, axis=dim, keepdims=keepdim), result)
        close(t.any(dim, keepdim), np.any(arr, axis=dim, keepdims=keepdim), result)
    assert ember.any(ember.tensor([float("nan")])).item() is True


# ---------------------------------------------------------------------- cumsum, cumprod

@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod(dtype, dim):
    arr = sample(dtype)
    result = dtype if dtype in FLOATS else "int64"
    work = arr.astype(np.float64 if dtype in FLOATS else np.int64)
    for t in layouts(arr):
        close(ember.cumsum(t, dim), np.cumsum(work, axis=dim), result)
        close(t.cumprod(dim), np.cumprod(work, axis=dim), result)
    close(ember.cumsum(ember.from_numpy(arr), dim, dtype=ember.float64), np.cumsum(work, axis=dim), "float64")


def test_cumsum_inplace():
    t = ember.tensor([[1, 2], [3, 4]])
    assert t.cumsum_(1) is t
    close(t, [[1, 3], [3, 7]], "int64")


# --------------------------------------------------------------------------- softmax

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(dtype, dim):
    arr = sample(dtype) * 10
    ref = arr.astype(np.float64)
    shifted = ref - ref.max(axis=dim, keepdims=True)
    expected_log = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    for t in layouts(arr):
        close(ember.softmax(t, dim), np.exp(expected_log), dtype)
        close(t.log_softmax(dim), expected_log, dtype)
    close(ember.softmax(ember.from_numpy(arr), dim, dtype=ember.float64), np.exp(expected_log), "float64")


def test_softmax_is_stable_and_follows_pytorch_on_infinities():
    close(ember.softmax(ember.tensor([1000.0, 0.0]), 0), [1.0, 0.0], "float32")
    close(ember.log_softmax(ember.tensor([1000.0, 0.0]), 0), [0.0, -1000.0], "float32")
    close(ember.log_softmax(ember.tensor([-math.inf, 0.0]), 0), [-math.inf, 0.0], "float32")
    close(ember.softmax(ember.tensor([-math.inf, -math.inf]), 0), [math.nan, math.nan], "float32")
    close(ember.softmax(ember.tensor([math.inf, 0.0]), 0), [math.nan, math.nan], "float32")


def test_softmax_errors():
    with pytest.raises(NotImplementedError) as err:
        ember.softmax(ember.tensor([[1, 2]]), 1)
    assert str(err.value) == "\"softmax\" not implemented for 'Long'"
    with pytest.raises(NotImplementedError, match="\"log_softmax\" not implemented for 'Bool'"):
        ember.log_softmax(ember.tensor([[True]]), 0)
    close(ember.softmax(ember.tensor([1, 1]), 0, dtype=ember.float32), [0.5, 0.5], "float32")
    with pytest.raises(IndexError, match="Dimension out of range"):
        ember.softmax(ember.ones(2, 3), 2)
    with pytest.raises(TypeError):
        ember.softmax(ember.ones(2))


@pytest.mark.parametrize("kernel", ["softmax", "log_softmax", "logsumexp", "norm"])
def test_composites_without_fused_kernels_match(monkeypatch, kernel):
    """A backend without the fused kernel gets the same results from the primitives."""
    arr = sample("float64") * 5
    t = ember.from_numpy(arr)
    calls = {"softmax": lambda: ember.softmax(t, 1), "log_softmax": lambda: ember.log_softmax(t, -1),
             "logsumexp": lambda: ember.logsumexp(t, (0, 2)), "norm": lambda: ember.norm(t, 3, 1, True)}
    extra = {"norm": [lambda: ember.norm(t), lambda: ember.norm(t, 1, 0), lambda: ember.norm(t, math.inf),
                      lambda: ember.norm(t, -math.inf, -1), lambda: ember.norm(t, 0, (0, 1))],
             "logsumexp": [lambda: ember.logsumexp(ember.tensor([-math.inf, -math.inf]), 0),
                           lambda: ember.logsumexp(t, 1, keepdim=True)],
             "softmax": [lambda: ember.softmax(ember.zeros(0, 2), 1)], "log_softmax": []}
    runs = [calls[kernel], *extra[kernel]]
    fused = [f() for f in runs]
    monkeypatch.delitem(t.device._kernels, kernel)
    for f, expected in zip(runs, fused):
        got = f()
        assert got.dtype is expected.dtype and got.shape == expected.shape
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------ properties

@settings(max_examples=80, deadline=None)
@given(arr=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4),
                      elements=st.floats(-100, 100)),
       data=st.data(),
       name=st.sampled_from(["sum", "mean", "amax", "amin", "var", "std", "logsumexp", "all", "any", "norm"]),
       keepdim=st.booleans())
def test_reductions_match_numpy_over_random_dims(arr, data, name, keepdim):
    ndim = arr.ndim
    dims = data.draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                              unique_by=lambda d: d % ndim))
    axis = tuple(d % ndim for d in dims)
    ref = {"sum": np.sum, "mean": np.mean, "amax": np.max, "amin": np.min,
           "var": lambda a, axis, keepdims: np.var(a, axis=axis, ddof=1, keepdims=keepdims),
           "std": lambda a, axis, keepdims: np.std(a, axis=axis, ddof=1, keepdims=keepdims),
           "logsumexp": lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
           "all": np.all, "any": np.any,
           "norm": lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))}[name]
    with np.errstate(all="ignore"):
        expected = np.asarray(ref(arr, axis=axis, keepdims=keepdim))
    extra = {"p": 2} if name == "norm" else {}  # the default p="fro" allows at most two dims
    out = getattr(ember, name)(ember.from_numpy(arr), dim=tuple(dims), keepdim=keepdim, **extra)
    assert tuple(out.shape) == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-9, atol=1e-9, equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(arr=hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4),
                      elements=st.integers(-5, 5)), data=st.data())
def test_integer_sums_and_cumsums_are_exact(arr, data):
    dim = data.draw(st.integers(-arr.ndim, arr.ndim - 1))
    t = ember.from_numpy(arr)
    close(ember.sum(t, dim), np.sum(arr, axis=dim), "int64")
    close(ember.cumsum(t, dim), np.cumsum(arr, axis=dim), "int64")
    close(ember.prod(t, dim), np.prod(arr, axis=dim), "int64")


def test_numpy_argument_names_are_accepted():
    arr = sample("float32", (2, 3, 4))
    t = ember.from_numpy(arr)
    close(ember.sum(t, axis=1), arr.sum(axis=1), "float32")
    close(t.mean(axis=(0, 2), keepdims=True), arr.mean(axis=(0, 2), keepdims=True), "float32")
    close(t.amax(axis=-1), arr.max(axis=-1), "float32")
    close(t.max(axis=0).values, arr.max(axis=0), "float32")
    close(ember.argmax(t, axis=2, keepdims=True), np.argmax(arr, axis=2, keepdims=True), "int64")
    close(t.std(axis=1, correction=0), arr.astype(np.float64).std(axis=1), "float32")
    close(t.cumsum(axis=1), np.cumsum(arr, axis=1), "float32")
    close(ember.all(t > -10, axis=0), np.ones((3, 4), bool), "bool")
    close(ember.softmax(t, axis=0).sum(0), np.ones((3, 4)), "float32")
    close(t.log_softmax(axis=-1).exp().sum(-1), np.ones((2, 3)), "float32")


@pytest.mark.parametrize(("shape", "dim"), [((4096, 256), 0), ((20000, 3, 2), (0, 2)), ((1000, 3, 130), 0),
                                            ((5000, 2, 3), (0, 1)), ((3, 700, 40), 1), ((16, 64, 32, 32), (0, 2, 3))])
def test_float32_sums_along_long_strided_axes_round_like_pairwise(shape, dim):
    """Sums, means and variances over a long non-contiguous axis: rounding that does not grow with its length
    (NumPy's row-by-row accumulation rounded 4096 rows to 1e-6; PyTorch's cascade: 6e-8)."""
    x = np.random.default_rng(7).standard_normal(shape).astype(np.float32) + 3
    exact = x.astype(np.float64)
    t = ember.from_numpy(x)
    for ours, theirs in ((t.sum(dim), exact.sum(dim)), (t.mean(dim, keepdim=True), exact.mean(dim, keepdims=True)),
                         (t.var(dim), exact.var(dim, ddof=1))):
        assert ours.shape == theirs.shape and ours.dtype is ember.float32
        assert np.linalg.norm(ours.numpy() - theirs) / np.linalg.norm(theirs) < 2.5e-7
