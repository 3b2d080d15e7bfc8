"""autograd.Variable, autograd.variable and set_multithreading_enabled behave as in torch 2.13."""

import pytest

import ember
import ember.autograd

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("m", [torch, ember], ids=["torch", "ember"])
def test_variable_is_a_tensor(m):
    t = m.ones(2)
    v = m.autograd.Variable(t, requires_grad=True)
    assert type(v) is m.Tensor and v.requires_grad and v.is_leaf and not t.requires_grad
    with m.no_grad():
        v.mul_(3)
    assert t.tolist() == [3.0, 3.0]
    assert isinstance(m.zeros(1), m.autograd.Variable) and not isinstance(3, m.autograd.Variable)
    assert m.autograd.Variable(m.ones(1)).requires_grad is False
    with pytest.raises(RuntimeError, match="deprecated"):
        m.autograd.variable(m.ones(1))


@pytest.mark.parametrize("m", [torch, ember], ids=["torch", "ember"])
def test_set_multithreading_enabled_is_a_context_and_a_decorator(m):
    x = m.ones(2, requires_grad=True)
    with m.autograd.set_multithreading_enabled(False):
        (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]

    @m.autograd.set_multithreading_enabled(False)
    def run():
        (x * 2).sum().backward()

    run()
    assert x.grad.tolist() == [5.0, 5.0]


def test_multithreading_flag_is_restored():
    from ember.autograd.multithreading import is_multithreading_enabled
    ember.autograd.set_multithreading_enabled(True)
    with ember.autograd.set_multithreading_enabled(False):
        assert not is_multithreading_enabled()
    assert is_multithreading_enabled()
