"""AdaptiveLogSoftmaxWithLoss against torch 2.13: outputs, loss, gradients, log_prob, predict, repr and the
argument checks."""

import numpy as np
import pytest

import ember
import ember.nn as enn

torch = pytest.importorskip("torch")


def _pair(**kw):
    tm = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], **kw)
    em = enn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], **kw)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, em


@pytest.mark.parametrize("kw", [dict(), dict(div_value=2.0, head_bias=True)])
def test_forward_loss_and_gradients(kw):
    tm, em = _pair(**kw)
    assert repr(em) == repr(tm)
    x = np.random.default_rng(0).standard_normal((7, 16)).astype(np.float32)
    target = [0, 3, 5, 19, 12, 9, 15]
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    tout, eout = tm(tx, torch.tensor(target)), em(ex, ember.tensor(target))
    np.testing.assert_allclose(eout.output.detach().numpy(), tout.output.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(eout.loss), float(tout.loss), rtol=1e-5)
    tout.loss.backward()
    eout.loss.backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-6)
    for (name, tp), ep in zip(tm.named_parameters(), em.parameters()):
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=1e-4, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(em.log_prob(ember.tensor(x)).detach().numpy(),
                               tm.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert em.predict(ember.tensor(x)).tolist() == tm.predict(torch.tensor(x)).tolist()
    one = em(ember.tensor(x[0]), ember.tensor(11))
    np.testing.assert_allclose(float(one.output), float(tm(torch.tensor(x[0]), torch.tensor(11)).output), rtol=1e-5)


def test_argument_errors():
    for nn in (torch.nn, enn):
        with pytest.raises(ValueError, match="cutoffs should be a sequence of unique"):
            nn.AdaptiveLogSoftmaxWithLoss(8, 10, [5, 3])
        with pytest.raises(ValueError, match="cutoffs should be a sequence of unique"):
            nn.AdaptiveLogSoftmaxWithLoss(8, 10, [3, 10])
    tm, em = _pair()
    with pytest.raises(RuntimeError, match="Target values should be in"):
        em(ember.ones(2, 16), ember.tensor([0, 25]))
    with pytest.raises(RuntimeError, match="same size in the batch"):
        em(ember.ones(2, 16), ember.tensor([0]))
