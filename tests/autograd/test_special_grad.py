"""Gradients of ember.special, checked by finite differences in float64, plus the values of the
new kernels' derivatives at their special points."""

import numpy as np
import pytest

import ember
import ember.autograd
from ember.autograd import gradcheck

S = ember.special


def leaf(values):
    return ember.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


WIDE = [-7.5, -3.0, -0.5, 0.25, 0.7, 2.0, 6.0, 33.0]
UNIT = [-0.99, -0.3, 0.0, 0.4, 0.95]
PROB = [1e-3, 0.01, 0.3, 0.5, 0.9, 0.999]
POSITIVE = [0.3, 1.5, 4.0, 9.0]

CASES = {
    "erfc": (S.erfc, WIDE), "erfinv": (S.erfinv, UNIT), "i0": (S.i0, WIDE), "i0e": (S.i0e, WIDE),
    "i1": (S.i1, WIDE), "i1e": (S.i1e, WIDE), "ndtr": (S.ndtr, WIDE), "ndtri": (S.ndtri, PROB),
    "log_ndtr": (S.log_ndtr, WIDE + [-45.0]), "erfcx": (S.erfcx, [-2.0, 0.0, 1.0, 10.0, 25.0, 60.0]),
    "sinc": (S.sinc, WIDE + [0.0]), "logit": (S.logit, PROB), "logit_eps": (lambda p: S.logit(p, eps=0.05), PROB),
    "entr": (S.entr, POSITIVE), "xlog1py": (lambda x: S.xlog1py(x, x * 2), POSITIVE),
    "multigammaln": (lambda a: S.multigammaln(a + 2, 3), POSITIVE),
    "zeta_x": (lambda x: S.zeta(x + 1.2, ember.tensor(1.5, dtype=ember.float64)), POSITIVE),
    "zeta_q": (lambda q: S.zeta(ember.tensor(3.0, dtype=ember.float64), q), POSITIVE),
    "gammaln": (S.gammaln, POSITIVE), "psi": (S.psi, POSITIVE), "expit": (S.expit, WIDE),
    "softmax": (lambda x: S.softmax(x, 0), WIDE), "log_softmax": (lambda x: S.log_softmax(x, 0), WIDE),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients(name):
    fn, points = CASES[name]
    assert gradcheck(fn, (leaf(points),))


@pytest.mark.parametrize("name", ["erfc", "erfinv", "i0", "i0e", "i1", "i1e", "ndtri"])
def test_second_derivatives(name):
    fn, points = CASES[name]
    x = leaf(points)
    assert gradcheck(lambda v: ember.autograd.grad(fn(v).sum(), v, create_graph=True)[0], (x,))


def test_derivatives_at_zero():
    x = leaf([0.0])
    for fn, expected in [(S.i1, 0.5), (S.i1e, 0.5), (S.i0, 0.0), (S.sinc, 0.0), (S.erfinv, np.sqrt(np.pi) / 2)]:
        (g,) = ember.autograd.grad(fn(x).sum(), x)
        np.testing.assert_allclose(g.numpy(), [expected], atol=1e-15)
