"""Optimizers against hand-computed updates, parameter groups, and checkpoints."""

import inspect
import math

import numpy as np
import pytest

import ember
from ember import optim


def param(values, grad):
    p = ember.tensor(values, dtype=ember.float64)
    p.grad = ember.tensor(grad, dtype=ember.float64)
    return p


def test_sgd_plain_step():
    p = param([1.0, 2.0], [0.5, -1.0])
    optim.SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.numpy(), [1.0 - 0.05, 2.0 + 0.1])


def test_sgd_momentum_dampening_weight_decay_by_hand():
    p = param([1.0], [0.5])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)
    # step 1: d = g + wd*p = 0.51; buf = d; p -= lr*buf
    opt.step()
    assert p.item() == pytest.approx(1.0 - 0.1 * 0.51)
    p1 = p.item()
    # step 2: d = 0.5 + 0.01*p1; buf = 0.9*0.51 + 0.9*d
    opt.step()
    d = 0.5 + 0.01 * p1
    assert p.item() == pytest.approx(p1 - 0.1 * (0.9 * 0.51 + 0.9 * d))


def test_sgd_nesterov_and_maximize():
    p = param([0.0], [1.0])
    opt = optim.SGD([p], lr=1.0, momentum=0.5, nesterov=True, maximize=True)
    opt.step()  # d = -1; buf = -1; d = d + 0.5*buf = -1.5
    assert p.item() == pytest.approx(1.5)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([p], lr=0.1, nesterov=True)


def test_adam_first_steps_by_hand():
    p = param([1.0], [0.2])
    opt = optim.Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    m = v = 0.0
    expected = 1.0
    for step in (1, 2):
        m = 0.9 * m + 0.1 * 0.2
        v = 0.999 * v + 0.001 * 0.04
        denom = math.sqrt(v) / math.sqrt(1 - 0.999 ** step) + 1e-8
        expected -= 0.01 / (1 - 0.9 ** step) * m / denom
        opt.step()
        assert p.item() == pytest.approx(expected, rel=1e-12)
    assert opt.state[p]["step"].item() == 2.0


def test_adamw_decouples_weight_decay():
    p = param([2.0], [0.0])
    optim.AdamW([p], lr=0.1, weight_decay=0.5).step()
    # zero gradient: only the decay acts, p *= 1 - lr*wd
    assert p.item() == pytest.approx(2.0 * (1 - 0.05))


def test_adam_amsgrad_keeps_max_second_moment():
    p = param([1.0], [1.0])
    opt = optim.Adam([p], lr=0.1, amsgrad=True)
    opt.step()
    p.grad = ember.tensor([0.0], dtype=ember.float64)
    opt.step()
    state = opt.state[p]
    assert state["max_exp_avg_sq"].item() == pytest.approx(0.001)
    assert state["exp_avg_sq"].item() == pytest.approx(0.001 * 0.999)


def test_rmsprop_centered_momentum_by_hand():
    p = param([1.0], [0.5])
    optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-8, momentum=0.5, centered=True).step()
    sq = 0.1 * 0.25
    gavg = 0.1 * 0.5
    avg = math.sqrt(sq - gavg * gavg) + 1e-8
    assert p.item() == pytest.approx(1.0 - 0.01 * (0.5 / avg))


def test_adagrad_by_hand_with_lr_decay():
    p = param([1.0], [2.0])
    opt = optim.Adagrad([p], lr=0.1, lr_decay=0.5, initial_accumulator_value=1.0)
    opt.step()
    assert p.item() == pytest.approx(1.0 - 0.1 * 2.0 / (math.sqrt(5.0) + 1e-10))
    p_prev = p.item()
    opt.step()
    assert p.item() == pytest.approx(p_prev - 0.1 / 1.5 * 2.0 / (math.sqrt(9.0) + 1e-10))


def test_adadelta_by_hand():
    p = param([1.0], [2.0])
    optim.Adadelta([p], lr=1.0, rho=0.9, eps=1e-6).step()
    sq = 0.1 * 4.0
    delta = math.sqrt(1e-6) / math.sqrt(sq + 1e-6) * 2.0
    assert p.item() == pytest.approx(1.0 - delta)


def test_adamax_by_hand():
    p = param([1.0], [-3.0])
    optim.Adamax([p], lr=0.002).step()
    m = 0.1 * -3.0
    u = 3.0 + 1e-8
    assert p.item() == pytest.approx(1.0 - 0.002 / 0.1 * m / u)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float16])
def test_non_contiguous_and_half_params_update_in_place(dtype):
    base = ember.ones(4, 3, dtype=dtype)
    p = base.T  # non-contiguous view
    p.grad = ember.ones(3, 4, dtype=dtype)
    optim.SGD([p], lr=0.5).step()
    np.testing.assert_allclose(base.float().numpy(), np.full((4, 3), 0.5))


def _mixed_group():
    """Parameters one group kernel takes (contiguous float32/float64) next to ones it leaves to the
    per-parameter path (a transposed view, float16), and one whose gradient starts late."""
    rng = np.random.default_rng(0)
    base = ember.tensor(rng.standard_normal((4, 3)).astype(np.float32))
    params = [ember.tensor(rng.standard_normal((3, 4)).astype(np.float32)), base.T,
              ember.tensor(rng.standard_normal(5)), ember.tensor(rng.standard_normal((2, 2)).astype(np.float16)),
              ember.tensor(rng.standard_normal(300).astype(np.float32))]
    grads = [[rng.standard_normal(tuple(p.shape)) for p in params] for _ in range(3)]
    return params, grads


def test_sgd_group_update_matches_the_formula_on_mixed_layouts_and_dtypes():
    params, grads = _mixed_group()
    expected = [p.double().numpy().copy() for p in params]
    bufs = [None] * len(params)
    opt = optim.SGD(params, lr=0.1, momentum=0.9)
    for step, gs in enumerate(grads):
        for i, (p, g) in enumerate(zip(params, gs)):
            if i == 4 and step == 0:
                p.grad = None  # no gradient yet: not updated, no momentum buffer
                continue
            p.grad = ember.tensor(g).to(p.dtype)
            g = p.grad.double().numpy()
            bufs[i] = g if bufs[i] is None else 0.9 * bufs[i] + g
            expected[i] = expected[i] - 0.1 * bufs[i]
        opt.step()
    for p, e in zip(params, expected):
        np.testing.assert_allclose(p.double().numpy(), e, rtol=1e-2 if p.dtype is ember.float16 else 1e-5, atol=1e-5)


def test_adam_group_update_keeps_a_step_count_per_parameter():
    params, grads = _mixed_group()
    late = params[4].clone()
    opt = optim.Adam(params, lr=0.01)
    alone = optim.Adam([late], lr=0.01)
    for step, gs in enumerate(grads):
        for i, (p, g) in enumerate(zip(params, gs)):
            p.grad = None if i == 4 and step == 0 else ember.tensor(g).to(p.dtype)
        if step:
            late.grad = ember.tensor(gs[4]).float()
            alone.step()
        opt.step()
    assert [opt.state[p]["step"].item() for p in params] == [3.0, 3.0, 3.0, 3.0, 2.0]
    np.testing.assert_allclose(params[4].numpy(), late.numpy(), rtol=1e-6)


@pytest.mark.parametrize("make", [lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adam(ps)])
def test_step_counts_as_an_in_place_change_for_autograd(make):
    w = ember.ones(3, requires_grad=True)
    loss = (w * w).sum()  # mul saves w for backward
    w.grad = ember.ones(3)
    make([w]).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_param_groups_have_their_own_options():
    a, b = param([1.0], [1.0]), param([1.0], [1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.5)
    c = param([1.0], [1.0])
    opt.add_param_group({"params": c, "momentum": 0.9})
    assert opt.param_groups[2]["lr"] == 0.1 and opt.param_groups[2]["momentum"] == 0.9


def test_bad_parameters_are_refused():
    p = param([1.0], [1.0])
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(TypeError, match="ordering of tensors in sets"):
        optim.SGD([param([1.0], [1.0])], lr=0.1).add_param_group({"params": {p}})
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is int"):
        optim.SGD([1], lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.Adam([p], lr=-1)


def test_zero_grad():
    p = param([1.0], [1.0])
    opt = optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0]
    opt.zero_grad()
    assert p.grad is None


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    lambda ps: optim.AdamW(ps, lr=0.01),
    lambda ps: optim.RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
    lambda ps: optim.Adagrad(ps, lr=0.1),
    lambda ps: optim.Adadelta(ps),
    lambda ps: optim.Adamax(ps),
])
def test_resuming_from_state_dict_gives_the_same_trajectory(make, tmp_path):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(3) for _ in range(6)]

    def run(steps, p, opt):
        for g in steps:
            p.grad = ember.tensor(g)
            opt.step()

    p = ember.tensor([1.0, -1.0, 0.5])
    opt = make([p])
    run(grads, p, opt)

    q = ember.tensor([1.0, -1.0, 0.5])
    first = make([q])
    run(grads[:3], q, first)
    ember.save({"p": q, "opt": first.state_dict()}, tmp_path / "ckpt.pth")
    ckpt = ember.load(tmp_path / "ckpt.pth")
    r = ckpt["p"]
    resumed = make([r])
    resumed.load_state_dict(ckpt["opt"])
    run(grads[3:], r, resumed)
    np.testing.assert_allclose(r.numpy(), p.numpy(), rtol=0, atol=0)


