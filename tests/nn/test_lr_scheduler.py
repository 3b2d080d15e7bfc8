"""Learning-rate schedules: curves against their formulas, state dicts, errors."""

import math

import pytest

import ember
from ember import optim
from ember.optim import lr_scheduler as S


def make_opt(lr=1.0, **kw):
    p = ember.zeros(1)
    p.grad = ember.zeros(1)
    return optim.SGD([p], lr=lr, **kw)


def curve(sched, steps):
    out = [sched.get_last_lr()[0]]
    for _ in range(steps):
        sched.optimizer.step()
        sched.step()
        out.append(sched.get_last_lr()[0])
    return out


def test_step_lr():
    assert curve(S.StepLR(make_opt(), step_size=2, gamma=0.5), 5) == pytest.approx([1, 1, .5, .5, .25, .25])


def test_multistep_lr_with_repeated_milestone():
    got = curve(S.MultiStepLR(make_opt(), milestones=[1, 3, 3], gamma=0.1), 4)
    assert got == pytest.approx([1, 0.1, 0.1, 0.001, 0.001])


def test_exponential_lr():
    assert curve(S.ExponentialLR(make_opt(), gamma=0.9), 3) == pytest.approx([1, .9, .81, .729])


def test_cosine_annealing_matches_closed_form():
    got = curve(S.CosineAnnealingLR(make_opt(), T_max=10, eta_min=0.1), 10)
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(11)]
    assert got == pytest.approx(want)


def test_cosine_warm_restarts_restart_and_grow():
    got = curve(S.CosineAnnealingWarmRestarts(make_opt(), T_0=2, T_mult=2), 6)
    want = [1, 0.5, 1, (1 + math.cos(math.pi / 4)) / 2, 0.5, (1 + math.cos(3 * math.pi / 4)) / 2, 1]
    assert got == pytest.approx(want)


def test_lambda_lr_per_group():
    p, q = ember.zeros(1), ember.zeros(1)
    opt = optim.SGD([{"params": [p]}, {"params": [q], "lr": 2.0}], lr=1.0)
    sched = S.LambdaLR(opt, [lambda e: 0.5 ** e, lambda e: e + 1])
    sched.step()
    assert sched.get_last_lr() == pytest.approx([0.5, 4.0])


def test_linear_lr():
    got = curve(S.LinearLR(make_opt(), start_factor=0.5, total_iters=4), 5)
    assert got == pytest.approx([0.5, 0.625, 0.75, 0.875, 1.0, 1.0])


def test_one_cycle_goes_up_then_far_down_and_cycles_momentum():
    opt = make_opt(momentum=0.9)
    sched = S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    lrs = curve(sched, 9)
    assert lrs[0] == pytest.approx(1.0 / 25)
    assert max(lrs) == pytest.approx(1.0) and lrs.index(max(lrs)) == 2
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    with pytest.raises(ValueError, match="Tried to step 11 times"):
        sched.step()
        sched.step()


def test_one_cycle_needs_momentum():
    opt = optim.Adagrad([ember.zeros(1)], lr=0.1)
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        S.OneCycleLR(opt, max_lr=1.0, total_steps=10)


