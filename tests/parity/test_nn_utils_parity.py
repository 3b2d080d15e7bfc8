"""nn.utils against torch: weight_norm, spectral_norm (hook and parametrization forms), parametrize,
batch-norm fusion, skip_init and the memory-format conversion; values, gradients and state-dict keys."""

import numpy as np
import pytest

import ember
import ember.nn as enn

torch = pytest.importorskip("torch")


def e(t):
    return ember.tensor(t.detach().numpy())


def load(em, tm):
    result = em.load_state_dict({k: e(v) for k, v in tm.state_dict().items()}, strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []


def compare(em, tm, shape, rtol=1e-5, atol=1e-6, steps=2):
    """Same outputs and parameter gradients over a few forward/backward calls."""
    for step in range(steps):
        a = np.random.default_rng(step).standard_normal(shape).astype(np.float32)
        tout, eout = tm(torch.tensor(a)), em(ember.tensor(a))
        np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=rtol, atol=atol)
        tout.square().sum().backward()
        eout.square().sum().backward()
    for (name, tp), (ename, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert name == ename
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert sorted(em.state_dict()) == sorted(tm.state_dict())


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("dim", [0, 1, None, -1])
def test_weight_norm_hook(dim):
    tm = torch.nn.utils.weight_norm(torch.nn.Conv2d(2, 3, 3), dim=dim)
    em = enn.utils.weight_norm(enn.Conv2d(2, 3, 3), dim=dim)
    load(em, tm)
    assert tuple(em.weight_g.shape) == tuple(tm.weight_g.shape)
    compare(em, tm, (1, 2, 5, 5))
    torch.nn.utils.remove_weight_norm(tm)
    enn.utils.remove_weight_norm(em)
    assert sorted(em.state_dict()) == sorted(tm.state_dict())
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make", [lambda nn: nn.Linear(5, 4), lambda nn: nn.ConvTranspose2d(3, 2, 3)],
                         ids=["linear", "convT"])
