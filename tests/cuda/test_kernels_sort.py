"""sort.cu: bitonic sorting equals NumPy's stable sort, NaN last, both in shared and global memory."""

import numpy as np
import pytest
from kernels_support import module, random_array


def expected(x, descending):
    """Stable order, NaN as the largest value: (NaN flag, value, position) keys per row."""
    orders = []
    for row in x.astype(np.float64):
        nan = np.isnan(row)
        value = np.where(nan, 0.0, row)
        pos = np.arange(row.size)
        orders.append(np.lexsort((pos, -value, ~nan)) if descending else np.lexsort((pos, value, nan)))
    order = np.array(orders)
    return np.take_along_axis(x, order, -1), order


def sort_shared(x, descending):
    rows, length = x.shape
    p2 = 1 << max(0, (length - 1).bit_length())
    acc_size = 4 if x.dtype == np.float16 else max(x.itemsize, 1)
    acc_size = {np.dtype(np.bool_): 1}.get(x.dtype, acc_size)
    vals, idx = np.zeros_like(x), np.zeros(x.shape, np.int64)
    module("sort", x.dtype).get_function("sort_rows_shared")(
        np.int64(rows),
        np.int64(length),
        np.int64(p2),
        x,
        vals,
        idx,
        np.int32(descending),
        block=(64, 1, 1),
        grid=(2, 1, 1),
        shared=p2 * (8 + acc_size),
    )
    return vals, idx


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int8", "uint8", "bool", "int64"])
@pytest.mark.parametrize("descending", [0, 1])
def test_shared_sort_is_stable_with_ties(dtype, descending):
    rng = np.random.default_rng(0)
    x = random_array((5, 77), dtype, rng) if dtype == "bool" else rng.integers(0, 6, (5, 77)).astype(dtype)
    vals, idx = sort_shared(x, descending)
    ev, ei = expected(x, descending)
    np.testing.assert_array_equal(vals, ev)
    np.testing.assert_array_equal(idx, ei)


@pytest.mark.parametrize("descending", [0, 1])
def test_nan_sorts_as_the_largest_value(descending):
    x = np.array([[3, np.nan, -1, np.inf, np.nan, 0, -np.inf]], np.float32)
    vals, idx = sort_shared(x, descending)
    ev, ei = expected(x, descending)
    np.testing.assert_array_equal(idx, ei)
    np.testing.assert_array_equal(vals, ev)
    assert np.isnan(vals[0, -2:]).all() if not descending else np.isnan(vals[0, :2]).all()


def test_global_network_for_long_rows():
    rng = np.random.default_rng(1)
    rows, length = 3, 1500
    x = rng.integers(0, 50, (rows, length)).astype(np.float32)
    p2 = 2048
    m = module("sort", "float32")
    keys, idx = np.zeros((rows, p2), np.float32), np.zeros((rows, p2), np.int64)
    launch = dict(block=(256, 1, 1), grid=(8, 1, 1))
    m.get_function("sort_global_init")(np.int64(rows), np.int64(length), np.int64(p2), x, keys, idx, **launch)
    step = m.get_function("sort_global_step")
    k = 2
    while k <= p2:
        j = k // 2
        while j:
            step(
                np.int64(rows),
                np.int64(length),
                np.int64(p2),
                keys,
                idx,
                np.int64(k),
                np.int64(j),
                np.int32(1),
                **launch,
            )
            j //= 2
        k *= 2
    ev, ei = expected(x, 1)
    np.testing.assert_array_equal(keys[:, :length], ev)
    np.testing.assert_array_equal(idx[:, :length], ei)
