"""conv.cu: im2col + GEMM equals a direct convolution; col2im is im2col's adjoint."""

import numpy as np
import pytest
from kernels_support import TOL, launch, module

GEOMS = [
    # C, H, W, KH, KW, stride, pad, dilation
    (3, 7, 6, 3, 3, (1, 1), (1, 1), (1, 1)),
    (2, 9, 8, 3, 2, (2, 3), (0, 1), (1, 1)),
    (2, 10, 9, 3, 3, (2, 1), (2, 2), (2, 3)),
]


def out_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def geometry(g):
    C, H, W, KH, KW, (sh, sw), (ph, pw), (dh, dw) = g
    OH, OW = out_size(H, KH, sh, ph, dh), out_size(W, KW, sw, pw, dw)
    return OH, OW, [np.int32(v) for v in (C, H, W, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw)]


def direct_conv(x, w, g):
    C, H, W, KH, KW, (sh, sw), (ph, pw), (dh, dw) = g
    OH, OW, _ = geometry(g)
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.zeros((x.shape[0], w.shape[0], OH, OW))
    for kh in range(KH):
        for kw in range(KW):
            patch = xp[:, :, kh * dh : kh * dh + sh * (OH - 1) + 1 : sh, kw * dw : kw * dw + sw * (OW - 1) + 1 : sw]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, kh, kw])
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("g", GEOMS)
def test_im2col_then_matmul_is_convolution(dtype, g):
    rng = np.random.default_rng(0)
    C, H, W, KH, KW = g[:5]
    N, O = 2, 4
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((O, C, KH, KW)).astype(dtype)
    OH, OW, geo = geometry(g)
    col = np.zeros((N, C * KH * KW, OH * OW), dtype)
    launch(module("conv", dtype).get_function("im2col"), col.size, np.int64(col.size), x, col, *geo)
    out = np.matmul(w.reshape(O, -1).astype(np.float64), col.astype(np.float64)).reshape(N, O, OH, OW)
    tol = dict(rtol=1e-2, atol=1e-2) if dtype == "float16" else TOL[dtype]
    np.testing.assert_allclose(out, direct_conv(x.astype(np.float64), w.astype(np.float64), g), **tol)


@pytest.mark.parametrize("g", GEOMS)
def test_col2im_is_the_adjoint_of_im2col(g):
    rng = np.random.default_rng(1)
    C, H, W, KH, KW = g[:5]
    OH, OW, geo = geometry(g)
    x = rng.standard_normal((2, C, H, W))
    c = rng.standard_normal((2, C * KH * KW, OH * OW))
    m = module("conv", "float64")
    col = np.zeros_like(c)
    launch(m.get_function("im2col"), col.size, np.int64(col.size), x, col, *geo)
    back = np.full_like(x, np.nan)  # col2im overwrites every element
    launch(m.get_function("col2im"), x.size, np.int64(x.size), c, back, *geo)
    np.testing.assert_allclose(np.vdot(col, c), np.vdot(x, back), rtol=1e-12)


def test_add_channel_bias():
    out = np.zeros((2, 3, 5), np.float32)
    bias = np.array([1, 2, 3], np.float32)
    launch(
        module("conv", "float32").get_function("add_channel_bias"),
        30,
        np.int64(30),
        out,
        bias,
        np.int32(3),
        np.int64(5),
    )
    np.testing.assert_array_equal(out, np.broadcast_to(bias[None, :, None], (2, 3, 5)))
