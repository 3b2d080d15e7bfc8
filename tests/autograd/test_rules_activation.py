"""gradcheck of the fused softmax kernels (the composites are covered op by op)."""

import pytest
from autograd_checks import check, rand

import ember


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family(op, dim):
    x = rand(3, 4, low=-2, high=2, contiguous=False)
    y = getattr(ember, op)(x, dim)
    assert y.grad_fn.name() == {"softmax": "SoftmaxBackward0", "log_softmax": "LogSoftmaxBackward0"}[op]
    check(lambda t: getattr(ember, op)(t, dim), x)


def test_softmax_of_0d_tensor():
    x = rand()
    check(lambda t: ember.softmax(t, 0), x)
    check(lambda t: ember.log_softmax(t, 0), x)
