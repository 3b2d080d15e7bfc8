"""NAdam, RAdam, Rprop and ASGD (updates written with ember ops): first steps by hand,
checkpoints, argument checks, and other layouts and backends."""

import math

import numpy as np
import pytest

import ember
from ember import optim


def param(values, grad):
    p = ember.tensor(values, dtype=ember.float64)
    p.grad = ember.tensor(grad, dtype=ember.float64)
    return p


def test_nadam_first_step_by_hand():
    p = param([1.0], [-3.0])
    optim.NAdam([p], lr=0.01).step()
    mu1 = 0.9 * (1 - 0.5 * 0.96 ** 0.004)
    product = float(np.float32(mu1))  # the running product of the mus is a float32 scalar, as in PyTorch
    mu2 = 0.9 * (1 - 0.5 * 0.96 ** 0.008)
    denom = math.sqrt(0.001 * 9 / 0.001) + 1e-8
    want = 1.0 - 0.01 * (1 - mu1) / (1 - product) * -3.0 / denom - 0.01 * mu2 / (1 - product * mu2) * -0.3 / denom
    assert p.item() == pytest.approx(want, rel=1e-12)


def test_radam_is_momentum_sgd_until_the_variance_is_tractable():
    p = param([1.0], [-3.0])
    opt = optim.RAdam([p], lr=0.01)
    opt.step()  # rho_1 = 1 <= 5: the bias-corrected momentum alone
    assert p.item() == pytest.approx(1.03, rel=1e-12)
    for _ in range(5):
        p.grad = ember.tensor([-3.0], dtype=ember.float64)
        opt.step()
    # step 6: rho_6 > 5, so the rectified Adam step (constant gradient: m_hat = -3, v_hat = 9)
    rho_inf = 2 / 0.001 - 1
    rho = rho_inf - 2 * 6 * 0.999 ** 6 / (1 - 0.999 ** 6)
    rect = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    assert rho > 5
    before = 1.03 + 4 * 0.03
    v = 0.001 * 9 * sum(0.999 ** k for k in range(6))
    adaptive = math.sqrt(1 - 0.999 ** 6) / (math.sqrt(v) + 1e-8)
    m = -3.0 * (1 - 0.9 ** 6)
    assert p.item() == pytest.approx(before - 0.01 * m / (1 - 0.9 ** 6) * adaptive * rect, rel=1e-10)


def test_rprop_grows_shrinks_and_skips_on_a_sign_flip():
    p = param([0.0, 0.0], [1.0, -1.0])
    opt = optim.Rprop([p], lr=0.1, etas=(0.5, 1.2), step_sizes=(1e-6, 0.13))
    opt.step()
    np.testing.assert_allclose(p.numpy(), [-0.1, 0.1])
    p.grad = ember.tensor([2.0, -1.0], dtype=ember.float64)
    opt.step()  # same signs: steps grow by 1.2, the second capped at 0.13
    np.testing.assert_allclose(p.numpy(), [-0.1 - 0.12, 0.1 + 0.12])
    opt.param_groups[0]["step_sizes"] = (1e-6, 0.13)
    p.grad = ember.tensor([-1.0, -1.0], dtype=ember.float64)
    opt.step()  # first element flips: its step halves and it does not move; the second is capped
    np.testing.assert_allclose(p.numpy(), [-0.22, 0.22 + 0.13])
    np.testing.assert_allclose(opt.state[p]["step_size"].numpy(), [0.06, 0.13])
    np.testing.assert_allclose(opt.state[p]["prev"].numpy(), [0.0, -1.0])


def test_asgd_steps_and_averages_after_t0():
    p = param([1.0], [-3.0])
    opt = optim.ASGD([p], lr=0.05, lambd=1e-4, alpha=0.75, t0=1)
    opt.step()
    lr = float(np.float32(0.05))  # eta is kept as a float32 scalar, as PyTorch does
    first = 1.0 * (1 - 1e-4 * lr) + lr * 3.0
    assert p.item() == pytest.approx(first, rel=1e-12)
    assert opt.state[p]["ax"].item() == pytest.approx(first, rel=1e-12)  # mu = 1: ax is the parameter
    eta = float(np.float32(0.05 / (1 + 1e-4 * 0.05) ** 0.75))
    assert opt.state[p]["eta"].item() == pytest.approx(eta, rel=1e-7)
    p.grad = ember.tensor([-3.0], dtype=ember.float64)
    opt.step()
    second = first * (1 - 1e-4 * eta) + eta * 3.0
    assert p.item() == pytest.approx(second, rel=1e-7)
    assert opt.state[p]["mu"].item() == 1.0  # 1 / max(1, 2 - t0)
    p.grad = ember.tensor([-3.0], dtype=ember.float64)
    opt.step()
    assert opt.state[p]["mu"].item() == pytest.approx(0.5)  # averaging has started
    assert opt.state[p]["ax"].item() == pytest.approx(p.item(), rel=1e-12)


MAKERS = [
    lambda ps: optim.NAdam(ps, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    lambda ps: optim.RAdam(ps, lr=0.01, weight_decay=0.1),
    lambda ps: optim.Rprop(ps, lr=0.01),
    lambda ps: optim.ASGD(ps, lr=0.01, t0=2),
]


@pytest.mark.parametrize("make", MAKERS)
def test_resuming_from_state_dict_gives_the_same_trajectory(make, tmp_path):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(3) for _ in range(10)]

    def run(steps, p, opt):
        for g in steps:
            p.grad = ember.tensor(g)
            opt.step()

    p = ember.tensor([1.0, -1.0, 0.5])
    run(grads, p, make([p]))
    q = ember.tensor([1.0, -1.0, 0.5])
    first = make([q])
    run(grads[:4], q, first)
    ember.save({"p": q, "opt": first.state_dict()}, tmp_path / "ckpt.pth")
    ckpt = ember.load(tmp_path / "ckpt.pth")
    r = ckpt["p"]
    resumed = make([r])
    resumed.load_state_dict(ckpt["opt"])
    run(grads[4:], r, resumed)
    np.testing.assert_array_equal(r.numpy(), p.numpy())


@pytest.mark.parametrize("make", MAKERS)
def test_non_contiguous_parameters_update_in_place(make):
    rng = np.random.default_rng(2)
    init, grad = rng.standard_normal((4, 3)).astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
    base = ember.tensor(init)
    view = base.T
    dense = ember.tensor(np.ascontiguousarray(init.T))
    for p in (view, dense):
        opt = make([p])
        for _ in range(3):
            p.grad = ember.tensor(grad)
            opt.step()
    np.testing.assert_allclose(base.T.numpy(), dense.numpy(), rtol=1e-6)


def test_arguments_are_checked():
    p = param([1.0], [1.0])
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        optim.NAdam([p], lr=-0.1)
    with pytest.raises(ValueError, match="Invalid momentum_decay value: -1"):
        optim.NAdam([p], momentum_decay=-1)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1: 1.0"):
        optim.RAdam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Invalid eta values: 1.2, 0.5"):
        optim.Rprop([p], etas=(1.2, 0.5))
    with pytest.raises(ValueError, match="Invalid weight_decay value: -1"):
        optim.ASGD([p], weight_decay=-1)


def test_new_optimizers_run_on_another_backend():
    import ember_checked  # noqa: F401  (the nn env installs it: missing, it must fail, not skip)
    rng = np.random.default_rng(1)
    init, grad = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    for make in MAKERS:
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