def test_load_state_dict_checks_group_sizes():
    a, b = param([1.0], [1.0]), param([1.0], [1.0])
    sd = optim.SGD([a, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.SGD([a], lr=0.1).load_state_dict(sd)


def test_state_dict_layout_matches_pytorch():
    p = param([1.0], [1.0])
    opt = optim.Adam([p], lr=0.1)
    opt.step()
    sd = opt.state_dict()
    assert sd["param_groups"][0]["params"] == [0]
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)


def test_repr():
    p = param([1.0], [1.0])
    assert repr(optim.SGD([p], lr=0.1)) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n"
        "    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n"
        "    weight_decay: 0\n)")


def test_optimizers_run_on_another_backend():
    import ember_checked  # noqa: F401  (the nn env installs it: missing, it must fail, not skip)
    rng = np.random.default_rng(1)
    init, grad = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    for make in (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9), lambda ps: optim.Adam(ps, lr=0.1)):
        on_cpu = ember.tensor(init)
        on_dev = ember.tensor(init, device="checked:1")
        opt_cpu, opt_dev = make([on_cpu]), make([on_dev])
        for _ in range(3):
            on_cpu.grad = ember.tensor(grad)
            on_dev.grad = ember.tensor(grad, device="checked:1")
            opt_cpu.step()
            opt_dev.step()
        assert on_dev.device == ember.device("checked:1")
        np.testing.assert_allclose(on_dev.cpu().numpy(), on_cpu.numpy(), rtol=1e-6)


ALL_OPTIMIZERS = [optim.SGD, optim.Adam, optim.AdamW, optim.Adamax, optim.NAdam, optim.RAdam, optim.RMSprop,
                  optim.Adagrad, optim.Adadelta, optim.Rprop, optim.ASGD]


@pytest.mark.parametrize("make", ALL_OPTIMIZERS)
@pytest.mark.parametrize("bad", [-1.0, math.nan])
def test_every_optimizer_refuses_a_negative_or_nan_learning_rate(make, bad):
    with pytest.raises(ValueError, match=f"^Invalid learning rate: {bad}$"):
        make([param([1.0], [1.0])], lr=bad)


@pytest.mark.parametrize("make, name", [(optim.Adamax, "eps"), (optim.RMSprop, "eps"), (optim.Adagrad, "eps"),
                                        (optim.Adadelta, "eps"), (optim.SGD, "momentum"),
                                        (optim.RMSprop, "alpha"), (optim.NAdam, "momentum_decay"),
                                        (optim.Adamax, "weight_decay"), (optim.ASGD, "weight_decay")])
def test_nan_hyperparameters_are_refused(make, name):
    label = "epsilon value" if name == "eps" else f"{name} value"
    with pytest.raises(ValueError, match=f"^Invalid {label}: nan$"):
        make([param([1.0], [1.0])], lr=0.1, **{name: math.nan})


@pytest.mark.parametrize("make", ALL_OPTIMIZERS)
@pytest.mark.parametrize("flag", ["fused", "capturable", "differentiable"])
def test_implementation_switches_ember_does_not_have_raise(make, flag):
    p = param([1.0], [1.0])
    if flag in inspect.signature(make).parameters:
        with pytest.raises(NotImplementedError, match=f"^{flag}=True is not supported: "):
            make([p], lr=0.1, **{flag: True})
        make([p], lr=0.1, **{flag: False})   # the default is accepted
    opt = make([p], lr=0.1)
    with pytest.raises(NotImplementedError, match=f"^{flag}=True is not supported: "):
        opt.add_param_group({"params": [param([2.0], [1.0])], flag: True})


@pytest.mark.parametrize("make", ALL_OPTIMIZERS)
def test_foreach_is_accepted_and_changes_nothing(make):
    steps = []
    for foreach in (None, True, False):
        p = param([1.0, -2.0], [0.5, 0.25])
        opt = make([p], lr=0.1, foreach=foreach)
        opt.step()
        p.grad = ember.tensor([0.3, -0.1], dtype=ember.float64)
        opt.step()
        steps.append(p.tolist())
    assert steps[0] == steps[1] == steps[2]
    assert steps[0] != [1.0, -2.0]
    with pytest.raises(TypeError, match="^foreach must be None or a bool, got str$"):
        make([param([1.0], [1.0])], lr=0.1, foreach="yes")
