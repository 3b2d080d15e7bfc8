"""EmbeddingBag, CTC loss, affine_grid and grid_sample against torch 2.13: values, gradients (of the
weights, log-probabilities, images and grids), reprs and error types."""

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
WEIGHT = RNG.standard_normal((10, 3))
LEAVES = []


def T(m, a, grad=True):
    t = m.tensor(a, requires_grad=grad)
    if grad:
        LEAVES.append(t)
    return t


def _compare(fn, rtol=1e-7, atol=1e-10):
    results = []
    for m, F in ((torch, TF), (ember, EF)):
        LEAVES.clear()
        out = fn(m, F)
        results.append((out, list(LEAVES)))
    (t_out, t_leaves), (e_out, e_leaves) = results
    assert tuple(e_out.shape) == tuple(t_out.shape)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)
    w = np.random.default_rng(1).standard_normal(tuple(t_out.shape))
    tg = torch.autograd.grad((t_out * torch.tensor(w)).sum(), t_leaves, allow_unused=True)
    eg = ember.autograd.grad((e_out * ember.tensor(w)).sum(), e_leaves, allow_unused=True)
    for a, b in zip(eg, tg):
        if a is None:   # no path to this input: PyTorch's nearest sampling reports zeros for the grid
            assert b is None or not b.numpy().any()
            continue
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=rtol, atol=atol)


BAG = {
    "mean-offsets": lambda m, F: F.embedding_bag(m.tensor([1, 2, 4, 5, 4, 3, 2, 9]), T(m, WEIGHT), m.tensor([0, 4])),
    "sum-2d": lambda m, F: F.embedding_bag(m.tensor([[1, 2], [4, 4], [0, 9]]), T(m, WEIGHT), mode="sum"),
    "max-empty-bag": lambda m, F: F.embedding_bag(m.tensor([1, 2, 4, 5]), T(m, WEIGHT), m.tensor([0, 2, 2]),
                                                  mode="max"),
    "per-sample-weights": lambda m, F: F.embedding_bag(m.tensor([1, 2, 4, 5]), T(m, WEIGHT), m.tensor([0, 1]),
                                                       mode="sum", per_sample_weights=T(m, np.arange(1.0, 5.0))),
    "include-last-offset": lambda m, F: F.embedding_bag(m.tensor([1, 2, 4, 5, 6]), T(m, WEIGHT), m.tensor([0, 2, 4]),
                                                        include_last_offset=True),
    "padding-idx": lambda m, F: F.embedding_bag(m.tensor([[1, 2, 0], [0, 0, 3]]), T(m, WEIGHT), padding_idx=0),
}


@pytest.mark.parametrize("name", list(BAG))
def test_embedding_bag(name):
    _compare(BAG[name])


def test_embedding_bag_module():
    tm, em = torch.nn.EmbeddingBag(10, 3, mode="max", padding_idx=2), enn.EmbeddingBag(10, 3, mode="max",
                                                                                      padding_idx=2)
    assert repr(em) == repr(tm)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    idx = [[1, 2, 3], [2, 2, 4]]
    np.testing.assert_allclose(em(ember.tensor(idx)).detach().numpy(), tm(torch.tensor(idx)).detach().numpy())
    frozen = enn.EmbeddingBag.from_pretrained(ember.tensor(WEIGHT))
    assert not frozen.weight.requires_grad and frozen.mode == "mean"


def _log_probs(m, t, n, c, grad=True):
    a = RNG.standard_normal((t, n, c)) if n else RNG.standard_normal((t, c))
    x = T(m, a, grad)
    return x.log_softmax(-1)


CTC_LP = np.random.default_rng(5).standard_normal((12, 3, 5))


CTC = {
    "padded-mean": lambda m, F: F.ctc_loss(T(m, CTC_LP).log_softmax(2), m.tensor([[1, 2, 2, 3], [4, 1, 0, 0],
                                                                                  [3, 3, 3, 1]]),
                                           m.tensor([12, 9, 12]), m.tensor([4, 2, 4])),
    "concatenated-sum": lambda m, F: F.ctc_loss(T(m, CTC_LP).log_softmax(2), m.tensor([1, 2, 2, 4, 1, 3]),
                                                (12, 7, 10), (3, 2, 1), reduction="sum"),
    "none-blank": lambda m, F: F.ctc_loss(T(m, CTC_LP).log_softmax(2), m.tensor([[1, 2], [0, 1], [3, 0]]),
                                          m.tensor([5, 12, 3]), m.tensor([2, 2, 1]), blank=4, reduction="none"),
    "empty-target": lambda m, F: F.ctc_loss(T(m, CTC_LP).log_softmax(2), m.tensor([[1, 2], [0, 0], [3, 3]]),
                                            m.tensor([12, 12, 12]), m.tensor([2, 0, 2]), reduction="none"),
    "impossible-zeroed": lambda m, F: F.ctc_loss(T(m, CTC_LP).log_softmax(2), m.tensor([[1, 1, 1], [1, 2, 3],
                                                                                       [2, 2, 2]]),
                                                 m.tensor([4, 12, 12]), m.tensor([3, 3, 3]), zero_infinity=True,
                                                 reduction="none"),
    "unbatched": lambda m, F: F.ctc_loss(T(m, CTC_LP[:, 0]).log_softmax(1), m.tensor([1, 2, 2]), m.tensor(12),
                                         m.tensor(3)),
}


