"""optim.cu against PyTorch's documented update rules written out in NumPy."""

import numpy as np
import pytest
from kernels_support import launch, module

NULL = np.uintp(0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("momentum", "dampening", "nesterov", "wd", "maximize"),
    [(0.0, 0.0, 0, 0.0, 0), (0.9, 0.1, 0, 0.01, 0), (0.9, 0.0, 1, 0.0, 1)],
)
def test_sgd_steps(dtype, momentum, dampening, nesterov, wd, maximize):
    rng = np.random.default_rng(0)
    p = rng.standard_normal(300).astype(dtype)
    buf = np.zeros_like(p)
    ref_p, ref_buf = p.astype(np.float64), None
    f = module("optim", dtype).get_function("sgd_step")
    for step in range(3):
        g = rng.standard_normal(300).astype(dtype)
        launch(
            f,
            300,
            np.int64(300),
            p,
            g,
            buf if momentum else NULL,
            np.float64(0.1),
            np.float64(momentum),
            np.float64(dampening),
            np.float64(wd),
            np.int32(nesterov),
            np.int32(maximize),
            np.int32(step == 0),
        )
        d = -g.astype(np.float64) if maximize else g.astype(np.float64)
        d = d + wd * ref_p
        if momentum:
            ref_buf = d if ref_buf is None else momentum * ref_buf + (1 - dampening) * d
            d = d + momentum * ref_buf if nesterov else ref_buf
        ref_p = ref_p - 0.1 * d
    np.testing.assert_allclose(
        p, ref_p, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6 if dtype == "float32" else 0
    )


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize(("amsgrad", "decoupled", "wd", "maximize"), [(0, 0, 0.0, 0), (1, 0, 0.1, 0), (0, 1, 0.1, 1)])
def test_adam_and_adamw_steps(dtype, amsgrad, decoupled, wd, maximize):
    rng = np.random.default_rng(1)
    n, lr, b1, b2, eps = 200, 1e-2, 0.9, 0.999, 1e-8
    p = rng.standard_normal(n).astype(dtype)
    m, v, vmax = np.zeros_like(p), np.zeros_like(p), np.zeros_like(p)
    rp, rm, rv, rvmax = p.astype(np.float64), np.zeros(n), np.zeros(n), np.zeros(n)
    f = module("optim", dtype).get_function("adam_step")
    for step in range(1, 4):
        g = rng.standard_normal(n).astype(dtype)
        bc1, bc2 = 1 - b1**step, 1 - b2**step
        launch(
            f,
            n,
            np.int64(n),
            p,
            g,
            m,
            v,
            vmax if amsgrad else NULL,
            np.float64(lr),
            np.float64(b1),
            np.float64(b2),
            np.float64(eps),
            np.float64(wd),
            np.float64(bc1),
            np.float64(bc2),
            np.int32(amsgrad),
            np.int32(maximize),
            np.int32(decoupled),
        )
        d = g.astype(np.float64) * (-1 if maximize else 1)
        if decoupled:
            rp = rp * (1 - lr * wd)
        else:
            d = d + wd * rp
        rm = b1 * rm + (1 - b1) * d
        rv = b2 * rv + (1 - b2) * d * d
        vhat = rv
        if amsgrad:
            rvmax = np.maximum(rvmax, rv)
            vhat = rvmax
        rp = rp - lr / bc1 * rm / (np.sqrt(vhat) / np.sqrt(bc2) + eps)
    tol = {"float16": 5e-3, "float32": 1e-5, "float64": 1e-10}[dtype]
    np.testing.assert_allclose(p.astype(np.float64), rp, rtol=tol, atol=tol)
    np.testing.assert_allclose(m.astype(np.float64), rm, rtol=tol, atol=tol)