def test_reduce_on_plateau():
    opt = make_opt()
    sched = S.ReduceLROnPlateau(opt, patience=1, factor=0.5, cooldown=1)
    for metric in [1.0, 1.0, 1.0, 1.0, 1.0, 0.1]:
        sched.step(metric)
    # bad epochs: 2 -> reduce; cooldown 1 epoch; then 2 more bad -> reduce again
    assert opt.param_groups[0]["lr"] == pytest.approx(0.5)
    sched.step(0.2)
    sched.step(0.3)
    assert opt.param_groups[0]["lr"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        S.ReduceLROnPlateau(opt, factor=1.0)


def test_sequential_lr():
    opt = make_opt()
    warm = S.LinearLR(opt, start_factor=0.5, total_iters=2)
    decay = S.ExponentialLR(opt, gamma=0.5)
    sched = S.SequentialLR(opt, [warm, decay], milestones=[2])
    assert curve(sched, 4) == pytest.approx([0.5, 0.75, 1.0, 0.5, 0.25])


def test_state_dict_resumes_the_curve():
    opt = make_opt()
    sched = S.StepLR(opt, step_size=2, gamma=0.5)
    curve(sched, 3)
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    opt2 = make_opt(lr=opt.param_groups[0]["lr"])
    opt2.param_groups[0]["initial_lr"] = 1.0
    resumed = S.StepLR(opt2, step_size=2, gamma=0.5, last_epoch=2)
    resumed.load_state_dict(state)
    assert curve(resumed, 2)[1:] == curve(sched, 2)[1:]


def test_resuming_without_initial_lr_is_an_error():
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        S.StepLR(make_opt(), step_size=1, last_epoch=3)


def test_constant_lr():
    assert curve(S.ConstantLR(make_opt(), factor=0.25, total_iters=3), 5) == pytest.approx([.25, .25, .25, 1, 1, 1])
    with pytest.raises(ValueError, match="Constant multiplicative factor expected to be between 0 and 1."):
        S.ConstantLR(make_opt(), factor=1.5)


def test_polynomial_lr():
    got = curve(S.PolynomialLR(make_opt(), total_iters=4, power=2.0), 6)
    assert got == pytest.approx([(1 - min(e, 4) / 4) ** 2 for e in range(7)])


def test_multiplicative_lr():
    assert curve(S.MultiplicativeLR(make_opt(), lambda e: 0.5), 3) == pytest.approx([1, .5, .25, .125])
    with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
        S.MultiplicativeLR(make_opt(), [lambda e: 1.0, lambda e: 1.0])


def test_cyclic_lr_triangle_and_momentum():
    opt = make_opt(momentum=0.9)
    sched = S.CyclicLR(opt, base_lr=0.1, max_lr=0.5, step_size_up=2, step_size_down=4)
    momenta = [opt.param_groups[0]["momentum"]]
    lrs = [sched.get_last_lr()[0]]
    for _ in range(7):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
        momenta.append(opt.param_groups[0]["momentum"])
    assert lrs == pytest.approx([0.1, 0.3, 0.5, 0.4, 0.3, 0.2, 0.1, 0.3])
    assert momenta == pytest.approx([0.9, 0.85, 0.8, 0.825, 0.85, 0.875, 0.9, 0.85])


def test_cyclic_lr_triangular2_halves_the_amplitude():
    got = curve(S.CyclicLR(make_opt(momentum=0.9), base_lr=0.0, max_lr=1.0, step_size_up=1, mode="triangular2"), 6)
    assert got == pytest.approx([0, 1, 0, 0.5, 0, 0.25, 0])


def test_cyclic_lr_errors():
    with pytest.raises(ValueError, match="mode is invalid and scale_fn is None"):
        S.CyclicLR(make_opt(momentum=0.9), 0.1, 1.0, mode="square")
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        S.CyclicLR(optim.Adagrad([ember.zeros(1)], lr=0.1), 0.1, 1.0)
    with pytest.raises(ValueError, match="expected 1 values for max_lr, got 2"):
        S.CyclicLR(make_opt(momentum=0.9), 0.1, [1.0, 2.0])


def test_chained_scheduler_multiplies_the_factors():
    opt = make_opt()
    sched = S.ChainedScheduler([S.ConstantLR(opt, factor=0.5, total_iters=2), S.ExponentialLR(opt, gamma=0.9)])
    assert curve(sched, 3) == pytest.approx([0.5, 0.45, 0.81, 0.729])
    other = make_opt()
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        S.ChainedScheduler([S.ExponentialLR(opt, gamma=0.9), S.ExponentialLR(other, gamma=0.9)])
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        S.ChainedScheduler([])


def _fresh(kind):
    """A new optimizer and scheduler of ``kind``; every one starts from the same learning rate."""
    opt = make_opt(momentum=0.9)
    makers = {
        "StepLR": lambda o: S.StepLR(o, step_size=2, gamma=0.5),
        "ConstantLR": lambda o: S.ConstantLR(o, factor=0.5, total_iters=3),
        "PolynomialLR": lambda o: S.PolynomialLR(o, total_iters=6, power=1.5),
        "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, lambda e: 0.9),
        "LambdaLR": lambda o: S.LambdaLR(o, lambda e: 1 / (1 + e)),
        "CyclicLR": lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=2, mode="exp_range", gamma=0.8),
        "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2),
        "OneCycleLR": lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=12),
        "ChainedScheduler": lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=2),
                                                          S.ExponentialLR(o, gamma=0.9)]),
        "SequentialLR": lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.5, total_iters=2),
                                                     S.ExponentialLR(o, gamma=0.9)], milestones=[2]),
    }
    return opt, makers[kind](opt)


@pytest.mark.parametrize("kind", ["StepLR", "ConstantLR", "PolynomialLR", "MultiplicativeLR", "LambdaLR",
                                  "CyclicLR", "CosineAnnealingWarmRestarts", "OneCycleLR", "ChainedScheduler",
                                  "SequentialLR"])
def test_state_dict_round_trip_continues_the_same_curve(kind, tmp_path):
    opt, sched = _fresh(kind)
    curve(sched, 4)
    ember.save({"opt": opt.state_dict(), "sched": sched.state_dict()}, tmp_path / "ckpt.pth")
    expected = curve(sched, 5)[1:]
    ckpt = ember.load(tmp_path / "ckpt.pth", weights_only=False)
    opt2, sched2 = _fresh(kind)
    opt2.load_state_dict(ckpt["opt"])
    sched2.load_state_dict(ckpt["sched"])
    assert curve(sched2, 5)[1:] == pytest.approx(expected, rel=1e-12)
