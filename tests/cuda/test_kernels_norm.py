"""norm.cu against NumPy formulas: softmax family, batch norm, layer norm, NLL."""

import numpy as np
import pytest
from kernels_support import TOL, launch, module

NULL = np.uintp(0)


def acc_dtype(dtype):
    return np.float64 if dtype == "float64" else np.float32


def rows_call(fn, rows, *args, threads=64):
    fn(*args, block=(threads, 1, 1), grid=(min(rows, 4), 1, 1))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_softmax_and_log_softmax_forward_backward(dtype, axis):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 100, 4)) * 3).astype(dtype)
    outer, length, inner = int(np.prod(x.shape[:axis])), x.shape[axis], int(np.prod(x.shape[axis + 1 :]))
    m = module("norm", dtype)
    x64 = x.astype(np.float64)
    e = np.exp(x64 - x64.max(axis, keepdims=True))
    sm = e / e.sum(axis, keepdims=True)
    g = rng.standard_normal(x.shape).astype(dtype)
    g64 = g.astype(np.float64)
    for log in (0, 1):
        y = np.zeros_like(x)
        dims = (np.int64(outer), np.int64(length), np.int64(inner))
        rows_call(m.get_function("softmax_forward"), outer * inner, *dims, x, y, np.int32(log))
        expect = np.log(sm) if log else sm
        np.testing.assert_allclose(
            y.astype(np.float64), expect, **({"rtol": 5e-3, "atol": 5e-3} if dtype == "float16" else TOL[dtype])
        )
        gx = np.zeros_like(x)
        rows_call(m.get_function("softmax_backward"), outer * inner, *dims, g, y, gx, np.int32(log))
        y64 = y.astype(np.float64)
        if log:
            ref = g64 - np.exp(y64) * g64.sum(axis, keepdims=True)
        else:
            ref = y64 * (g64 - (g64 * y64).sum(axis, keepdims=True))
        np.testing.assert_allclose(
            gx.astype(np.float64), ref, **({"rtol": 2e-2, "atol": 2e-2} if dtype == "float16" else TOL[dtype])
        )


def test_softmax_all_minus_inf_row_and_huge_values():
    x = np.array([[1000.0, 1000.0, -np.inf], [-np.inf, -np.inf, 5.0]], np.float32)
    y = np.zeros_like(x)
    rows_call(
        module("norm", "float32").get_function("softmax_forward"),
        2,
        np.int64(2),
        np.int64(3),
        np.int64(1),
        x,
        y,
        np.int32(0),
    )
    np.testing.assert_allclose(y, [[0.5, 0.5, 0], [0, 0, 1]])


