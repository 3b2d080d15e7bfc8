"""Gradients on a device other than the CPU, and across devices (``to_device``).

The rules are written with ember ops, so they run on any backend: here a NumPy backend that
copies on every transfer, registered for the duration of the test module.
"""

import numpy as np
import pytest
from autograd_checks import rand

import ember
from ember.autograd import gradcheck, gradgradcheck
from ember.backends import Backend
from ember.backends.registry import registry


class CopyingBackend(Backend):
    type = "gradtest"
    has_index = False

    def __init__(self) -> None:
        super().__init__()
        self.kernels = dict(registry.cpu._kernels)

    def from_numpy(self, array, index):
        return np.array(array, copy=True)

    def to_numpy(self, data):
        return data.copy(order="K")


@pytest.fixture(scope="module", autouse=True)
def gradtest_device():
    registry.register_backend(CopyingBackend())
    yield
    registry.unregister_backend("gradtest")


def test_gradient_flows_back_across_devices():
    x = rand(2, 3)
    y = x.to("gradtest")
    assert y.device.type == "gradtest" and y.grad_fn.name() == "ToCopyBackward0"
    z = (y.exp() * 2).sum(1).cpu()
    z.sum().backward()
    assert x.grad.device.type == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(x.detach().numpy()))


def test_leaf_on_device_gets_its_gradient_there():
    w = ember.ones(3, dtype=ember.float64, device="gradtest", requires_grad=True)
    b = ember.ones(3, dtype=ember.float64, device="gradtest")
    (w * b * 3).sum().backward()
    assert w.grad.device.type == "gradtest"
    assert w.grad.cpu().tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("name,fn", [
    ("matmul_relu", lambda a, b: ember.relu(a @ b).sum(0)),
    ("softmax", lambda a, b: ember.softmax(a * 2, 1)),
    ("reductions", lambda a, b: a.amax(1) + a.var(1) + a.norm(dim=1)),
    ("indexing", lambda a, b: a[ember.tensor([0, 0, 1], device="gradtest")] * b[:, :1].t()),
    ("shape", lambda a, b: ember.cat([a.t(), b], 1).flip(0)),
])
def test_gradcheck_on_another_device(name, fn):
    a = rand(2, 3).detach().to("gradtest").requires_grad_()
    b = rand(3, 2).detach().to("gradtest").requires_grad_()
    assert gradcheck(fn, (a, b))
    if name != "reductions":
        assert gradgradcheck(fn, (a, b))
