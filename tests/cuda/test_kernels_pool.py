"""pool.cu against NumPy window loops: max (with indices, NaN) and average pooling, forward and backward."""

import numpy as np
import pytest
from kernels_support import TOL, launch, module

CASES = [
    # H, W, KH, KW, stride, pad, dilation, ceil_mode
    (7, 6, 3, 3, (2, 2), (1, 1), (1, 1), False),
    (8, 9, 2, 3, (2, 1), (0, 1), (1, 1), True),
    (9, 9, 3, 2, (1, 2), (1, 0), (2, 2), False),
]


def osize(n, k, s, p, d, ceil):
    span = n + 2 * p - d * (k - 1) - 1
    o = (-(-span // s) if ceil else span // s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def geo(c):
    H, W, KH, KW, (sh, sw), (ph, pw), (dh, dw), ceil = c
    OH, OW = osize(H, KH, sh, ph, dh, ceil), osize(W, KW, sw, pw, dw, ceil)
    return OH, OW, [np.int32(v) for v in (H, W, OH, OW, KH, KW, sh, sw, ph, pw)], (np.int32(dh), np.int32(dw))


def windows(c, OH, OW):
    H, W, KH, KW, (sh, sw), (ph, pw), (dh, dw), _ = c
    for oh in range(OH):
        for ow in range(OW):
            cells = [(oh * sh - ph + kh * dh, ow * sw - pw + kw * dw) for kh in range(KH) for kw in range(KW)]
            yield oh, ow, [(h, w) for h, w in cells if 0 <= h < H and 0 <= w < W]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("c", CASES)
def test_max_pool_forward_and_backward(dtype, c):
    rng = np.random.default_rng(0)
    H, W = c[:2]
    x = rng.permutation(2 * 3 * H * W).reshape(2, 3, H, W).astype(dtype)  # distinct values
    OH, OW, g, dil = geo(c)
    out = np.zeros((2, 3, OH, OW), dtype)
    idx = np.zeros((2, 3, OH, OW), np.int64)
    m = module("pool", dtype)
    launch(m.get_function("max_pool2d_forward"), out.size, np.int64(6), x, out, idx, *g, *dil)
    gout = rng.standard_normal(out.shape).astype(dtype)
    expect_gin = np.zeros((2, 3, H, W))
    for oh, ow, cells in windows(c, OH, OW):
        vals = np.array([x[:, :, h, w] for h, w in cells])
        best = vals.argmax(0)
        for n in range(2):
            for ch in range(3):
                h, w = cells[best[n, ch]]
                assert out[n, ch, oh, ow] == x[n, ch, h, w] and idx[n, ch, oh, ow] == h * W + w
                expect_gin[n, ch, h, w] += gout[n, ch, oh, ow]
    gin = np.full((2, 3, H, W), np.nan, dtype)
    launch(m.get_function("max_pool2d_backward"), gin.size, np.int64(6), gout, idx, gin, *g, *dil)
    np.testing.assert_allclose(gin.astype(np.float64), expect_gin, **TOL[dtype])


def test_max_pool_nan_wins():
    x = np.array([[[[1, np.nan], [3, 2]]]], np.float32)
    out, idx = np.zeros((1, 1, 1, 1), np.float32), np.zeros((1, 1, 1, 1), np.int64)
    c = (2, 2, 2, 2, (2, 2), (0, 0), (1, 1), False)
    _, _, g, dil = geo(c)
    launch(module("pool", "float32").get_function("max_pool2d_forward"), 1, np.int64(1), x, out, idx, *g, *dil)
    assert np.isnan(out[0, 0, 0, 0]) and idx[0, 0, 0, 0] == 1


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("c", [case for case in CASES if case[6] == (1, 1)])
@pytest.mark.parametrize(("include_pad", "override"), [(1, 0), (0, 0), (1, 5)])
def test_avg_pool_forward_and_backward(dtype, c, include_pad, override):
    rng = np.random.default_rng(1)
    H, W, KH, KW, (sh, sw), (ph, pw) = c[:6]
    x = rng.standard_normal((2, 2, H, W)).astype(dtype)
    OH, OW, g, _ = geo(c)
    m = module("pool", dtype)
    out = np.zeros((2, 2, OH, OW), dtype)
    launch(
        m.get_function("avg_pool2d_forward"),
        out.size,
        np.int64(4),
        x,
        out,
        *g,
        np.int32(include_pad),
        np.int32(override),
    )
    gout = rng.standard_normal(out.shape).astype(dtype)
    expect = np.zeros(out.shape)
    expect_gin = np.zeros(x.shape)
    for oh, ow, cells in windows(c, OH, OW):
        h0, w0 = oh * sh - ph, ow * sw - pw
        h1, w1 = min(h0 + KH, H + ph), min(w0 + KW, W + pw)
        div = override or ((h1 - h0) * (w1 - w0) if include_pad else len(cells))
        expect[:, :, oh, ow] = sum(x[:, :, h, w] for h, w in cells) / div
        for h, w in cells:
            expect_gin[:, :, h, w] += gout[:, :, oh, ow] / div
    np.testing.assert_allclose(out, expect, **TOL[dtype])
    gin = np.zeros_like(x)
    launch(
        m.get_function("avg_pool2d_backward"),
        x.size,
        np.int64(4),
        gout,
        gin,
        *g,
        np.int32(include_pad),
        np.int32(override),
    )
    np.testing.assert_allclose(gin, expect_gin, **TOL[dtype])


@pytest.mark.parametrize(("H", "W", "OH", "OW"), [(7, 5, 3, 2), (4, 4, 4, 4), (5, 7, 1, 1), (3, 3, 5, 4)])
def test_adaptive_avg_pool(H, W, OH, OW):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, H, W))
    m = module("pool", "float64")
    out = np.zeros((3, OH, OW))
    dims = [np.int32(v) for v in (H, W, OH, OW)]
    launch(m.get_function("adaptive_avg_pool2d_forward"), out.size, np.int64(3), x, out, *dims)
    gout = rng.standard_normal(out.shape)
    expect, expect_gin = np.zeros(out.shape), np.zeros(x.shape)
    for oh in range(OH):
        h0, h1 = oh * H // OH, -(-(oh + 1) * H // OH)
        for ow in range(OW):
            w0, w1 = ow * W // OW, -(-(ow + 1) * W // OW)
            expect[:, oh, ow] = x[:, h0:h1, w0:w1].mean((1, 2))
            expect_gin[:, h0:h1, w0:w1] += gout[:, oh, ow, None, None] / ((h1 - h0) * (w1 - w0))
    np.testing.assert_allclose(out, expect, rtol=1e-12)
    gin = np.zeros_like(x)
    launch(m.get_function("adaptive_avg_pool2d_backward"), x.size, np.int64(3), gout, gin, *dims)
    np.testing.assert_allclose(gin, expect_gin, rtol=1e-12, atol=1e-12)
