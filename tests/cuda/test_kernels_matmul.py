"""matmul.cu's tiled GEMM against NumPy: shapes off the tile grid, strides, batches, alpha/beta."""

import numpy as np
import pytest
from kernels_support import TOL, elem_strides, module, random_array


def gemm(a, b, c, alpha=1.0, beta=0.0, batch_strides=None):
    """c[...] = alpha * a @ b + beta * c for 3-D views (batch, rows, cols)."""
    dtype = c.dtype
    batch, m, k = a.shape
    n = b.shape[2]
    sa, sb, sc = elem_strides(a), elem_strides(b), elem_strides(c)
    if batch_strides:
        sa[0], sb[0] = batch_strides
    acc = np.float32 if dtype == np.float16 else dtype.type
    f = module("matmul", dtype).get_function("gemm")
    f(
        np.int64(batch),
        np.int64(m),
        np.int64(n),
        np.int64(k),
        a,
        *map(np.int64, sa),
        b,
        *map(np.int64, sb),
        c,
        *map(np.int64, sc),
        acc(alpha),
        acc(beta),
        block=(16, 16, 1),
        grid=(-(-n // 64), -(-m // 64), batch),
    )
    return c


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64"])
def test_gemm_matches_numpy(dtype):
    rng = np.random.default_rng(0)
    a = random_array((2, 70, 33), dtype, rng, low=-1, high=1)
    b = random_array((2, 33, 65), dtype, rng, low=-1, high=1)
    c = np.zeros((2, 70, 65), dtype)
    gemm(a, b, c)
    expect = np.matmul(a.astype(np.float64), b.astype(np.float64))
    if dtype in TOL:
        tol = dict(rtol=1e-2, atol=1e-2) if dtype == "float16" else TOL[dtype]
        np.testing.assert_allclose(c.astype(np.float64), expect, **tol)
    else:
        np.testing.assert_array_equal(c, expect.astype(dtype))


def test_transposed_operands_broadcast_batch_alpha_beta():
    rng = np.random.default_rng(1)
    at = rng.standard_normal((17, 9))  # a = at.T is 9 x 17, column-major
    b = rng.standard_normal((3, 17, 5))[:, :, ::-1]  # reversed columns
    c0 = rng.standard_normal((3, 9, 5))
    c = c0.copy()
    a = np.broadcast_to(at.T, (3, 9, 17))  # batch stride 0
    gemm(a, b, c, alpha=2.0, beta=0.5, batch_strides=(0, elem_strides(b)[0]))
    np.testing.assert_allclose(c, 2.0 * np.matmul(at.T, b) + 0.5 * c0, rtol=1e-12, atol=1e-12)


def test_beta_zero_ignores_nan_in_c():
    a = np.ones((1, 3, 4), np.float32)
    b = np.ones((1, 4, 2), np.float32)
    c = np.full((1, 3, 2), np.nan, np.float32)
    gemm(a, b, c)
    assert (c == 4).all()
