"""Finite-difference gradient checks of the composite functions added for API coverage (their gradients
come from the primitives they are made of)."""

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck


def t(shape, seed=0, low=None):
    a = np.random.default_rng(seed).standard_normal(shape)
    if low is not None:
        a = np.abs(a) + low
    return ember.tensor(a, requires_grad=True)


CASES = {
    "asinh": (lambda x: ember.asinh(x * 3), [(3, 4)]),
    "acosh": (lambda x: ember.acosh(x), [((3, 4), 1.2)]),
    "atanh": (lambda x: ember.atanh(ember.tanh(x) * 0.9), [(3, 4)]),
    "hypot": (lambda x, y: ember.hypot(x, y), [(3, 4), (3, 4)]),
    "copysign": (lambda x: ember.copysign(x, ember.tensor([-1.0, 1.0, -1.0, 1.0], dtype=ember.float64)), [(3, 4)]),
    "logaddexp2": (lambda x, y: ember.logaddexp2(x, y), [(3, 4), (3, 4)]),
    "diagonal": (lambda x: x.diagonal(1, 0, 2), [(3, 2, 4)]),
    "diag_embed": (lambda x: ember.diag_embed(x, -1), [(2, 3)]),
    "diagonal_scatter": (lambda x, y: ember.diagonal_scatter(x, y), [(3, 3), (3,)]),
    "block_diag": (lambda x, y: ember.block_diag(x, y), [(2, 2), (1, 3)]),
    "quantile": (lambda x: ember.quantile(x, 0.3, dim=1), [(3, 5)]),
    "cov": (lambda x: ember.cov(x), [(3, 5)]),
    "corrcoef": (lambda x: ember.corrcoef(x), [(3, 5)]),
    "logcumsumexp": (lambda x: ember.logcumsumexp(x, 1), [(3, 4)]),
    "cummax": (lambda x: ember.cummax(x, 1).values, [(3, 4)]),
    "cdist": (lambda x, y: ember.cdist(x, y), [(3, 2), (4, 2)]),
    "renorm": (lambda x: ember.renorm(x, 2, 0, 1.0), [(3, 4)]),
    "trapezoid": (lambda y, x: ember.trapezoid(y, x.cumsum(0)), [(3, 4), ((4,), 0.1)]),
    "diff": (lambda x: ember.diff(x, 2), [(3, 5)]),
    "masked_scatter": (lambda x, s: x.masked_scatter(ember.tensor([True, False, True]), s), [(2, 3), (6,)]),
    "put": (lambda x, s: ember.put(x, ember.tensor([0, 5, 5]), s, accumulate=True), [(2, 3), (3,)]),
    "index_reduce": (lambda x, s: x.index_reduce(0, ember.tensor([0, 1, 0]), s, "mean"), [(2, 3), (3, 3)]),
    "rot90": (lambda x: ember.rot90(x, 1, (0, 2)), [(2, 3, 4)]),
    "unfold": (lambda x: x.unfold(1, 2, 1), [(2, 4)]),
    "dist": (lambda x, y: ember.dist(x, y, 3), [(3,), (3,)]),
    "vander": (lambda x: ember.vander(x, 4), [(3,)]),
    "as_strided": (lambda x: ember.as_strided(x, (3, 3), (1, 2), 1), [(3, 4)]),
    "as_strided_scatter": (lambda x, s: ember.as_strided_scatter(x, s, (2, 2), (4, 1), 1), [(3, 4), (2, 2)]),
    "gradient": (lambda x: ember.gradient(x, spacing=0.5, edge_order=2)[1], [(3, 4)]),
    "lstm_cell": (lambda x, h, c, w, u: ember.lstm_cell(x, (h, c), w, u)[1], [(2, 3), (2, 2), (2, 2), (8, 3), (8, 2)]),
    "gru_cell": (lambda x, h, w, u: ember.gru_cell(x, h, w, u), [(2, 3), (2, 2), (6, 3), (6, 2)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_gradcheck(name):
    fn, specs = CASES[name]
    inputs = [t(s[0], i, s[1]) if isinstance(s[0], tuple) else t(s, i) for i, s in enumerate(specs)]
    assert gradcheck(fn, tuple(inputs))