def test_spectral_norm_hook(make):
    tm = torch.nn.utils.spectral_norm(make(torch.nn))
    em = enn.utils.spectral_norm(make(enn))
    load(em, tm)   # the same u, v estimates
    compare(em, tm, (2, 5) if isinstance(tm, torch.nn.Linear) else (1, 3, 4, 4), steps=3)
    np.testing.assert_allclose(em.weight_u.numpy(), tm.weight_u.numpy(), rtol=1e-4, atol=1e-6)
    tm.eval()
    em.eval()
    compare(em, tm, (2, 5) if isinstance(tm, torch.nn.Linear) else (1, 3, 4, 4), steps=1)
    torch.nn.utils.remove_spectral_norm(tm)
    enn.utils.remove_spectral_norm(em)
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_parametrizations_weight_norm():
    tm = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(4, 3))
    em = enn.utils.parametrizations.weight_norm(enn.Linear(4, 3))
    load(em, tm)
    assert type(em).__name__ == type(tm).__name__ == "ParametrizedLinear"
    compare(em, tm, (2, 4))
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    enn.utils.parametrize.remove_parametrizations(em, "weight")
    assert type(em) is enn.Linear and sorted(em.state_dict()) == sorted(tm.state_dict())
    np.testing.assert_allclose(em.weight.detach().numpy(), tm.weight.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_parametrizations_spectral_norm():
    tm = torch.nn.utils.parametrizations.spectral_norm(torch.nn.Linear(6, 4))
    em = enn.utils.parametrizations.spectral_norm(enn.Linear(6, 4))
    load(em, tm)
    compare(em, tm, (3, 6), steps=3)
    np.testing.assert_allclose(em.parametrizations.weight[0]._u.numpy(),
                               tm.parametrizations.weight[0]._u.numpy(), rtol=1e-4, atol=1e-6)


def _symmetric(nn):
    class Symmetric(nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()

    return Symmetric()


def test_register_parametrization_assign_and_chain():
    for m, nn, P in ((torch, torch.nn, torch.nn.utils.parametrize), (ember, enn, enn.utils.parametrize)):
        lin = nn.Linear(3, 3)
        P.register_parametrization(lin, "weight", _symmetric(nn))
        assert P.is_parametrized(lin) and P.is_parametrized(lin, "weight") and not P.is_parametrized(lin, "bias")
        assert P.type_before_parametrizations(lin) is nn.Linear
        w = lin.weight
        assert bool((w == w.T).all())
        lin.weight = m.arange(9.0).reshape(3, 3)
        assert lin.weight.tolist() == [[0.0, 1.0, 2.0], [1.0, 4.0, 5.0], [2.0, 5.0, 8.0]]
        assert lin.parametrizations.weight.original.tolist() == [[0.0, 1.0, 2.0], [0.0, 4.0, 5.0], [0.0, 0.0, 8.0]]
        with P.cached():
            assert lin.weight is lin.weight
        P.remove_parametrizations(lin, "weight", leave_parametrized=False)
        assert type(lin) is nn.Linear and lin.weight.tolist()[1][0] == 0.0
        with pytest.raises(ValueError, match="does not have a parametrization"):
            P.remove_parametrizations(lin, "weight")
        with pytest.raises(ValueError, match="does not have a parameter, a buffer"):
            P.register_parametrization(lin, "nothing", _symmetric(nn))


def test_parametrization_may_not_change_shape_unless_unsafe():
    class Row(ember.nn.Module):
        def forward(self, X):
            return X[0]

    with pytest.raises(ValueError, match="may not change the shape"):
        enn.utils.parametrize.register_parametrization(enn.Linear(3, 3), "weight", Row())
    lin = enn.utils.parametrize.register_parametrization(enn.Linear(3, 3), "weight", Row(), unsafe=True)
    assert tuple(lin.weight.shape) == (3,)


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_eval(transpose):
    def build(nn):
        conv = nn.ConvTranspose2d(3, 4, 3) if transpose else nn.Conv2d(3, 4, 3)
        return conv, nn.BatchNorm2d(4)

    (tc, tb), (ec, eb) = build(torch.nn), build(enn)
    tb.running_mean.uniform_(-1, 1)
    tb.running_var.uniform_(0.5, 2)
    tb.weight.data.uniform_(0.5, 2)
    load(ec, tc)
    load(eb, tb)
    for mod in (tc, tb, ec, eb):
        mod.eval()
    tf = torch.nn.utils.fuse_conv_bn_eval(tc, tb, transpose=transpose)
    ef = enn.utils.fuse_conv_bn_eval(ec, eb, transpose=transpose)
    np.testing.assert_allclose(ef.weight.detach().numpy(), tf.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ef.bias.detach().numpy(), tf.bias.detach().numpy(), rtol=1e-5, atol=1e-6)
    a = np.random.default_rng(0).standard_normal((1, 3, 5, 5)).astype(np.float32)
    np.testing.assert_allclose(ef(ember.tensor(a)).detach().numpy(), eb(ec(ember.tensor(a))).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    ec.train()
    with pytest.raises(AssertionError, match="Fusion only for eval"):
        enn.utils.fuse_conv_bn_eval(ec, eb)


def test_fuse_linear_bn_eval():
    tl, tb = torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)
    el, eb = enn.Linear(3, 4), enn.BatchNorm1d(4)
    tb.running_mean.uniform_(-1, 1)
    tb.running_var.uniform_(0.5, 2)
    load(el, tl)
    load(eb, tb)
    for mod in (tl, tb, el, eb):
        mod.eval()
    tf, ef = torch.nn.utils.fuse_linear_bn_eval(tl, tb), enn.utils.fuse_linear_bn_eval(el, eb)
    np.testing.assert_allclose(ef.weight.detach().numpy(), tf.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ef.bias.detach().numpy(), tf.bias.detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(AssertionError, match="To fuse"):
        enn.utils.fuse_linear_bn_eval(enn.Linear(3, 5).eval(), eb)


def test_skip_init_and_memory_format():
    m = enn.utils.skip_init(enn.Linear, 5, 3, bias=False)
    assert tuple(m.weight.shape) == (3, 5) and m.bias is None
    with pytest.raises(RuntimeError, match="support a 'device' arg"):
        enn.utils.skip_init(enn.ReLU)
    for P, nn in ((torch.nn.utils, torch.nn), (enn.utils, enn)):
        model = nn.Sequential(nn.Conv2d(2, 3, 3), nn.Sequential(nn.Conv3d(3, 3, 1)))
        before = [p.detach().clone() for p in model.parameters()]
        assert P.convert_conv2d_weight_memory_format(model, None if P is enn.utils else
                                                     torch.channels_last) is model
        P.convert_conv3d_weight_memory_format(model, None if P is enn.utils else torch.channels_last_3d)
        assert all(bool((a == b).all()) for a, b in zip(before, model.parameters()))


def test_clip_grads_with_norm_():
    ps = [enn.Parameter(ember.ones(3)), enn.Parameter(ember.ones(2))]
    ts = [torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(2))]
    for p, q in zip(ps, ts):
        p.grad, q.grad = ember.full(p.shape, 3.0), torch.full(q.shape, 3.0)
    en, tn = enn.utils.get_total_norm([p.grad for p in ps]), torch.nn.utils.get_total_norm([q.grad for q in ts])
    enn.utils.clip_grads_with_norm_(ps, 1.0, en)
    torch.nn.utils.clip_grads_with_norm_(ts, 1.0, tn)
    for p, q in zip(ps, ts):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize("shape, orthogonal_map, trivial", [
    ((4, 4), None, True), ((4, 4), "cayley", True), ((5, 3), None, True), ((3, 5), "householder", True),
    ((4, 4), "householder", True), ((5, 3), "householder", False)])
def test_orthogonal(shape, orthogonal_map, trivial):
    orth_t, orth_e = torch.nn.utils.parametrizations.orthogonal, enn.utils.parametrizations.orthogonal
    tm = torch.nn.Linear(shape[1], shape[0], dtype=torch.float64)
    em = enn.Linear(shape[1], shape[0], dtype=ember.float64)
    load(em, tm)
    orth_t(tm, orthogonal_map=orthogonal_map, use_trivialization=trivial)
    orth_e(em, orthogonal_map=orthogonal_map, use_trivialization=trivial)
    assert sorted(em.state_dict()) == sorted(tm.state_dict())
    load(em, tm)   # the same base (a random completion for non-square matrices) and originals
    w = em.weight.detach().numpy()
    n, k = w.shape
    np.testing.assert_allclose(w.T @ w if n >= k else w @ w.T, np.eye(min(n, k)), atol=1e-10)
    np.testing.assert_allclose(w, tm.weight.detach().numpy(), rtol=1e-8, atol=1e-10)
    a = np.random.default_rng(1).standard_normal((2, shape[1]))
    tout, eout = tm(torch.tensor(a)), em(ember.tensor(a))
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=1e-8, atol=1e-10)
    tout.square().sum().backward()
    eout.square().sum().backward()
    for (name, tp), ep in zip(tm.named_parameters(), em.parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-7, atol=1e-9, err_msg=name)


def test_orthogonal_stays_orthogonal_while_training_and_takes_assignments():
    m = enn.utils.parametrizations.orthogonal(enn.Linear(4, 4, dtype=ember.float64))
    opt = ember.optim.SGD(m.parameters(), lr=0.1)
    x = ember.randn(8, 4, dtype=ember.float64)
    for _ in range(5):
        opt.zero_grad()
        (m(x) - x.flip(1)).square().sum().backward()
        opt.step()
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w.T @ w, np.eye(4), atol=1e-10)
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((4, 4)))[0]
    m.weight = ember.tensor(q)
    np.testing.assert_allclose(m.weight.detach().numpy(), q, atol=1e-10)
    with pytest.raises(ValueError, match="Expected a matrix"):
        enn.utils.parametrizations.orthogonal(enn.Linear(3, 3), "bias")
