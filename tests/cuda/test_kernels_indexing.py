"""indexing.cu against NumPy: select, add, gather, scatter, masks; bad indices are flagged, never followed."""

import numpy as np
import pytest
from kernels_support import elem_strides, launch, meta, module, random_array

from ember_cuda.kernels import ALL_DTYPES


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_index_select_with_negative_indices(dtype):
    rng = np.random.default_rng(0)
    x = random_array((3, 5, 4), dtype, rng)
    idx = np.array([4, 0, -1, 2, 2], np.int64)
    out = np.zeros((3, 5, 4), dtype)
    bad = np.zeros(1, np.int32)
    launch(
        module("indexing", dtype).get_function("index_select"),
        out.size,
        np.int64(3),
        np.int64(5),
        np.int64(4),
        x,
        np.int64(5),
        idx,
        out,
        bad,
    )
    np.testing.assert_array_equal(out, np.take(x, idx, axis=1))
    assert bad[0] == 0
    idx[1] = 5
    launch(
        module("indexing", dtype).get_function("index_select"),
        out.size,
        np.int64(3),
        np.int64(5),
        np.int64(4),
        x,
        np.int64(5),
        idx,
        out,
        bad,
    )
    assert bad[0] == 1


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64"])
def test_index_add_accumulates_repeats(dtype):
    rng = np.random.default_rng(1)
    out = random_array((2, 4, 3), dtype, rng)
    src = random_array((2, 6, 3), dtype, rng)
    idx = np.array([1, 3, 1, 0, 1, -1], np.int64)
    expect = out.astype(np.float64)
    np.add.at(expect, (slice(None), idx, slice(None)), 2 * src.astype(np.float64))
    acc = np.float32 if dtype == "float16" else np.dtype(dtype).type
    bad = np.zeros(1, np.int32)
    launch(
        module("indexing", dtype).get_function("index_add"),
        src.size,
        np.int64(2),
        np.int64(4),
        np.int64(3),
        out,
        np.int64(6),
        idx,
        src,
        acc(2),
        bad,
    )
    tol = 1e-2 if dtype == "float16" else 1e-6  # float16 rounds after every atomic add
    np.testing.assert_allclose(out.astype(np.float64), expect, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float32", "int8", "bool", "float16"])
@pytest.mark.parametrize("dim", [0, 1])
def test_gather_on_strided_operands(dtype, dim):
    rng = np.random.default_rng(2)
    x = random_array((6, 10), dtype, rng)[:, ::2]  # (6, 5) non-contiguous
    index = rng.integers(-x.shape[dim], x.shape[dim], size=(4, 3)).astype(np.int64)
    out = np.zeros((4, 3), dtype)
    bad = np.zeros(1, np.int32)
    mt = np.array(list(index.shape) + elem_strides(index) + elem_strides(x) + elem_strides(out), np.int64)
    launch(
        module("indexing", dtype).get_function("gather"),
        12,
        np.int64(12),
        x,
        index,
        out,
        np.int32(2),
        np.int32(dim),
        np.int64(x.shape[dim]),
        mt,
        bad,
    )
    wrapped = np.where(index < 0, index + x.shape[dim], index)
    expect = np.array(
        [[x[wrapped[i, j], j] if dim == 0 else x[i, wrapped[i, j]] for j in range(3)] for i in range(4)], dtype
    )
    np.testing.assert_array_equal(out, expect)
    assert bad[0] == 0


@pytest.mark.parametrize("dtype", ["float32", "int64", "int8"])
def test_scatter_assign_and_add(dtype):
    rng = np.random.default_rng(3)
    out = np.zeros((3, 5), dtype)
    src = random_array((3, 4), dtype, rng)
    index = np.array([[0, 1, 2, 3], [4, 3, 2, 1], [1, 1, 1, 1]], np.int64)
    mt = np.array(list(index.shape) + elem_strides(index) + elem_strides(out) + elem_strides(src), np.int64)
    bad = np.zeros(1, np.int32)
    f = module("indexing", dtype).get_function("scatter")
    base = index[:2]
    launch(
        f,
        8,
        np.int64(8),
        src,
        base,
        out,
        np.int32(2),
        np.int32(1),
        np.int64(5),
        np.array([2, 4, *elem_strides(base), *elem_strides(out), *elem_strides(src)], np.int64),
        np.int32(0),
        bad,
    )
    expect = np.zeros((3, 5), dtype)
    np.put_along_axis(expect[:2], base, src[:2], axis=1)
    np.testing.assert_array_equal(out, expect)
    out[:] = 0
    launch(f, 12, np.int64(12), src, index, out, np.int32(2), np.int32(1), np.int64(5), mt, np.int32(1), bad)
    if dtype == "int8":
        assert bad[0] == 2  # no atomic add for 1-byte types: refused, not raced
        return
    expect = np.zeros((3, 5), np.int64 if dtype != "float32" else np.float64)
    for r in range(3):
        for c in range(4):
            expect[r, index[r, c]] += src[r, c]
    np.testing.assert_allclose(out, expect, rtol=1e-6)
    assert bad[0] == 0


def test_masked_fill_compact_nonzero():
    rng = np.random.default_rng(4)
    m = module("indexing", "float32")
    x = rng.standard_normal((4, 6)).astype(np.float32)
    row_mask = rng.random(6) < 0.5
    out = x.copy()
    launch(
        m.get_function("masked_fill"),
        24,
        np.int64(24),
        out,
        row_mask,
        np.float32(-7),
        np.int32(2),
        meta((4, 6), out, row_mask),
    )
    np.testing.assert_array_equal(out, np.where(row_mask, np.float32(-7), x))
    mask = x > 0
    positions = np.cumsum(mask.ravel()).astype(np.int64)
    sel = np.zeros(int(positions[-1]), np.float32)
    launch(m.get_function("compact"), 24, np.int64(24), x, mask, positions, sel)
    np.testing.assert_array_equal(sel, x[mask])
    coords = np.zeros((int(positions[-1]), 2), np.int64)
    launch(
        module("indexing", "bool").get_function("nonzero_coords"),
        24,
        np.int64(24),
        mask,
        positions,
        np.int32(2),
        np.array([4, 6], np.int64),
        coords,
    )
    np.testing.assert_array_equal(coords, np.argwhere(mask))