@pytest.mark.parametrize("name", list(CTC))
def test_ctc_loss(name):
    _compare(CTC[name], rtol=1e-6, atol=1e-8)


def test_ctc_module_repr_and_value():
    tm, em = torch.nn.CTCLoss(blank=1, zero_infinity=True), enn.CTCLoss(blank=1, zero_infinity=True)
    assert repr(em) == repr(tm)
    lp = np.log(np.full((6, 2, 4), 0.25))
    args = ([[2, 3], [0, 0]], [6, 6], [2, 1])
    t = tm(torch.tensor(lp), *[torch.tensor(a) for a in args])
    e = em(ember.tensor(lp), *[ember.tensor(a) for a in args])
    np.testing.assert_allclose(float(e), float(t), rtol=1e-10)


THETA2 = RNG.standard_normal((2, 2, 3)) * 0.5 + np.array([[1.0, 0, 0], [0, 1, 0]])
THETA3 = RNG.standard_normal((1, 3, 4)) * 0.3 + np.eye(3, 4)
IMG = RNG.standard_normal((2, 3, 5, 6))
VOL = RNG.standard_normal((1, 2, 3, 4, 5))

SAMPLING = {
    f"{mode}-{pad}-{align}": (lambda mode, pad, align: lambda m, F: F.grid_sample(
        T(m, IMG), F.affine_grid(T(m, THETA2), (2, 3, 4, 7), align_corners=align) * 1.3, mode=mode,
        padding_mode=pad, align_corners=align))(mode, pad, align)
    for mode in ("bilinear", "nearest") for pad in ("zeros", "border", "reflection") for align in (False, True)
}
SAMPLING["trilinear"] = lambda m, F: F.grid_sample(T(m, VOL), F.affine_grid(T(m, THETA3), (1, 2, 2, 3, 4),
                                                                            align_corners=False) * 1.2,
                                                   align_corners=False)
SAMPLING["trilinear-reflection"] = lambda m, F: F.grid_sample(
    T(m, VOL), F.affine_grid(T(m, THETA3), (1, 2, 3, 2, 4), align_corners=True) * 1.5, padding_mode="reflection",
    align_corners=True)


@pytest.mark.parametrize("name", list(SAMPLING))
def test_grid_sample(name):
    _compare(SAMPLING[name], rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("call", [
    lambda F, m: F.embedding_bag(m.tensor([1, 2]), m.ones(3, 2), m.tensor([0]), mode="max",
                                 per_sample_weights=m.ones(2)),
    lambda F, m: F.embedding_bag(m.tensor([[1, 2]]), m.ones(3, 2), m.tensor([0])),
    lambda F, m: F.embedding_bag(m.tensor([1, 2]), m.ones(3, 2), mode="median", offsets=m.tensor([0])),
    lambda F, m: F.affine_grid(m.ones(1, 2, 2), (1, 1, 3, 3), align_corners=False),
    lambda F, m: F.grid_sample(m.ones(1, 1, 3, 3), m.ones(1, 2, 2, 3), align_corners=False),
    lambda F, m: F.grid_sample(m.ones(1, 1, 3, 3), m.ones(1, 2, 2, 2), mode="cubic", align_corners=False),
    lambda F, m: F.ctc_loss(m.ones(4, 1, 3), m.tensor([[1]]), m.tensor([5]), m.tensor([1])),
])
def test_errors_have_torch_types(call):
    with pytest.raises(Exception) as theirs:
        call(TF, torch)
    with pytest.raises(Exception) as ours:
        call(EF, ember)
    assert isinstance(ours.value, type(theirs.value)), (ours.value, theirs.value)


@pytest.mark.parametrize("pad", [0, 2])
def test_conv_tbc_and_small_helpers(pad):
    x, w, b = RNG.standard_normal((6, 2, 3)), RNG.standard_normal((3, 3, 4)), RNG.standard_normal(4)
    _compare(lambda m, F: F.conv_tbc(T(m, x), T(m, w), T(m, b), pad))
    np.testing.assert_allclose(ember.conv_tbc(ember.tensor(x), ember.tensor(w), ember.tensor(b), pad).numpy(),
                               torch.conv_tbc(torch.tensor(x), torch.tensor(w), torch.tensor(b), pad).numpy())
    assert EF.GRID_SAMPLE_INTERPOLATION_MODES == TF.GRID_SAMPLE_INTERPOLATION_MODES
    assert EF.GRID_SAMPLE_PADDING_MODES == TF.GRID_SAMPLE_PADDING_MODES
    shuffled = np.arange(8.0).reshape(1, 4, 2)
    assert EF.native_channel_shuffle(ember.tensor(shuffled), 2).tolist() == \
        TF.native_channel_shuffle(torch.tensor(shuffled), 2).tolist()
    for F in (TF, EF):
        F.assert_int_or_pair((1, 2), "kernel_size", "{} must be an int or a pair")
        with pytest.raises(AssertionError, match="kernel_size must be"):
            F.assert_int_or_pair((1, 2, 3), "kernel_size", "{} must be an int or a pair")
