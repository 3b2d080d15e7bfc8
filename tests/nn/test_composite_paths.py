"""Backends without ember's fused CPU kernels (conv2d, conv2d_backward, batch_norm, nll_loss) get the
composite implementations: same values, same gradients."""

import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck

FUSED = ("conv2d", "conv2d_backward", "batch_norm", "batch_norm_backward", "nll_loss")


@pytest.fixture
def without_fused_kernels(monkeypatch):
    table = ember.zeros(1).device._kernels
    for name in FUSED:
        monkeypatch.delitem(table, name)


def _compute(seed):
    rng = np.random.default_rng(seed)
    x = ember.tensor(rng.standard_normal((2, 16, 6, 5)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((16, 16, 3, 3)), requires_grad=True)
    w2 = ember.tensor(rng.standard_normal((4, 8, 2, 3)), requires_grad=True)
    b = ember.tensor(rng.standard_normal(4), requires_grad=True)
    bw = ember.tensor(rng.standard_normal(16), requires_grad=True)
    target = ember.tensor(rng.integers(0, 16, (2, 6, 5)))
    h = F.conv2d(x, w, padding=1)
    h = F.batch_norm(h, None, None, bw, None, training=True)
    logits = F.conv2d(h, w2, b, stride=(2, 1), groups=2)
    loss = F.cross_entropy(h, target, weight=bw.detach().abs()) + (logits * logits).mean()
    loss.backward()
    return [loss.detach().numpy()] + [t.grad.numpy() for t in (x, w, w2, b, bw)]


def test_fused_and_composite_agree(request):
    fused = _compute(3)
    request.getfixturevalue("without_fused_kernels")
    assert not any(name in ember.zeros(1).device._kernels for name in FUSED)
    composite = _compute(3)
    for a, b in zip(fused, composite):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_composite_gradients(without_fused_kernels):
    rng = np.random.default_rng(1)
    x = ember.tensor(rng.standard_normal((2, 2, 4, 4)), requires_grad=True)
    w = ember.tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
    assert gradcheck(lambda a, b: F.conv2d(a, b, padding=1), (x, w))
    assert gradcheck(lambda a: F.batch_norm(a, None, None, training=True), (x,))
    t = ember.tensor([1, 0, 3])
    assert gradcheck(lambda a: F.nll_loss(a, t, ignore_index=3), (ember.tensor(rng.standard_normal((3, 4)),
                                                                                requires_grad=True),))
