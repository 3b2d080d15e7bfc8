"""L-BFGS against PyTorch: the same problems from the same start give the same iterates, with the
fixed step and with the strong Wolfe line search, across several ``step`` calls."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
eoptim = pytest.importorskip("ember.optim")


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[2]) ** 2 + 100 * (x[3] - x[2] ** 2) ** 2


def least_squares(lib, a, b):
    """A small linear fit with two parameter tensors (weight and bias) and a smooth penalty."""
    def loss(params):
        w, c = params
        r = a @ w + c - b
        return (r * r).mean() + 0.01 * (w * w).sum()
    return loss


def _run(lib, optim_mod, loss_fn, init, steps, **kwargs):
    params = [lib.tensor(v.copy(), requires_grad=True) for v in init]
    opt = optim_mod.LBFGS(params, **kwargs)

    def closure():
        opt.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        return loss

    trajectory, losses = [], []
    for _ in range(steps):
        losses.append(float(opt.step(closure).detach()))
        trajectory.append([p.detach().numpy().copy() for p in params])
    state = opt.state[params[0]]
    return trajectory, losses, (state["func_evals"], state["n_iter"])


CASES = [
    dict(lr=0.1, max_iter=5, history_size=4),
    dict(lr=1, max_iter=7, history_size=3, line_search_fn="strong_wolfe"),
    dict(lr=0.5, max_iter=20, max_eval=9, line_search_fn="strong_wolfe"),
    dict(lr=1, max_iter=4, tolerance_change=1e-5, tolerance_grad=1e-4),
]


@pytest.mark.parametrize("kwargs", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_rosenbrock_iterates_match(kwargs):
    init = [np.array([-1.2, 1.0, 0.5, -0.3])]
    ours = _run(ember, eoptim, lambda p: rosenbrock(p[0]), init, 6, **kwargs)
    theirs = _run(torch, torch.optim, lambda p: rosenbrock(p[0]), init, 6, **kwargs)
    for a, b in zip(ours[0], theirs[0]):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-6)
    assert ours[2] == theirs[2]  # the same number of evaluations and iterations


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_least_squares_fit_matches(line_search_fn, dtype):
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((20, 3)).astype(dtype), rng.standard_normal(20).astype(dtype)
    init = [rng.standard_normal(3).astype(dtype), np.zeros((), dtype)]
    kwargs = dict(lr=1 if line_search_fn else 0.2, max_iter=10, history_size=5, line_search_fn=line_search_fn)
    ours = _run(ember, eoptim, least_squares(ember, ember.tensor(a), ember.tensor(b)), init, 3, **kwargs)
    theirs = _run(torch, torch.optim, least_squares(torch, torch.tensor(a), torch.tensor(b)), init, 3, **kwargs)
    # float32: rounding differences in the dot products move the iterates by a few ulp of the loss
    tol = dict(rtol=1e-9, atol=1e-10) if dtype == np.float64 else dict(rtol=1e-3, atol=2e-4)
    for mine, ref in zip(ours[0], theirs[0]):
        for p, q in zip(mine, ref):
            np.testing.assert_allclose(p, q, **tol)
    np.testing.assert_allclose(ours[1], theirs[1], **tol)


def test_state_dict_matches_torch_and_loads_into_torch():
    init = np.array([-1.2, 1.0, 0.5, -0.3])
    xe, xt = ember.tensor(init, requires_grad=True), torch.tensor(init, requires_grad=True)
    oe = eoptim.LBFGS([xe], max_iter=4, history_size=3, line_search_fn="strong_wolfe")
    ot = torch.optim.LBFGS([xt], max_iter=4, history_size=3, line_search_fn="strong_wolfe")

    def closure(opt, x):
        def run():
            opt.zero_grad()
            loss = rosenbrock(x)
            loss.backward()
            return loss
        return run

    for _ in range(2):
        oe.step(closure(oe, xe))
        ot.step(closure(ot, xt))
    se, st = oe.state_dict(), ot.state_dict()
    assert se["param_groups"] == st["param_groups"]
    mine, ref = se["state"][0], st["state"][0]
    assert set(mine) == set(ref)
    for key in ("func_evals", "n_iter"):
        assert mine[key] == ref[key]
    for key in ("d", "prev_flat_grad", "H_diag"):
        np.testing.assert_allclose(mine[key].numpy(), ref[key].numpy(), rtol=1e-8)
    for key in ("old_dirs", "old_stps", "ro"):
        assert len(mine[key]) == len(ref[key])
        for a, b in zip(mine[key], ref[key]):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8)
