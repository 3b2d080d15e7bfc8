"""autograd.forward_ad against torch 2.13: tangents (Jacobian-vector products) of compositions of ops, with
one or several dual inputs, nested levels, and the errors."""

import numpy as np
import pytest

import ember
import ember.autograd.forward_ad as efwd
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
tfwd = torch.autograd.forward_ad
TF = torch.nn.functional

RNG = np.random.default_rng(0)
X, V = RNG.standard_normal((2, 3, 5, 5)), RNG.standard_normal((2, 3, 5, 5))
W, VW = RNG.standard_normal((4, 3, 3, 3)), RNG.standard_normal((4, 3, 3, 3))
A, VA = RNG.standard_normal((4, 4)), RNG.standard_normal((4, 4))

FUNCTIONS = {
    "conv-relu-softmax": (lambda m, F, x, w: F.softmax(F.relu(F.conv2d(x, w, padding=1)), dim=1), [(X, V), (W, VW)]),
    "conv-only-input-dual": (lambda m, F, x: F.conv2d(x, m.tensor(W)).tanh().sum((2, 3)), [(X, V)]),
    "matrix-functions": (lambda m, F, a: (a @ a.t()).exp().log1p() / (1 + a.abs()), [(A, VA)]),
    "inverse": (lambda m, F, a: m.linalg.inv(a + 4 * m.eye(4, dtype=m.float64)), [(A, VA)]),
    "reductions": (lambda m, F, a: m.stack([a.max(), a.logsumexp(0).sum(), a.norm(), a.std()]), [(A, VA)]),
}


def _run(fwd, m, F, fn, pairs):
    with fwd.dual_level():
        duals = [fwd.make_dual(m.tensor(p), m.tensor(t)) for p, t in pairs]
        out = fn(m, F, *duals)
        primal, tangent = fwd.unpack_dual(out)
        return primal.detach().numpy(), tangent.numpy()


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_tangents_match_torch(name):
    fn, pairs = FUNCTIONS[name]
    tp, tt = _run(tfwd, torch, TF, fn, pairs)
    ep, et = _run(efwd, ember, EF, fn, pairs)
    np.testing.assert_allclose(ep, tp, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(et, tt, rtol=1e-8, atol=1e-10)


def test_dual_itself_unrelated_tensors_and_errors():
    with efwd.dual_level():
        x = efwd.make_dual(ember.tensor([1.0, 2.0]), ember.tensor([0.5, -1.0]))
        assert efwd.unpack_dual(x).tangent.tolist() == [0.5, -1.0]
        assert efwd.unpack_dual(ember.ones(2)).tangent is None
        assert efwd.unpack_dual(x * 0 + ember.ones(2).detach()).tangent.tolist() == [0.0, 0.0]
        with pytest.raises(RuntimeError, match="different size"):
            efwd.make_dual(ember.ones(2), ember.ones(3))
    with pytest.raises(RuntimeError, match="dual level"):
        efwd.make_dual(ember.ones(2), ember.ones(2))
    with pytest.raises(RuntimeError, match="not the last one"):
        efwd.exit_dual_level()
