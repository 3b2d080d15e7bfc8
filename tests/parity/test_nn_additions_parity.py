"""The nn layers and functionals added for API coverage, against torch 2.13: values, gradients, reprs and
error types (3-D padding, Dropout3d, FeatureAlphaDropout, max unpooling, margin losses, RMSNorm, RReLU,
Softmax2d, pdist, channel_shuffle, gumbel_softmax, celu_/selu_)."""

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4, 5))
VOL = RNG.standard_normal((2, 2, 3, 4, 5))
SCORES = RNG.standard_normal((4, 5))
LEAVES = []


def T(m, a, grad=True):
    t = m.tensor(a, requires_grad=grad and np.issubdtype(np.asarray(a).dtype, np.floating))
    if t.requires_grad:
        LEAVES.append(t)
    return t


def pooled(m, F, dims):
    x = T(m, VOL if dims == 3 else X if dims == 2 else X[0], grad=False)
    pool = (F.max_pool1d, F.max_pool2d, F.max_pool3d)[dims - 1]
    return pool(x, 2, return_indices=True)


FUNCTIONAL = {
    "pad3d-reflect": lambda m, F: F.pad(T(m, VOL), (1, 1, 2, 0, 1, 2), mode="reflect"),
    "max_unpool1d": lambda m, F: F.max_unpool1d(*pooled(m, F, 1), 2),
    "max_unpool2d": lambda m, F: F.max_unpool2d(*pooled(m, F, 2), 2, output_size=(5, 5)),
    "max_unpool3d": lambda m, F: F.max_unpool3d(*pooled(m, F, 3), 2, output_size=(3, 4, 5)),
    "max_unpool2d-grad": lambda m, F: F.max_unpool2d(T(m, X[:, :, :2, :2]), m.tensor(
        np.array([[[[0, 3], [9, 19]]] * 3] * 2)), 2, output_size=(4, 5)),
    "multi_margin_loss": lambda m, F: F.multi_margin_loss(T(m, SCORES), m.tensor([0, 4, 2, 2])),
    "multi_margin_loss-p2": lambda m, F: F.multi_margin_loss(
        T(m, SCORES), m.tensor([1, 0, 3, 4]), p=2, margin=0.5, weight=T(m, np.arange(1.0, 6.0), grad=False),
        reduction="none"),
    "multi_margin_loss-1d": lambda m, F: F.multi_margin_loss(T(m, SCORES[0]), m.tensor(3), reduction="sum"),
    "multilabel_margin_loss": lambda m, F: F.multilabel_margin_loss(
        T(m, SCORES), m.tensor([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 1, 2, 3, 4], [4, 4, -1, 0, 0]])),
    "multilabel_margin_loss-none": lambda m, F: F.multilabel_margin_loss(
        T(m, SCORES[:2]), m.tensor([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0]]), reduction="none"),
    "triplet_distance": lambda m, F: F.triplet_margin_with_distance_loss(
        T(m, SCORES), T(m, SCORES[::-1].copy()), T(m, SCORES * 2), swap=True),
    "triplet_distance-cosine": lambda m, F: F.triplet_margin_with_distance_loss(
        T(m, SCORES), T(m, SCORES[::-1].copy()), T(m, SCORES * 2),
        distance_function=lambda a, b: 1 - F.cosine_similarity(a, b), margin=0.3, reduction="sum"),
    "rms_norm": lambda m, F: F.rms_norm(T(m, X), (4, 5), T(m, SCORES)),
    "rms_norm-eps": lambda m, F: F.rms_norm(T(m, X), [5], eps=1e-2),
    "rrelu-eval": lambda m, F: F.rrelu(T(m, X), 0.1, 0.3, training=False),
    "pdist": lambda m, F: F.pdist(T(m, SCORES), p=1.5),
    "pdist-2": lambda m, F: F.pdist(T(m, SCORES)),
    "channel_shuffle": lambda m, F: F.channel_shuffle(T(m, np.arange(24.0).reshape(1, 6, 2, 2)), 3),
    "celu_": lambda m, F: F.celu_(T(m, X, grad=False).clone(), 0.5),
    "selu_": lambda m, F: F.selu_(T(m, X, grad=False).clone()),
    "softmax2d": lambda m, F: m.nn.Softmax2d()(T(m, X)),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL))
def test_functional(name):
    results = []
    for m, F in ((torch, TF), (ember, EF)):
        LEAVES.clear()
        out = FUNCTIONAL[name](m, F)
        results.append((out, list(LEAVES)))
    (t_out, t_leaves), (e_out, e_leaves) = results
    assert tuple(e_out.shape) == tuple(t_out.shape)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-7, atol=1e-10)
    if t_leaves and t_out.requires_grad:
        w = np.random.default_rng(1).standard_normal(tuple(t_out.shape))
        tg = torch.autograd.grad((t_out * torch.tensor(w)).sum(), t_leaves)
        eg = ember.autograd.grad((e_out * ember.tensor(w)).sum(), e_leaves)
        for a, b in zip(eg, tg):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-7, atol=1e-10)


