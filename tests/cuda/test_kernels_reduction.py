"""reduction.cu against NumPy: any set of dims, strided inputs, every dtype, scans with carries."""

import numpy as np
import pytest
from kernels_support import assert_close, elem_strides, module, random_array

from ember_cuda.kernels import ALL_DTYPES, FLOAT_DTYPES


def reduce(name, x, dims, out_dtype=None, extra=(), threads=64):
    """Reduce x over dims with reduce_<name>; returns the kept-shape result."""
    keep = [d for d in range(x.ndim) if d not in dims]
    xs = elem_strides(x)
    keep_shape = [x.shape[d] for d in keep]
    out = np.zeros(keep_shape, out_dtype or x.dtype)
    out_strides = elem_strides(out) if out.ndim else []
    red_shape = [x.shape[d] for d in dims]
    meta = np.array(
        keep_shape + [xs[d] for d in keep] + out_strides + red_shape + [xs[d] for d in dims] or [0], np.int64
    )
    n_out = int(np.prod(keep_shape)) if keep_shape else 1
    n_red = int(np.prod(red_shape)) if red_shape else 1
    f = module("reduction", x.dtype).get_function(f"reduce_{name}")
    f(
        np.int64(n_out),
        np.int64(n_red),
        x,
        np.int32(len(keep)),
        np.int32(len(dims)),
        meta,
        out,
        *extra,
        block=(threads, 1, 1),
        grid=(min(n_out, 5), 1, 1),
    )
    return out


@pytest.mark.parametrize("dtype", ALL_DTYPES)
@pytest.mark.parametrize("dims", [(1,), (0, 2), (0, 1, 2)])
def test_sum_prod_max_min(dtype, dims):
    rng = np.random.default_rng(0)
    x = random_array((6, 70, 3), dtype, rng, low=0.5, high=1.5)[:, ::-1, :]
    if dtype != "bool":
        x = x[:, ::2, :]  # strided and reversed
    x64 = x.astype(np.float64) if dtype in FLOAT_DTYPES else x.astype(np.int64)
    refs = {"sum": np.sum, "max": np.max, "min": np.min}
    if dtype in FLOAT_DTYPES and dims == (1,):
        refs["prod"] = np.prod
    for name, ref in refs.items():
        got = reduce(name, x, dims)
        expect = ref(x64, axis=dims)
        if dtype == "bool":
            expect = expect != 0
        tol_dtype = dtype if name != "sum" or dtype != "float16" else "float16"
        if dtype == "float16" and name in ("sum", "prod"):
            np.testing.assert_allclose(got.astype(np.float64), expect, rtol=3e-3)
        else:
            assert_close(got, expect.astype(dtype), tol_dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_mean_var_std_logsumexp(dtype):
    rng = np.random.default_rng(1)
    x = (random_array((5, 300), dtype, rng) + np.array(1000 if dtype == "float64" else 10, dtype)).T  # (300, 5)
    x64 = x.astype(np.float64)
    assert_close(reduce("mean", x, (0,)), x64.mean(0).astype(dtype), dtype)
    for correction in (0.0, 1.0):
        v = reduce("var", x, (0,), extra=(np.float64(correction), np.int32(0)))
        s = reduce("var", x, (0,), extra=(np.float64(correction), np.int32(1)))
        assert_close(v, x64.var(0, ddof=correction).astype(dtype), dtype)
        assert_close(s, x64.std(0, ddof=correction).astype(dtype), dtype)
    one = np.ones((1, 3), dtype)
    assert np.isnan(reduce("var", one, (0,), extra=(np.float64(1), np.int32(0)))).all()
    lse = reduce("logsumexp", x, (0,))
    m = x64.max(0)
    assert_close(lse, (np.log(np.exp(x64 - m).sum(0)) + m).astype(dtype), dtype)
    special = np.array([[-np.inf, -np.inf], [np.inf, 1.0]], dtype)
    np.testing.assert_array_equal(reduce("logsumexp", special, (1,)), [-np.inf, np.inf])


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32", "uint8"])
def test_argmax_argmin_first_occurrence(dtype):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 5, size=(7, 90)).astype(dtype)  # many ties
    for name, ref in [("argmax", np.argmax), ("argmin", np.argmin)]:
        np.testing.assert_array_equal(reduce(name, x, (1,), np.int64), ref(x, axis=1))
        np.testing.assert_array_equal(reduce(name, x, (0,), np.int64), ref(x, axis=0))
        np.testing.assert_array_equal(reduce(name, x, (0, 1), np.int64), ref(x))
    if dtype.startswith("float"):
        y = np.array([[1, np.nan, 5, np.nan]], dtype)
        assert reduce("argmax", y, (1,), np.int64)[0] == 1 and reduce("argmin", y, (1,), np.int64)[0] == 1


def test_max_propagates_nan_and_all_any_count():
    x = np.array([[1, np.nan, 3], [4, 5, 6]], np.float32)
    out = reduce("max", x, (1,))
    assert np.isnan(out[0]) and out[1] == 6
    b = np.array([[True, True], [True, False], [False, False]])
    np.testing.assert_array_equal(reduce("all", b, (1,), np.bool_), [True, False, False])
    np.testing.assert_array_equal(reduce("any", b, (1,), np.bool_), [True, True, False])
    np.testing.assert_array_equal(reduce("count_nonzero", x, (0,), np.int64), [2, 2, 2])


def scan(name, x, axis, threads=64):
    moved = np.moveaxis(x, axis, -1)
    out = np.zeros(x.shape, x.dtype)
    om = np.moveaxis(out, axis, -1)
    lines_shape = list(moved.shape[:-1])
    xs, os_ = elem_strides(moved), elem_strides(om)
    meta = np.array(lines_shape + xs[:-1] + os_[:-1] or [0], np.int64)
    n_lines = int(np.prod(lines_shape)) if lines_shape else 1
    f = module("reduction", x.dtype).get_function(f"scan_{name}")
    f(
        np.int64(n_lines),
        np.int64(moved.shape[-1]),
        x,
        np.int64(xs[-1]),
        out,
        np.int64(os_[-1]),
        np.int32(len(lines_shape)),
        meta,
        block=(threads, 1, 1),
        grid=(3, 1, 1),
    )
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "float16"])
def test_cumsum_cumprod_across_chunks(dtype):
    rng = np.random.default_rng(3)
    x = random_array((4, 300), dtype, rng)  # 300 > 64 threads: the carry between chunks matters
    expect = np.cumsum(x.astype(np.float64 if dtype.startswith("float") else np.int64), axis=1)
    got = scan("cumsum", x, 1)
    if dtype == "float16":
        np.testing.assert_allclose(got.astype(np.float64), expect, atol=0.2)
    else:
        assert_close(got, expect.astype(dtype), dtype)
    y = random_array((5, 3), dtype, rng, low=0.5, high=1.5) if dtype.startswith("float") else x[:3, :5].T.copy() % 3
    assert_close(scan("cumsum", y, 0), np.cumsum(y, 0).astype(dtype), dtype)
    p = np.cumprod(y.astype(np.float64), 0)
    if dtype.startswith("float"):
        np.testing.assert_allclose(scan("cumprod", y, 0).astype(np.float64), p, rtol=3e-3)
    else:
        np.testing.assert_array_equal(scan("cumprod", y, 0), p.astype(dtype))
