"""L-BFGS: converges to the exact minimiser, resumes from a state dict, refuses bad arguments."""

import io

import numpy as np
import pytest

import ember
from ember import optim


def quadratic_problem(seed=0):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((30, 4))
    b = rng.standard_normal(30)
    return a, b, np.linalg.lstsq(a, b, rcond=None)[0]


def fit(opt, x, a, b):
    def closure():
        opt.zero_grad()
        r = ember.tensor(a) @ x - ember.tensor(b)
        loss = (r * r).sum()
        loss.backward()
        return loss
    return closure


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_reaches_the_least_squares_solution(line_search_fn):
    a, b, solution = quadratic_problem()
    x = ember.zeros(4, dtype=ember.float64, requires_grad=True)
    opt = optim.LBFGS([x], lr=1 if line_search_fn else 0.5, max_iter=200, line_search_fn=line_search_fn,
                      tolerance_grad=1e-12, tolerance_change=1e-14)
    opt.step(fit(opt, x, a, b))
    np.testing.assert_allclose(x.detach().numpy(), solution, rtol=1e-6, atol=1e-8)


def test_state_dict_round_trip_resumes_exactly():
    a, b, _ = quadratic_problem(1)

    def make():
        x = ember.zeros(4, dtype=ember.float64, requires_grad=True)
        return x, optim.LBFGS([x], lr=0.01, max_iter=3, history_size=2)

    x1, o1 = make()
    for _ in range(4):
        o1.step(fit(o1, x1, a, b))

    x2, o2 = make()
    for _ in range(2):
        o2.step(fit(o2, x2, a, b))
    buf = io.BytesIO()
    ember.save({"x": x2.detach(), "opt": o2.state_dict()}, buf)
    buf.seek(0)
    saved = ember.load(buf)
    x3, o3 = make()
    with ember.no_grad():
        x3.copy_(saved["x"])
    o3.load_state_dict(saved["opt"])
    assert len(o3.state[x3]["old_dirs"]) == 2  # the history came back, keyed to the new parameter
    for _ in range(2):
        o3.step(fit(o3, x3, a, b))
    np.testing.assert_array_equal(x3.detach().numpy(), x1.detach().numpy())


def test_returns_the_first_loss_and_stops_at_zero_gradient():
    x = ember.zeros(2, requires_grad=True)
    opt = optim.LBFGS([x])
    calls = []

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        calls.append(float(loss))
        return loss

    assert float(opt.step(closure)) == 0.0
    assert calls == [0.0]  # the gradient is already below tolerance_grad: one evaluation only


def test_parameters_without_gradient_count_as_zero():
    x, unused = ember.ones(2, requires_grad=True), ember.ones(3, requires_grad=True)
    opt = optim.LBFGS([x, unused], lr=0.1, max_iter=3)

    def closure():
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        return loss

    opt.step(closure)
    np.testing.assert_array_equal(unused.detach().numpy(), np.ones(3))
    assert float((x * x).sum()) < 2.0


def test_errors():
    x = ember.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [x]}, {"params": [ember.zeros(1, requires_grad=True)]}])
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.LBFGS([x], lr=-1)
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        optim.LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="Invalid history_size: 0"):
        optim.LBFGS([x], history_size=0)
    opt = optim.LBFGS([x])
    with pytest.raises(TypeError):
        opt.step()
    with pytest.raises(RuntimeError, match="requires a closure"):
        opt.step(None)
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        opt.add_param_group({"params": [ember.zeros(1, requires_grad=True)]})
    assert opt.param_groups[0]["max_eval"] == 25  # max_iter * 5 // 4


def test_runs_on_another_backend():
    import ember_checked  # noqa: F401  (the nn env installs it: missing, it must fail, not skip)
    results = []
    for device in ("cpu", "checked:1"):
        x = ember.tensor([-1.2, 1.0], dtype=ember.float64, device=device, requires_grad=True)
        opt = optim.LBFGS([x], line_search_fn="strong_wolfe", max_iter=60)

        def closure(opt=opt, x=x):
            opt.zero_grad()
            loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
            loss.backward()
            return loss

        for _ in range(2):
            opt.step(closure)
        assert x.device == ember.device(device)
        results.append(x.detach().cpu().numpy())
    np.testing.assert_array_equal(results[1], results[0])
    np.testing.assert_allclose(results[1], [1.0, 1.0], atol=1e-4)  # Rosenbrock's minimum