def bn_reference(x, w, b, eps):
    axes = (0, 2)
    mean = x.mean(axes)
    var = x.var(axes)
    invstd = 1 / np.sqrt(var + eps)
    xhat = (x - mean[None, :, None]) * invstd[None, :, None]
    return xhat * w[None, :, None] + b[None, :, None], mean, invstd, xhat


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_train_eval_backward(dtype, affine):
    rng = np.random.default_rng(1)
    N, C, HW = 4, 3, 50
    x = (rng.standard_normal((N, C, HW)) * 2 + 1).astype(dtype)
    w = rng.standard_normal(C).astype(dtype) if affine else np.ones(C, dtype)
    b = rng.standard_normal(C).astype(dtype) if affine else np.zeros(C, dtype)
    rm, rv = np.zeros(C, dtype), np.ones(C, dtype)
    acc = acc_dtype(dtype)
    y = np.zeros_like(x)
    sm, si = np.zeros(C, acc), np.zeros(C, acc)
    m = module("norm", dtype)
    dims = (np.int64(N), np.int64(C), np.int64(HW))
    wp, bp = (w, b) if affine else (NULL, NULL)
    rows_call(
        m.get_function("batch_norm_forward_train"),
        C,
        *dims,
        x,
        wp,
        bp,
        rm,
        rv,
        np.float64(0.1),
        np.float64(1e-5),
        y,
        sm,
        si,
    )
    x64 = x.astype(np.float64)
    ey, mean, invstd, xhat = bn_reference(x64, w.astype(np.float64), b.astype(np.float64), 1e-5)
    tol = TOL[dtype]
    np.testing.assert_allclose(y, ey, **tol)
    np.testing.assert_allclose(sm, mean, **tol)
    np.testing.assert_allclose(si, invstd, rtol=1e-5 if dtype == "float32" else 1e-12)
    np.testing.assert_allclose(rm, 0.1 * mean, **tol)
    np.testing.assert_allclose(rv, 0.9 + 0.1 * x64.var((0, 2), ddof=1), **tol)
    g = rng.standard_normal(x.shape).astype(dtype)
    gx, gw, gb = np.zeros_like(x), np.zeros(C, dtype), np.zeros(C, dtype)
    rows_call(m.get_function("batch_norm_backward"), C, *dims, g, x, wp, sm, si, gx, gw, gb)
    g64 = g.astype(np.float64)
    M = N * HW
    sdy = g64.sum((0, 2))
    sdyx = (g64 * xhat).sum((0, 2))
    egx = w[None, :, None] * invstd[None, :, None] * (g64 - sdy[None, :, None] / M - xhat * sdyx[None, :, None] / M)
    np.testing.assert_allclose(
        gx, egx, rtol=1e-4 if dtype == "float32" else 1e-10, atol=1e-5 if dtype == "float32" else 1e-12
    )
    np.testing.assert_allclose(gw, sdyx, rtol=1e-4 if dtype == "float32" else 1e-10)
    np.testing.assert_allclose(gb, sdy, rtol=1e-4 if dtype == "float32" else 1e-10, atol=1e-5)
    ye = np.zeros_like(x)
    launch(m.get_function("batch_norm_forward_eval"), x.size, *dims, x, wp, bp, rm, rv, np.float64(1e-5), ye)
    expect = (x64 - rm[None, :, None]) / np.sqrt(rv[None, :, None] + 1e-5) * w[None, :, None] + b[None, :, None]
    np.testing.assert_allclose(ye, expect, **tol)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_layer_norm_forward_backward(dtype):
    rng = np.random.default_rng(2)
    R, D = 5, 130
    x = rng.standard_normal((R, D)).astype(dtype)
    w = rng.standard_normal(D).astype(dtype)
    b = rng.standard_normal(D).astype(dtype)
    acc = acc_dtype(dtype)
    y, mean, rstd = np.zeros_like(x), np.zeros(R, acc), np.zeros(R, acc)
    m = module("norm", dtype)
    rows_call(
        m.get_function("layer_norm_forward"), R, np.int64(R), np.int64(D), x, w, b, np.float64(1e-5), y, mean, rstd
    )
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    mu, sd = x64.mean(1, keepdims=True), np.sqrt(x64.var(1, keepdims=True) + 1e-5)
    xhat = (x64 - mu) / sd
    loose = {"rtol": 1e-2, "atol": 1e-2} if dtype == "float16" else TOL[dtype]
    np.testing.assert_allclose(y.astype(np.float64), xhat * w64 + b, **loose)
    g = rng.standard_normal(x.shape).astype(dtype)
    g64 = g.astype(np.float64)
    gx = np.zeros_like(x)
    rows_call(m.get_function("layer_norm_backward_input"), R, np.int64(R), np.int64(D), g, x, w, mean, rstd, gx)
    wdy = g64 * w64
    egx = (wdy - wdy.mean(1, keepdims=True) - xhat * (wdy * xhat).mean(1, keepdims=True)) / sd
    loose_bwd = (
        {"rtol": 3e-2, "atol": 3e-2}
        if dtype == "float16"
        else {"rtol": 1e-4, "atol": 1e-5}
        if dtype == "float32"
        else TOL[dtype]
    )
    np.testing.assert_allclose(gx.astype(np.float64), egx, **loose_bwd)
    gw, gb = np.zeros(D, dtype), np.zeros(D, dtype)
    launch(m.get_function("layer_norm_backward_params"), D, np.int64(R), np.int64(D), g, x, mean, rstd, gw, gb)
    np.testing.assert_allclose(gw.astype(np.float64), (g64 * xhat).sum(0), **loose_bwd)
    np.testing.assert_allclose(gb.astype(np.float64), g64.sum(0), **loose_bwd)


def test_nll_loss_forward_backward_with_weights_and_ignore_index():
    rng = np.random.default_rng(3)
    N, C = 6, 4
    logp = np.log(rng.dirichlet(np.ones(C), N)).astype(np.float32)
    target = np.array([0, 3, -100, 2, 1, 3], np.int64)
    weight = np.array([1.0, 2.0, 0.5, 3.0], np.float32)
    loss, wsum, bad = np.zeros(N, np.float32), np.zeros(N, np.float32), np.zeros(1, np.int32)
    m = module("norm", "float32")
    launch(
        m.get_function("nll_loss_forward"),
        N,
        np.int64(N),
        np.int64(C),
        logp,
        target,
        weight,
        np.int64(-100),
        loss,
        wsum,
        bad,
    )
    keep = target != -100
    rows = np.arange(N)[keep]
    np.testing.assert_allclose(loss[keep], -weight[target[keep]] * logp[rows, target[keep]], rtol=1e-6)
    assert loss[2] == 0 and wsum[2] == 0 and bad[0] == 0
    np.testing.assert_allclose(wsum[keep], weight[target[keep]])
    g = rng.standard_normal(N).astype(np.float32)
    glogp = np.full((N, C), np.nan, np.float32)
    launch(
        m.get_function("nll_loss_backward"), N * C, np.int64(N), np.int64(C), g, target, weight, np.int64(-100), glogp
    )
    expect = np.zeros((N, C), np.float32)
    expect[rows, target[keep]] = -weight[target[keep]] * g[keep]
    np.testing.assert_allclose(glogp, expect, rtol=1e-6)
    target[0] = 7
    launch(
        m.get_function("nll_loss_forward"),
        N,
        np.int64(N),
        np.int64(C),
        logp,
        target,
        NULL,
        np.int64(-100),
        loss,
        wsum,
        bad,
    )
    assert bad[0] == 1 and loss[0] == 0