MODULES = [
    (lambda nn: nn.ConstantPad3d((1, 0, 2, 1, 0, 1), 2.5), VOL),
    (lambda nn: nn.ZeroPad3d(1), VOL),
    (lambda nn: nn.ReflectionPad3d(1), VOL),
    (lambda nn: nn.ReplicationPad3d((0, 1, 1, 0, 2, 2)), VOL),
    (lambda nn: nn.CircularPad3d(1), VOL),
    (lambda nn: nn.Dropout3d(0.3), VOL),
    (lambda nn: nn.FeatureAlphaDropout(0.2), VOL),
    (lambda nn: nn.RMSNorm([4, 5]), X),
    (lambda nn: nn.RMSNorm(5, eps=1e-3, elementwise_affine=False), X),
    (lambda nn: nn.RReLU(0.1, 0.2), X),
    (lambda nn: nn.Softmax2d(), X),
    (lambda nn: nn.MultiMarginLoss(p=2, margin=0.7), None),
    (lambda nn: nn.MultiLabelMarginLoss(), None),
    (lambda nn: nn.TripletMarginWithDistanceLoss(margin=0.5), None),
    (lambda nn: nn.MaxUnpool2d(2, stride=2, padding=0), None),
]


@pytest.mark.parametrize("case", MODULES, ids=lambda c: repr(c[0](torch.nn)) if callable(c) else None)
def test_module_repr_and_eval(case):
    make, data = case
    tm, em = make(torch.nn), make(enn)
    assert repr(em) == repr(tm)
    if data is None:
        return
    tm.eval()
    em.eval()
    np.testing.assert_allclose(em(ember.tensor(data)).detach().numpy(), tm(torch.tensor(data)).detach().numpy(),
                               rtol=1e-7, atol=1e-10)


def test_training_mode_randomness_has_the_right_statistics():
    x = ember.ones(200, 50, 2, 2, 2)
    y = EF.dropout3d(x, 0.25, training=True)
    per_channel = y.numpy().reshape(200, 50, -1)
    assert set(np.unique(per_channel.std(-1))) == {0.0}            # whole channels kept or dropped
    assert abs((per_channel[..., 0] == 0).mean() - 0.25) < 0.02
    np.testing.assert_allclose(y.numpy().mean(), 1.0, atol=0.03)
    r = EF.rrelu(-ember.ones(10000), 0.1, 0.3, training=True).numpy()
    assert r.min() >= -0.3 and r.max() <= -0.1 and abs(r.mean() + 0.2) < 0.005
    s = ember.selu(ember.randn(100000))
    a = EF.feature_alpha_dropout(s.reshape(1000, 100, 1), 0.2, training=True)
    assert abs(float(a.mean())) < 0.05 and abs(float(a.std()) - 1) < 0.05
    g = EF.gumbel_softmax(ember.zeros(20000, 4), tau=0.5, hard=True)
    assert set(np.unique(g.numpy())) == {0.0, 1.0} and (g.numpy().sum(1) == 1).all()
    np.testing.assert_allclose(g.numpy().mean(0), 0.25, atol=0.02)
    logits = ember.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    soft = EF.gumbel_softmax(logits, hard=False)
    np.testing.assert_allclose(soft.detach().numpy().sum(), 1.0, rtol=1e-6)
    soft[0, 2].backward()
    assert logits.grad is not None


@pytest.mark.parametrize("call", [
    lambda F, m: F.multi_margin_loss(m.ones(2, 3), m.tensor([0, 3])),
    lambda F, m: F.multi_margin_loss(m.ones(2, 3), m.tensor([0, 1]), p=3),
    lambda F, m: F.multilabel_margin_loss(m.ones(2, 3), m.tensor([0, 1])),
    lambda F, m: F.max_unpool2d(m.ones(1, 1, 2, 2), m.tensor([[[[0, 1], [2, 99]]]]), 2),
    lambda F, m: F.max_unpool2d(m.ones(1, 1, 2, 2), m.zeros(1, 1, 2, 2, dtype=m.int64), 2, output_size=(9, 9)),
    lambda F, m: F.rms_norm(m.ones(2, 3), (4,)),
    lambda F, m: F.pdist(m.ones(2, 3, 4)),
    lambda F, m: F.channel_shuffle(m.ones(1, 5, 2, 2), 2),
    lambda F, m: F.triplet_margin_with_distance_loss(m.ones(2), m.ones(2), m.ones(2), margin=0),
])
def test_errors_have_torch_types(call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch)
    with pytest.raises(Exception) as ours:
        call(EF, ember)
    assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)
