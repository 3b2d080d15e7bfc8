"""ember.amp against torch.amp on the CPU: the dtype each op runs in under autocast (float16), gradients
through the casts, nesting, and GradScaler's scale, skipped steps, growth/backoff and state_dict."""

import numpy as np
import pytest

import ember
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

A = np.random.default_rng(0).standard_normal((4, 4))
V = np.random.default_rng(1).standard_normal(4)
IMG = np.random.default_rng(2).standard_normal((1, 2, 5, 5))
KER = np.random.default_rng(3).standard_normal((3, 2, 3, 3))
VOL = np.random.default_rng(4).standard_normal((1, 1, 2, 4, 4))

# (name, call) with ``m`` the framework module and ``F`` its functional namespace; ``x`` a float32 4x4,
# ``h`` the same in float16
OPS = [
    ("mm", lambda m, F, x, h: m.mm(x, x)),
    ("matmul", lambda m, F, x, h: x @ x),
    ("Tensor.matmul", lambda m, F, x, h: x.matmul(x)),
    ("bmm", lambda m, F, x, h: m.bmm(x[None], x[None])),
    ("addmm", lambda m, F, x, h: m.addmm(x, x, x)),
    ("baddbmm", lambda m, F, x, h: m.baddbmm(x[None], x[None], x[None])),
    ("linear", lambda m, F, x, h: F.linear(x, x, x[0])),
    ("linear-mixed", lambda m, F, x, h: F.linear(h, x)),
    ("nn.Linear", lambda m, F, x, h: m.nn.Linear(4, 3, dtype=m.float32)(x)),
    ("nn.Conv2d", lambda m, F, x, h: m.nn.Conv2d(2, 3, 3)(m.tensor(IMG, dtype=m.float32))),
    ("conv2d", lambda m, F, x, h: F.conv2d(m.tensor(IMG, dtype=m.float32), m.tensor(KER, dtype=m.float32))),
    ("conv_transpose2d", lambda m, F, x, h: F.conv_transpose2d(m.tensor(IMG, dtype=m.float32),
                                                               m.tensor(KER, dtype=m.float32).transpose(0, 1))),
    ("einsum", lambda m, F, x, h: m.einsum("ij,jk->ik", x, x)),
    ("mv stays", lambda m, F, x, h: m.mv(x, x[0])),
    ("mm float64 stays", lambda m, F, x, h: m.mm(x.double(), x.double())),
    ("add stays", lambda m, F, x, h: x + h),
    ("softmax stays", lambda m, F, x, h: m.softmax(h, 1)),
    ("sum stays", lambda m, F, x, h: h.sum()),
    ("mse_loss", lambda m, F, x, h: F.mse_loss(h, h)),
    ("cross_entropy", lambda m, F, x, h: F.cross_entropy(h, m.tensor([0, 1, 2, 3]))),
    ("nll_loss", lambda m, F, x, h: F.nll_loss(h, m.tensor([0, 1, 2, 3]))),
    ("l1_loss", lambda m, F, x, h: F.l1_loss(h, h)),
    ("bce_with_logits", lambda m, F, x, h: F.binary_cross_entropy_with_logits(h, h.sigmoid())),
    ("prod", lambda m, F, x, h: h.prod()),
    ("linalg.inv", lambda m, F, x, h: m.linalg.inv(m.eye(3).half())),
    ("max_pool3d", lambda m, F, x, h: F.max_pool3d(m.tensor(VOL).half(), 2)),
    ("cat", lambda m, F, x, h: m.cat([h, x])),
    ("stack", lambda m, F, x, h: m.stack([h, x])),
]


@pytest.mark.parametrize("name, call", OPS, ids=[n for n, _ in OPS])
def test_dtype_under_autocast(name, call):
    tx = torch.tensor(A, dtype=torch.float32)
    ex = ember.tensor(A, dtype=ember.float32)
    with torch.autocast("cpu", dtype=torch.float16):
        theirs = call(torch, TF, tx, tx.half())
    with ember.autocast("cpu", dtype=ember.float16):
        ours = call(ember, EF, ex, ex.half())
    assert str(ours.dtype) == str(theirs.dtype).replace("torch", "ember")
    if not name.startswith("nn."):   # the layers draw their own random weights
        np.testing.assert_allclose(ours.detach().float().numpy(), theirs.detach().float().numpy(), rtol=2e-2,
                                   atol=2e-2)


def _model(m, nn):
    m.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def test_training_step_gradients_match():
    tm = _model(torch, torch.nn)
    em = _model(ember, ember.nn)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    x = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32)
    with torch.autocast("cpu", dtype=torch.float16):
        t_logits = tm(torch.tensor(x))
        tl = TF.cross_entropy(t_logits, torch.tensor([0, 1, 1]))
    with ember.autocast("cpu", dtype=ember.float16):
        e_logits = em(ember.tensor(x))
        el = EF.cross_entropy(e_logits, ember.tensor([0, 1, 1]))
    assert e_logits.dtype is ember.float16 and t_logits.dtype is torch.float16
    assert el.dtype is ember.float32 and tl.dtype is torch.float32
    np.testing.assert_allclose(e_logits.detach().float().numpy(), t_logits.detach().float().numpy(), rtol=1e-2,
                               atol=1e-3)
    tl.backward()
    el.backward()
    for (name, tp), ep in zip(tm.named_parameters(), em.parameters()):
        assert ep.grad.dtype is ember.float32, name
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=2e-2, atol=2e-3)


def test_nesting_and_state_queries():
    for m in (torch, ember):
        assert not m.is_autocast_enabled("cpu")
        with m.autocast("cpu", dtype=m.float16):
            assert m.is_autocast_enabled("cpu") and m.get_autocast_dtype("cpu") == m.float16
            with m.autocast("cpu", enabled=False):
                assert not m.is_autocast_enabled("cpu")
                assert m.mm(m.ones(2, 2), m.ones(2, 2)).dtype == m.float32
            assert m.mm(m.ones(2, 2), m.ones(2, 2)).dtype == m.float16
        assert not m.is_autocast_enabled("cpu")
        assert m.amp.is_autocast_available("cpu")


def test_decorator_form():
    for m in (torch, ember):
        @m.autocast("cpu", dtype=m.float16)
        def f(a):
            return a @ a

        assert f(m.ones(2, 2)).dtype == m.float16


def _scaler_run(m, nn, optim, grads_per_step, **kw):
    p = nn.Parameter(m.ones(3))
    opt = optim.SGD([p], lr=0.1)
    scaler = m.amp.GradScaler("cpu", **kw)
    trace = []
    for g in grads_per_step:
        opt.zero_grad()
        loss = (p * m.tensor(g, dtype=m.float32)).sum()
        scaler.scale(loss).backward()
        trace.append(p.grad.clone().numpy().tolist())
        scaler.step(opt)
        scaler.update()
        trace.append((scaler.get_scale(), p.detach().clone().numpy().tolist()))
    return trace, scaler.state_dict()


def test_grad_scaler_matches_torch():
    inf, nan = float("inf"), float("nan")
    steps = [[1.0, 2.0, 3.0], [inf, 0.0, 1.0], [0.5, 0.5, 0.5], [nan, 1.0, 1.0], [1.0, 1.0, 1.0], [2.0, 0.0, 1.0]]
    kw = dict(init_scale=1024.0, growth_factor=4.0, backoff_factor=0.25, growth_interval=2)
    theirs = _scaler_run(torch, torch.nn, torch.optim, steps, **kw)
    ours = _scaler_run(ember, ember.nn, ember.optim, steps, **kw)
    assert repr(ours) == repr(theirs)


def test_grad_scaler_unscale_then_clip_and_errors():
    for m, nn, optim in ((torch, torch.nn, torch.optim), (ember, ember.nn, ember.optim)):
        p = nn.Parameter(m.ones(2))
        opt = optim.SGD([p], lr=1.0)
        scaler = m.amp.GradScaler("cpu", init_scale=8.0)
        scaler.scale((p * 3).sum()).backward()
        scaler.unscale_(opt)
        assert p.grad.tolist() == [3.0, 3.0]
        with pytest.raises(RuntimeError, match="already been called"):
            scaler.unscale_(opt)
        scaler.step(opt)
        with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
            scaler.step(opt)
        scaler.update()
        fresh = m.amp.GradScaler("cpu")
        fresh.load_state_dict(scaler.state_dict())
        assert fresh.get_scale() == 8.0
        assert m.amp.GradScaler("cpu", enabled=False).state_dict() == {}
        assert m.amp.GradScaler("cpu", enabled=False).scale(m.ones(1)).tolist() == [1.0]
