"""Lazy modules against torch 2.13: the repr before and after the first call, the shapes they infer, the
class they become, optimizers built before the first call, and loading a state dict into them."""

import numpy as np
import pytest

import ember
import ember.nn as enn

torch = pytest.importorskip("torch")

CASES = [
    (lambda nn: nn.LazyLinear(3), (2, 5)),
    (lambda nn: nn.LazyLinear(3, bias=False), (4, 2, 6)),
    (lambda nn: nn.LazyConv1d(4, 3, padding=1), (2, 3, 7)),
    (lambda nn: nn.LazyConv2d(4, 3, stride=2, groups=2), (2, 6, 7, 7)),
    (lambda nn: nn.LazyConv2d(4, 3), (3, 7, 7)),
    (lambda nn: nn.LazyConv3d(2, 2, bias=False), (1, 3, 4, 4, 4)),
    (lambda nn: nn.LazyConvTranspose1d(2, 3, stride=2), (2, 3, 5)),
    (lambda nn: nn.LazyConvTranspose2d(4, 2, groups=2), (1, 2, 3, 3)),
    (lambda nn: nn.LazyConvTranspose3d(2, 2), (1, 3, 2, 2, 2)),
    (lambda nn: nn.LazyBatchNorm1d(), (4, 3)),
    (lambda nn: nn.LazyBatchNorm2d(momentum=None), (2, 3, 4, 4)),
    (lambda nn: nn.LazyBatchNorm3d(affine=False), (2, 3, 2, 2, 2)),
    (lambda nn: nn.LazyInstanceNorm1d(), (2, 3, 5)),
    (lambda nn: nn.LazyInstanceNorm2d(affine=True, track_running_stats=True), (2, 3, 4, 4)),
    (lambda nn: nn.LazyInstanceNorm3d(affine=False), (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize("make, shape", CASES, ids=[repr(c[0](torch.nn)).split("(")[0] + str(c[1]) for c in CASES])
def test_lazy_module(make, shape):
    tm, em = make(torch.nn), make(enn)
    assert repr(em) == repr(tm)
    assert em.has_uninitialized_params()
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    trainable = bool(list(tm.parameters()))
    if trainable:
        topt = torch.optim.SGD(tm.parameters(), lr=0.1)
        eopt = ember.optim.SGD(em.parameters(), lr=0.1)
    tout, eout = tm(torch.tensor(x)), em(ember.tensor(x))
    assert type(em).__name__ == type(tm).__name__ and isinstance(em, getattr(enn, type(tm).__name__))
    assert tuple(eout.shape) == tuple(tout.shape)
    assert {k: tuple(v.shape) for k, v in em.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    assert repr(em).replace("bias=True, ", "") == repr(tm).replace("bias=True, ", "")
    # the same weights give the same outputs, and the optimizer built before the first call steps them
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    tout, eout = tm(torch.tensor(x)), em(ember.tensor(x))
    np.testing.assert_allclose(eout.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-5)
    if trainable:
        tout.square().sum().backward()
        eout.square().sum().backward()
        topt.step()
        eopt.step()
        for (name, tp), ep in zip(tm.named_parameters(), em.parameters()):
            np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)


def test_loading_a_state_dict_materializes_the_parameters():
    for nn, m in ((torch.nn, torch), (enn, ember)):
        lazy = nn.LazyLinear(2)
        lazy.load_state_dict(nn.Linear(4, 2).state_dict())
        assert tuple(lazy.weight.shape) == (2, 4)
        assert not lazy.has_uninitialized_params()


def test_uninitialized_parameter_refuses_shape_queries():
    p = enn.UninitializedParameter()
    with pytest.raises(RuntimeError, match="uninitialized parameter"):
        p.shape
    p.materialize((2, 3))
    assert type(p) is enn.Parameter and tuple(p.shape) == (2, 3) and p.requires_grad
    b = enn.UninitializedBuffer()
    b.materialize(4)
    assert type(b) is ember.Tensor and tuple(b.shape) == (4,)
    with pytest.raises(RuntimeError, match="Expected 3D .unbatched. or 4D .batched. input"):
        enn.LazyConv2d(2, 3)(ember.ones(5, 5))
