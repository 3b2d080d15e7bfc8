"""weight_norm, spectral_norm and parametrize: gradients by finite differences and values by hand."""

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck
from ember.nn.utils import parametrizations, parametrize
from ember.nn.utils.weight_norm import norm_except_dim


def t(shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_norm_except_dim_matches_numpy(dim):
    v = np.random.default_rng(0).standard_normal((2, 3, 4))
    axes = tuple(d for d in range(3) if d != dim)
    ref = np.sqrt((v ** 2).sum()) if dim == -1 else np.sqrt((v ** 2).sum(axis=axes, keepdims=True))
    np.testing.assert_allclose(norm_except_dim(ember.tensor(v), 2, dim).numpy(), ref, rtol=1e-12)


def test_weight_norm_gradients():
    wn = parametrizations._WeightNorm(0)
    assert gradcheck(lambda g, v: wn(g, v), (t((3, 1)), t((3, 4), 1)))


def test_spectral_norm_divides_by_the_largest_singular_value():
    m = parametrizations.spectral_norm(nn.Linear(6, 5, dtype=ember.float64), n_power_iterations=30)
    for _ in range(5):
        w = m.weight   # each training-mode read advances the power iteration
    np.testing.assert_allclose(np.linalg.svd(w.detach().numpy(), compute_uv=False)[0], 1.0, rtol=1e-6)
    m.eval()
    sn = m.parametrizations.weight[0]
    assert gradcheck(lambda x: sn(x), (t((5, 6)),))


def test_old_style_hooks_recompute_before_each_call():
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        m = nn.utils.weight_norm(nn.Linear(3, 2))
    with ember.no_grad():
        m.weight_g.mul_(2)
    m(ember.randn(1, 3))
    np.testing.assert_allclose(np.linalg.norm(m.weight.detach().numpy(), axis=1), m.weight_g.detach().numpy()[:, 0],
                               rtol=1e-5)
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"):
        nn.utils.weight_norm(m)
    with pytest.raises(ValueError, match="weight_norm of 'bias' not found"):
        nn.utils.remove_weight_norm(m, "bias")
    s = nn.utils.spectral_norm(nn.Linear(4, 4))
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        nn.utils.spectral_norm(s)


def test_parametrized_module_trains():
    m = parametrizations.weight_norm(nn.Linear(3, 1))
    opt = ember.optim.SGD(m.parameters(), lr=0.1)
    x, y = ember.randn(16, 3), ember.randn(16, 1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = ((m(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    assert [n for n, _ in m.named_parameters()] == ["bias", "parametrizations.weight.original0",
                                                    "parametrizations.weight.original1"]
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        import pickle
        pickle.dumps(m)
    parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear
