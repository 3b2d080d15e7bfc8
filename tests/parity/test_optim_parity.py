"""Optimizers and schedulers step for step against PyTorch from identical starting points."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
eoptim = pytest.importorskip("ember.optim")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict(lr=1.0, rho=0.8, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.01)),  # rho_t passes 5 at step 6: both branches run
    ("RAdam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Rprop", dict(lr=0.01)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.1, alpha=0.5, t0=3, weight_decay=0.1, maximize=True)),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_ten_steps_match(name, kwargs, dtype):
    rng = np.random.default_rng(0)
    shapes = [(4, 3), (3,), (2, 2, 2), (33, 31)]  # the last spans several SIMD vectors and kernel blocks
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(10)]
    ours = [ember.tensor(a) for a in init]
    theirs = [torch.tensor(a) for a in init]
    opt_e = getattr(eoptim, name)([{"params": ours[:2]}, {"params": ours[2:], "lr": kwargs["lr"] / 2}], **kwargs)
    opt_t = getattr(torch.optim, name)([{"params": theirs[:2]}, {"params": theirs[2:], "lr": kwargs["lr"] / 2}],
                                       **kwargs)
    for step in grads:
        for p, g in zip(ours, step):
            p.grad = ember.tensor(g)
        for p, g in zip(theirs, step):
            p.grad = torch.tensor(g)
        opt_e.step()
        opt_t.step()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-5, atol=1e-6)
    sd_e, sd_t = opt_e.state_dict(), opt_t.state_dict()
    assert sd_e["param_groups"] == sd_t["param_groups"]
    for i, state in sd_t["state"].items():
        assert set(sd_e["state"][i]) == set(state)
        for key, value in state.items():
            if value is not None:
                np.testing.assert_allclose(np.asarray(sd_e["state"][i][key]), value.numpy(), rtol=1e-5, atol=1e-6)


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
    ("LinearLR", dict(start_factor=0.25, end_factor=0.9, total_iters=6)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=20)),
    ("OneCycleLR", dict(max_lr=[1.0, 0.5], total_steps=20, three_phase=True, anneal_strategy="linear")),
    ("ConstantLR", dict(factor=0.3, total_iters=4)),
    ("PolynomialLR", dict(total_iters=12, power=2.0)),
    ("PolynomialLR", dict(total_iters=5)),
    ("LambdaLR", dict(lr_lambda=lambda e: 0.9 ** e + 0.01 * e)),
    ("MultiplicativeLR", dict(lr_lambda=[lambda e: 0.95, lambda e: 1.0 - 0.01 * e])),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=2, step_size_down=5, mode="triangular2",
                      base_momentum=0.7, max_momentum=[0.9, 0.95])),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4, mode="exp_range", gamma=0.9)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3, scale_fn=lambda x: 1 / (1 + x), scale_mode="iterations",
                      cycle_momentum=False)),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_scheduler_curves_match(name, kwargs, opt_name):
    def build(lib, optim_mod, sched_mod):
        params = [lib.zeros(2), lib.zeros(2)]
        for p in params:
            p.grad = lib.zeros(2)
        extra = {"momentum": 0.9} if opt_name == "SGD" else {}
        opt = getattr(optim_mod, opt_name)([{"params": params[:1]}, {"params": params[1:], "lr": 0.2}], lr=0.1,
                                           **extra)
        return opt, getattr(sched_mod, name)(opt, **kwargs)

    opt_e, s_e = build(ember, eoptim, eoptim.lr_scheduler)
    opt_t, s_t = build(torch, torch.optim, torch.optim.lr_scheduler)
    for _ in range(19):
        assert s_e.get_last_lr() == pytest.approx(s_t.get_last_lr(), rel=1e-12)
        for a, b in zip(opt_e.param_groups, opt_t.param_groups):
            assert a.get("momentum") == pytest.approx(b.get("momentum"))
            assert a.get("betas") == pytest.approx(b.get("betas"))
        opt_e.step()
        opt_t.step()
        s_e.step()
        s_t.step()


def test_reduce_on_plateau_and_sequential_match():
    def build(lib, optim_mod, sched_mod):
        p = lib.zeros(1)
        opt = optim_mod.SGD([p], lr=1.0)
        plateau = sched_mod.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1, threshold=0.1)
        return opt, plateau

    opt_e, s_e = build(ember, eoptim, eoptim.lr_scheduler)
    opt_t, s_t = build(torch, torch.optim, torch.optim.lr_scheduler)
    for metric in [5, 4, 4, 4, 4, 3.9, 3.9, 1, 1, 1, 1, 1]:
        s_e.step(metric)
        s_t.step(metric)
        assert opt_e.param_groups[0]["lr"] == opt_t.param_groups[0]["lr"]

    def seq(lib, optim_mod, sched_mod):
        opt = optim_mod.SGD([lib.zeros(1)], lr=1.0)
        a = sched_mod.LinearLR(opt, start_factor=0.1, total_iters=3)
        b = sched_mod.CosineAnnealingLR(opt, T_max=5)
        return sched_mod.SequentialLR(opt, [a, b], milestones=[3])

    s_e, s_t = seq(ember, eoptim, eoptim.lr_scheduler), seq(torch, torch.optim, torch.optim.lr_scheduler)
    for _ in range(8):
        assert s_e.get_last_lr() == pytest.approx(s_t.get_last_lr())
        s_e.step()
        s_t.step()


def test_chained_scheduler_matches():
    def chain(lib, optim_mod, sched_mod):
        opt = optim_mod.SGD([{"params": [lib.zeros(1)]}, {"params": [lib.zeros(1)], "lr": 0.5}], lr=1.0,
                            momentum=0.9)
        warm = sched_mod.ConstantLR(opt, factor=0.1, total_iters=2)
        decay = sched_mod.ExponentialLR(opt, gamma=0.9)
        cyc = sched_mod.CyclicLR(opt, base_lr=0.1, max_lr=1.0, step_size_up=3)
        return opt, sched_mod.ChainedScheduler([warm, decay, cyc])

    (opt_e, s_e), (opt_t, s_t) = chain(ember, eoptim, eoptim.lr_scheduler), chain(torch, torch.optim,
                                                                                   torch.optim.lr_scheduler)
    for _ in range(10):
        assert s_e.get_last_lr() == pytest.approx(s_t.get_last_lr(), rel=1e-12)
        assert [g["momentum"] for g in opt_e.param_groups] == pytest.approx([g["momentum"] for g in opt_t.param_groups])
        s_e.step()
        s_t.step()


CLOSED_FORM = [(n, k) for n, k in SCHEDULERS if n not in ("OneCycleLR", "CyclicLR", "CosineAnnealingWarmRestarts",
                                                           "LambdaLR", "MultiplicativeLR")]


@pytest.mark.parametrize("name,kwargs", CLOSED_FORM, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CLOSED_FORM)])
def test_closed_form_with_an_epoch_argument_matches(name, kwargs):
    """``step(epoch)`` jumps with the closed form where PyTorch has one (a deprecated use that still works)."""
    def build(lib, optim_mod, sched_mod):
        opt = optim_mod.SGD([lib.zeros(1)], lr=0.1)
        return getattr(sched_mod, name)(opt, **kwargs)

    s_e, s_t = build(ember, eoptim, eoptim.lr_scheduler), build(torch, torch.optim, torch.optim.lr_scheduler)
    for epoch in (3, 7, 2, 15):
        with pytest.warns(UserWarning):
            s_e.step(epoch)
        with pytest.warns(UserWarning):
            s_t.step(epoch)
        assert s_e.get_last_lr() == pytest.approx(s_t.get_last_lr(), rel=1e-12)
