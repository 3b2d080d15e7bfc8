"""ember.nn against torch.nn: every layer, loss and functional from identical weights (copied
through state dicts, which checks their keys too), gradients, reprs, state-dict metadata and
initial weight distributions."""

import math

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

RTOL, ATOL = 1e-4, 1e-5


def e(t):
    """An ember tensor with the same values (and requires_grad) as the torch tensor ``t``."""
    return ember.tensor(t.detach().numpy(), requires_grad=t.requires_grad)


def close(ours, theirs, rtol=RTOL, atol=ATOL, scale_atol=0.0):
    """Equal within rtol and atol; ``scale_atol`` adds that fraction of the largest expected magnitude to atol."""
    expected = theirs.detach().numpy()
    if scale_atol and expected.size:
        atol = max(atol, scale_atol * float(np.abs(expected).max()))
    np.testing.assert_allclose(ours.detach().numpy(), expected, rtol=rtol, atol=atol)


def copy_weights(ember_module, torch_module):
    """Load the torch module's state into the ember one; the key sets must match exactly."""
    result = ember_module.load_state_dict({k: e(v) for k, v in torch_module.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []


def same_repr(ember_module, torch_module):
    assert repr(ember_module) == repr(torch_module).replace("torch", "ember")


def run_pair(make, inputs, *, train=True, rtol=RTOL, atol=ATOL, seedless=True, out_index=None, scale_atol=0.0):
    """Build both modules, copy weights, compare outputs and every gradient (inputs and parameters)."""
    tm, em = make(tnn), make(enn)
    same_repr(em, tm)
    copy_weights(em, tm)
    tm.train(train)
    em.train(train)
    tin = [torch.tensor(a, requires_grad=np.issubdtype(a.dtype, np.floating)) if isinstance(a, np.ndarray) else a
           for a in inputs]
    ein = [e(t) if isinstance(t, torch.Tensor) else t for t in tin]
    tout, eout = tm(*tin), em(*ein)
    if out_index is not None:
        tout, eout = tout[out_index], eout[out_index]
    if isinstance(tout, tuple):
        tout, eout = tout[0], eout[0]
    close(eout, tout, rtol, atol, scale_atol)
    assert tuple(eout.shape) == tuple(tout.shape) and eout.dtype.name == str(tout.dtype).replace("torch.", "")
    upstream = np.random.default_rng(0).standard_normal(tuple(tout.shape)).astype(np.float32)
    tout.backward(torch.tensor(upstream))
    eout.backward(ember.tensor(upstream))
    for ti, ei in zip(tin, ein):
        if isinstance(ti, torch.Tensor) and ti.requires_grad:
            close(ei.grad, ti.grad, rtol, atol, scale_atol)
    for (name, tp), (ename, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert name == ename
        if tp.grad is None:
            assert ep.grad is None or float(ep.grad.abs().sum()) == 0, name
        else:
            close(ep.grad, tp.grad, rtol, atol, scale_atol)
    for (name, tb), (_, eb) in zip(tm.named_buffers(), em.named_buffers()):
        np.testing.assert_allclose(eb.numpy(), tb.numpy(), rtol=rtol, atol=atol, err_msg=name)
    return tm, em


rng = np.random.default_rng(42)


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


LAYERS = [
    ("linear", lambda nn: nn.Linear(5, 3), [randn(4, 5)]),
    ("linear-3d-nobias", lambda nn: nn.Linear(5, 3, bias=False), [randn(2, 4, 5)]),
    ("bilinear", lambda nn: nn.Bilinear(3, 4, 2), [randn(5, 3), randn(5, 4)]),
    ("conv1d", lambda nn: nn.Conv1d(3, 4, 3, stride=2, padding=1, dilation=2), [randn(2, 3, 11)]),
    ("conv2d", lambda nn: nn.Conv2d(3, 4, 3, padding=1), [randn(2, 3, 8, 8)]),
    ("conv2d-groups", lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), groups=2, bias=False),
     [randn(2, 4, 7, 6)]),
    ("conv2d-same", lambda nn: nn.Conv2d(2, 3, 4, padding="same", dilation=2), [randn(1, 2, 9, 9)]),
    ("conv2d-reflect", lambda nn: nn.Conv2d(2, 3, 3, padding=2, padding_mode="reflect"), [randn(1, 2, 6, 6)]),
    ("conv2d-circular", lambda nn: nn.Conv2d(2, 3, 3, padding=1, padding_mode="circular"), [randn(1, 2, 5, 5)]),
    ("conv-transpose2d", lambda nn: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2),
     [randn(2, 4, 4, 5)]),
    ("conv-transpose1d", lambda nn: nn.ConvTranspose1d(3, 2, 4, stride=3, dilation=2), [randn(2, 3, 5)]),
    ("maxpool1d", lambda nn: nn.MaxPool1d(3, 2, 1), [randn(2, 3, 10)]),
    ("maxpool2d", lambda nn: nn.MaxPool2d(2), [randn(2, 3, 8, 8)]),
    ("maxpool2d-options", lambda nn: nn.MaxPool2d((3, 2), (2, 1), 1, dilation=(1, 2), ceil_mode=True),
     [randn(2, 3, 9, 8)]),
    ("avgpool1d", lambda nn: nn.AvgPool1d(3, 2, 1, count_include_pad=False), [randn(2, 3, 10)]),
    ("avgpool2d", lambda nn: nn.AvgPool2d(3, 2, 1, ceil_mode=True), [randn(2, 3, 8, 7)]),
    ("avgpool2d-divisor", lambda nn: nn.AvgPool2d(2, 1, divisor_override=3), [randn(1, 2, 5, 5)]),
    ("adaptive-avg", lambda nn: nn.AdaptiveAvgPool2d((3, 5)), [randn(2, 3, 7, 9)]),
    ("adaptive-avg-none", lambda nn: nn.AdaptiveAvgPool2d((None, 2)), [randn(2, 3, 4, 9)]),
    ("adaptive-max", lambda nn: nn.AdaptiveMaxPool2d(3), [randn(2, 3, 7, 8)]),
    ("adaptive-avg1d", lambda nn: nn.AdaptiveAvgPool1d(4), [randn(2, 3, 9)]),
    ("lppool2d", lambda nn: nn.LPPool2d(2, 2), [np.abs(randn(1, 2, 4, 4)) + 0.1]),
    ("batchnorm1d", lambda nn: nn.BatchNorm1d(4), [randn(8, 4)]),
    ("batchnorm1d-3d", lambda nn: nn.BatchNorm1d(4, momentum=None), [randn(8, 4, 5)]),
    ("batchnorm2d", lambda nn: nn.BatchNorm2d(3), [randn(4, 3, 5, 5)]),
    ("batchnorm2d-noaffine", lambda nn: nn.BatchNorm2d(3, affine=False, track_running_stats=False),
     [randn(4, 3, 5, 5)]),
    ("layernorm", lambda nn: nn.LayerNorm((4, 5)), [randn(3, 4, 5)]),
    ("layernorm-nobias", lambda nn: nn.LayerNorm(5, bias=False), [randn(3, 5)]),
    ("groupnorm", lambda nn: nn.GroupNorm(2, 6), [randn(3, 6, 4, 4)]),
    ("instancenorm2d", lambda nn: nn.InstanceNorm2d(3, affine=True), [randn(2, 3, 4, 4)]),
    ("localresponsenorm", lambda nn: nn.LocalResponseNorm(3), [randn(2, 5, 3, 3)]),
    ("embedding", lambda nn: nn.Embedding(10, 4, padding_idx=2), [np.array([[1, 2, 9], [2, 0, 1]])]),
    ("rnn", lambda nn: nn.RNN(3, 5, num_layers=2, nonlinearity="relu"), [randn(4, 2, 3)]),
    ("lstm", lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True), [randn(2, 4, 3)]),
    ("lstm-proj", lambda nn: nn.LSTM(3, 5, proj_size=2), [randn(4, 2, 3)]),
    ("gru", lambda nn: nn.GRU(3, 5, bidirectional=True), [randn(4, 2, 3)]),
    ("gru-unbatched", lambda nn: nn.GRU(3, 4, bias=False), [randn(4, 3)]),
    ("rnncell", lambda nn: nn.RNNCell(3, 4), [randn(2, 3), randn(2, 4)]),
    ("grucell", lambda nn: nn.GRUCell(3, 4), [randn(2, 3)]),
    ("mha", lambda nn: nn.MultiheadAttention(8, 2), [randn(4, 2, 8), randn(5, 2, 8), randn(5, 2, 8)]),
    ("mha-batch-first-kv", lambda nn: nn.MultiheadAttention(8, 4, kdim=3, vdim=5, batch_first=True, add_bias_kv=True,
                                                             add_zero_attn=True),
     [randn(2, 4, 8), randn(2, 3, 3), randn(2, 3, 5)]),
    ("transformer-layer", lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0), [randn(5, 2, 8)]),
    ("transformer-norm-first-gelu", lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu",
                                                                          norm_first=True, batch_first=True),
     [randn(2, 5, 8)]),
    ("prelu", lambda nn: nn.PReLU(3), [randn(2, 3, 4)]),
    ("flatten", lambda nn: nn.Sequential(nn.Flatten(), nn.Linear(12, 2)), [randn(2, 3, 4)]),
    ("unflatten", lambda nn: nn.Sequential(nn.Unflatten(1, (2, 3)), nn.Flatten(0, 1)), [randn(4, 6)]),
    ("pixelshuffle", lambda nn: nn.PixelShuffle(2), [randn(1, 8, 2, 3)]),
    ("upsample-bilinear", lambda nn: nn.Upsample(scale_factor=1.7, mode="bilinear"), [randn(1, 2, 5, 4)]),
    ("upsample-nearest", lambda nn: nn.Upsample(size=(7, 3)), [randn(1, 2, 5, 4)]),
    ("zeropad", lambda nn: nn.ZeroPad2d((1, 2, 0, 3)), [randn(1, 2, 3, 3)]),
    ("reflectionpad", lambda nn: nn.ReflectionPad2d(2), [randn(1, 2, 4, 4)]),
    ("replicationpad", lambda nn: nn.ReplicationPad1d((3, 1)), [randn(1, 2, 4)]),
    ("unfold", lambda nn: nn.Unfold(2, padding=1, stride=2), [randn(1, 2, 5, 5)]),
    ("fold", lambda nn: nn.Fold((4, 5), 2, padding=1), [randn(1, 8, 30)]),
]


@pytest.mark.parametrize(("name", "make", "inputs"), LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_matches_pytorch(name, make, inputs):
    run_pair(make, inputs)


WINOGRAD_LAYERS = [  # 3x3 stride-1 convolutions, forced onto the Winograd F(2x2, 3x3) path
    ("conv2d-winograd", lambda nn: nn.Conv2d(16, 20, 3, padding=1), [randn(2, 16, 9, 7)]),
    ("conv2d-winograd-nopad", lambda nn: nn.Conv2d(24, 16, 3, bias=False), [randn(1, 24, 6, 8)]),
    ("conv2d-winograd-64", lambda nn: nn.Conv2d(64, 64, 3, padding=1), [randn(2, 64, 16, 16)]),
]


@pytest.mark.parametrize(("name", "make", "inputs"), WINOGRAD_LAYERS, ids=[c[0] for c in WINOGRAD_LAYERS])
def test_winograd_layer_matches_pytorch(monkeypatch, name, make, inputs):
    """Winograd's float32 rounding is about 6e-7 of a tensor's scale (a direct convolution's: 3e-7), so small
    entries of a large-scale tensor (the weight gradient sums every tile) get that much absolute slack."""
    from ember.backends.cpu import conv_cost
    monkeypatch.setattr(conv_cost, "plan", conv_cost.winograd_where_it_fits)
    run_pair(make, inputs, scale_atol=2e-6)


def test_batchnorm_eval_after_training_steps():
    tm, em = run_pair(lambda nn: nn.BatchNorm2d(3), [randn(4, 3, 5, 5)])
    x = randn(4, 3, 5, 5)
    for _ in range(3):
        tm(torch.tensor(x))
        em(ember.tensor(x))
    close(em.running_var, tm.running_var)
    assert int(em.num_batches_tracked) == int(tm.num_batches_tracked) == 4
    tm.eval()
    em.eval()
    close(em(ember.tensor(x)), tm(torch.tensor(x)))


ACTIVATIONS = [
    lambda nn: nn.ReLU(), lambda nn: nn.ReLU6(), lambda nn: nn.LeakyReLU(0.2), lambda nn: nn.ELU(0.5),
    lambda nn: nn.SELU(), lambda nn: nn.CELU(1.5), lambda nn: nn.GELU(), lambda nn: nn.GELU("tanh"),
    lambda nn: nn.SiLU(), lambda nn: nn.Mish(), lambda nn: nn.Softplus(2.0, 5.0), lambda nn: nn.Softsign(),
    lambda nn: nn.Hardtanh(-2.0, 1.5), lambda nn: nn.Hardsigmoid(), lambda nn: nn.Hardswish(),
    lambda nn: nn.Sigmoid(), lambda nn: nn.Tanh(), lambda nn: nn.LogSigmoid(), lambda nn: nn.Tanhshrink(),
    lambda nn: nn.Softshrink(0.3), lambda nn: nn.Hardshrink(0.3), lambda nn: nn.Threshold(0.2, -1.0),
    lambda nn: nn.GLU(1), lambda nn: nn.Softmax(1), lambda nn: nn.LogSoftmax(-1), lambda nn: nn.Softmin(0),
]


@pytest.mark.parametrize("make", ACTIVATIONS, ids=lambda m: repr(m(tnn)))
def test_activation_matches_pytorch(make):
    run_pair(make, [randn(4, 6) * 3])


LOSSES = [
    (lambda nn, r: nn.MSELoss(reduction=r), "reg"),
    (lambda nn, r: nn.L1Loss(reduction=r), "reg"),
    (lambda nn, r: nn.SmoothL1Loss(reduction=r, beta=0.5), "reg"),
    (lambda nn, r: nn.HuberLoss(reduction=r, delta=0.7), "reg"),
    (lambda nn, r: nn.CrossEntropyLoss(reduction=r), "cls"),
    (lambda nn, r: nn.CrossEntropyLoss(reduction=r, weight=_weights(nn), ignore_index=1, label_smoothing=0.2), "cls"),
    (lambda nn, r: nn.CrossEntropyLoss(reduction=r, label_smoothing=0.1), "kdim"),
    (lambda nn, r: nn.CrossEntropyLoss(reduction=r, weight=_weights(nn), label_smoothing=0.3), "prob"),
    (lambda nn, r: nn.NLLLoss(reduction=r, weight=_weights(nn)), "logp"),
    (lambda nn, r: nn.BCELoss(reduction=r), "bce"),
    (lambda nn, r: nn.BCEWithLogitsLoss(reduction=r, pos_weight=_weights(nn)), "bcel"),
    (lambda nn, r: nn.KLDivLoss(reduction="batchmean" if r == "mean" else r), "kl"),
    (lambda nn, r: nn.KLDivLoss(reduction=r if r != "mean" else "sum", log_target=True), "kl-log"),
    (lambda nn, r: nn.SoftMarginLoss(reduction=r), "sign"),
    (lambda nn, r: nn.HingeEmbeddingLoss(margin=0.5, reduction=r), "sign"),
    (lambda nn, r: nn.MultiLabelSoftMarginLoss(reduction=r), "multilabel"),
    (lambda nn, r: nn.PoissonNLLLoss(reduction=r), "poisson"),
]


def _weights(nn):
    values = np.array([0.5, 2.0, 1.0, 1.5], dtype=np.float32)
    return torch.tensor(values) if nn is tnn else ember.tensor(values)


def _loss_inputs(kind):
    x = randn(6, 4) * 3
    if kind == "reg":
        return x, randn(6, 4)
    if kind == "cls":
        return x, np.array([0, 3, 1, 1, 2, 0])
    if kind == "kdim":
        return randn(3, 4, 5), rng.integers(0, 4, (3, 5))
    if kind == "prob":
        p = np.abs(randn(6, 4))
        return x, p / p.sum(1, keepdims=True)
    if kind == "logp":
        return x - np.log(np.exp(x).sum(1, keepdims=True)), np.array([0, 3, 1, 1, 2, 0])
    if kind == "bce":
        return 1 / (1 + np.exp(-x)), rng.random((6, 4)).astype(np.float32)
    if kind == "bcel":
        return x, rng.random((6, 4)).astype(np.float32)
    if kind in ("kl", "kl-log"):
        logq = x - np.log(np.exp(x).sum(1, keepdims=True))
        p = np.abs(randn(6, 4))
        p /= p.sum(1, keepdims=True)
        return logq, np.log(p) if kind == "kl-log" else p
    if kind == "sign":
        return x, np.sign(randn(6, 4))
    if kind == "multilabel":
        return x, (randn(6, 4) > 0).astype(np.float32)
    if kind == "poisson":
        return x * 0.3, np.abs(randn(6, 4)) * 3


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize(("make", "kind"), LOSSES, ids=[f"{i}-{k}" for i, (_, k) in enumerate(LOSSES)])
def test_loss_matches_pytorch(make, kind, reduction):
    x, y = _loss_inputs(kind)
    tm, em = make(tnn, reduction), make(enn, reduction)
    same_repr(em, tm)
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.tensor(y, requires_grad=kind in ("reg", "prob"))
    ex, ey = e(tx), e(ty)
    tout, eout = tm(tx, ty), em(ex, ey)
    close(eout, tout)
    tout.sum().backward()
    eout.sum().backward()
    close(ex.grad, tx.grad)
    if ty.requires_grad:
        close(ey.grad, ty.grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_pair_losses_match_pytorch(reduction):
    a, b, y = randn(5, 3), randn(5, 3), np.array([1, -1, 1, -1, -1], dtype=np.float32)
    for margin in (0.0, 0.2):
        for name in ("cosine_embedding_loss", "margin_ranking_loss"):
            ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
            ea, eb = e(ta), e(tb)
            args = (ta, tb, torch.tensor(y)) if name == "cosine_embedding_loss" else (ta[:, 0], tb[:, 0],
                                                                                         torch.tensor(y))
            eargs = (ea, eb, ember.tensor(y)) if name == "cosine_embedding_loss" else (ea[:, 0], eb[:, 0],
                                                                                      ember.tensor(y))
            tout = getattr(TF, name)(*args, margin=margin, reduction=reduction)
            eout = getattr(EF, name)(*eargs, margin=margin, reduction=reduction)
            close(eout, tout)
            tout.sum().backward()
            eout.sum().backward()
            close(ea.grad, ta.grad)
            close(eb.grad, tb.grad)
    anchor, pos, neg = randn(4, 3), randn(4, 3), randn(4, 3)
    close(EF.triplet_margin_loss(*(ember.tensor(v) for v in (anchor, pos, neg)), swap=True, reduction=reduction),
          TF.triplet_margin_loss(*(torch.tensor(v) for v in (anchor, pos, neg)), swap=True, reduction=reduction))
    var = np.abs(randn(4, 3)) + 0.1
    close(EF.gaussian_nll_loss(ember.tensor(anchor), ember.tensor(pos), ember.tensor(var), full=True,
                               reduction=reduction),
          TF.gaussian_nll_loss(torch.tensor(anchor), torch.tensor(pos), torch.tensor(var), full=True,
                               reduction=reduction))


def test_losses_stable_for_large_logits_like_pytorch():
    x = np.array([[1000.0, -1000.0, 3.0], [-3000.0, 2000.0, 0.0]], dtype=np.float32)
    close(EF.cross_entropy(ember.tensor(x), ember.tensor([1, 0])), TF.cross_entropy(torch.tensor(x),
                                                                                     torch.tensor([1, 0])))
    y = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.2]], dtype=np.float32)
    close(EF.binary_cross_entropy_with_logits(ember.tensor(x), ember.tensor(y)),
          TF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(y)))


INF = float("inf")
SATURATED_LOSSES = [  # (name, loss(F, lib, *tensors), inputs, which inputs get gradients)
    ("bce", lambda F, L, x, t: F.binary_cross_entropy(x, t, reduction="none"),
     ([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30], [0.0, 1.0, 1.0, 0.0, 0.3, 1.0]), (0,)),
    ("bce-mean-weight", lambda F, L, x, t: F.binary_cross_entropy(x, t, weight=L.tensor([2.0, 3.0, 0.5, 1.0])),
     ([0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 1.0, 0.0]), (0,)),
    ("bce-sum-target", lambda F, L, x, t: F.binary_cross_entropy(x, t, reduction="sum"),
     ([0.0, 1.0, 0.25, 1e-30], [0.0, 1.0, 0.5, 1.0]), (0, 1)),
    ("bce-module", lambda F, L, x, t: L.nn.BCELoss(weight=L.tensor([0.5, 2.0]))(x, t), ([[0.0, 1.0]], [[1.0, 0.0]]),
     (0,)),
    ("bce-logits", lambda F, L, x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
     ([-200.0, 200.0, -1e4, 1e4, 88.0, -88.0, 1e38], [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0]), (0, 1)),
    ("bce-logits-pos-weight", lambda F, L, x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=L.tensor(3.0)),
     ([-200.0, 200.0, -1e4, 1e4], [1.0, 0.0, 0.5, 1.0]), (0,)),
    ("nll-inf", lambda F, L, x: F.nll_loss(x, L.tensor([1, 0])), ([[0.0, -1e30, 5.0], [-INF, 0.0, 0.0]],), (0,)),
    ("cross-entropy-smoothing", lambda F, L, x: F.cross_entropy(x, L.tensor([1, 0]), label_smoothing=0.1),
     ([[1e4, -1e4, 0.0], [0.0, -1e4, 3.0]],), (0,)),
    ("cross-entropy-smoothing-inf", lambda F, L, x: F.cross_entropy(x, L.tensor([0]), label_smoothing=0.1),
     ([[0.0, -INF, 3.0]],), (0,)),
    ("cross-entropy-probs", lambda F, L, x, t: F.cross_entropy(x, t, label_smoothing=0.2),
     ([[1e4, -1e4, 0.0]], [[0.0, 1.0, 0.0]]), (0,)),
    ("kl-zero-target", lambda F, L, x, t: F.kl_div(x, t, reduction="batchmean"),
     ([[-1.0, 0.0, -INF]], [[0.0, 1.0, 0.0]]), (0,)),
    ("kl-log-target", lambda F, L, x, t: F.kl_div(x, t, reduction="sum", log_target=True),
     ([-1.0, 0.0, -2.0], [-INF, 0.0, -1000.0]), (0, 1)),
    ("poisson-nll", lambda F, L, x, t: F.poisson_nll_loss(x, t, log_input=False, reduction="sum"),
     ([0.0, 1e-12, 2.0], [1.0, 0.0, 3.0]), (0,)),
    ("poisson-nll-log", lambda F, L, x, t: F.poisson_nll_loss(x, t, reduction="none"), ([80.0, -100.0], [1.0, 0.0]),
     (0,)),
    ("gaussian-nll-zero-var", lambda F, L, x, v: F.gaussian_nll_loss(x, L.zeros(2), v, reduction="sum"),
     ([1.0, 2.0], [0.0, 1e-30]), (0, 1)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(("name", "loss", "inputs", "grads"), SATURATED_LOSSES, ids=[c[0] for c in SATURATED_LOSSES])
def test_losses_at_saturated_probabilities_match_pytorch(dtype, name, loss, inputs, grads):
    """Probabilities of exactly 0 or 1, infinite log-probabilities and extreme logits: the same values and the same
    (finite where PyTorch's are) gradients."""
    results = []
    for lib, F in ((torch, TF), (ember, EF)):
        tensors = [lib.tensor(np.array(a), dtype=getattr(lib, dtype), requires_grad=i in grads)
                   for i, a in enumerate(inputs)]
        out = loss(F, lib, *tensors)
        got = lib.autograd.grad(out.sum(), [tensors[i] for i in grads])
        results.append([out.detach().numpy()] + [g.numpy() for g in got])
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6, err_msg=name)


FUNCTIONALS = [
    ("pad-constant", lambda F, x: F.pad(x, (1, -1, 2, 0), value=0.5), (2, 3, 4)),
    ("pad-reflect", lambda F, x: F.pad(x, (2, 1, 1, 2), mode="reflect"), (1, 2, 4, 5)),
    ("pad-replicate", lambda F, x: F.pad(x, (2, 1), mode="replicate"), (2, 3, 4)),
    ("pad-circular", lambda F, x: F.pad(x, (1, 2, 2, 1), mode="circular"), (1, 2, 4, 5)),
    ("interp-nearest", lambda F, x: F.interpolate(x, size=(7, 3)), (1, 2, 5, 4)),
    ("interp-nearest-scale", lambda F, x: F.interpolate(x, scale_factor=(1.5, 0.7)), (1, 2, 5, 7)),
    ("interp-nearest-exact", lambda F, x: F.interpolate(x, size=(3, 9), mode="nearest-exact"), (1, 2, 5, 4)),
    ("interp-bilinear", lambda F, x: F.interpolate(x, size=(7, 3), mode="bilinear"), (1, 2, 5, 4)),
    ("interp-bilinear-ac", lambda F, x: F.interpolate(x, scale_factor=2.5, mode="bilinear", align_corners=True),
     (1, 2, 3, 4)),
    ("interp-linear", lambda F, x: F.interpolate(x, size=9, mode="linear"), (2, 3, 5)),
    ("interp-area", lambda F, x: F.interpolate(x, size=(3, 2), mode="area"), (1, 2, 7, 5)),
    ("sdpa", lambda F, x: F.scaled_dot_product_attention(x, x * 0.5, x), (2, 3, 4, 5)),
    ("sdpa-causal", lambda F, x: F.scaled_dot_product_attention(x, x, x * 2, is_causal=True, scale=0.3), (2, 4, 5)),
    ("normalize", lambda F, x: F.normalize(x, p=3, dim=0), (4, 3)),
    ("cosine-similarity", lambda F, x: F.cosine_similarity(x, x * x, dim=1), (4, 3)),
    ("pairwise-distance", lambda F, x: F.pairwise_distance(x, x.flip(0), p=1.5), (4, 3)),
    ("dropout-eval", lambda F, x: F.dropout(x, 0.5, training=False), (4, 3)),
    ("gelu", lambda F, x: F.gelu(x), (4, 3)),
    ("log-softmax-dim0", lambda F, x: F.log_softmax(x, dim=0), (4, 3)),
    ("glu", lambda F, x: F.glu(x, 0), (4, 3)),
    ("unfold", lambda F, x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1), (1, 2, 5, 6)),
    ("max-pool-indices", lambda F, x: F.max_pool2d(x, 3, 2, 1, return_indices=True)[0], (1, 2, 7, 7)),
    ("adaptive-max-1d", lambda F, x: F.adaptive_max_pool1d(x, 3), (2, 3, 8)),
    ("conv1d-same", lambda F, x: F.conv1d(x, x[:2, :, :4], padding="same"), (3, 3, 8)),
    ("linear", lambda F, x: F.linear(x, x[:2]), (4, 3)),
    ("bilinear", lambda F, x: F.bilinear(x, x, x[:2, :, None].expand(2, 3, 3).contiguous()), (4, 3)),
]


@pytest.mark.parametrize(("name", "fn", "shape"), FUNCTIONALS, ids=[c[0] for c in FUNCTIONALS])
def test_functional_matches_pytorch(name, fn, shape):
    x = randn(*shape)
    tx = torch.tensor(x, requires_grad=True)
    ex = e(tx)
    tout, eout = fn(TF, tx), fn(EF, ex)
    close(eout, tout)
    g = randn(*tuple(tout.shape))
    tout.backward(torch.tensor(g))
    eout.backward(ember.tensor(g))
    close(ex.grad, tx.grad)


def test_one_hot_and_indices_match_pytorch():
    idx = np.array([[0, 3], [2, 2]])
    np.testing.assert_array_equal(EF.one_hot(ember.tensor(idx), 5).numpy(), TF.one_hot(torch.tensor(idx), 5).numpy())
    x = randn(2, 3, 7, 6)
    _, ti = TF.max_pool2d(torch.tensor(x), 3, 2, 1, return_indices=True)
    _, ei = EF.max_pool2d(ember.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    _, ti = TF.adaptive_max_pool2d(torch.tensor(x), (4, 5), return_indices=True)
    _, ei = EF.adaptive_max_pool2d(ember.tensor(x), (4, 5), return_indices=True)
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())


def test_clip_grad_matches_pytorch():
    grads = [randn(3, 4), randn(5)]
    for norm_type in (2.0, 1.0, float("inf"), 3.0):
        tps = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
        eps = [enn.Parameter(ember.zeros(g.shape)) for g in grads]
        for tp, ep, g in zip(tps, eps, grads):
            tp.grad = torch.tensor(g)
            ep.grad = ember.tensor(g)
        close(enn.utils.clip_grad_norm_(eps, 0.5, norm_type), torch.nn.utils.clip_grad_norm_(tps, 0.5, norm_type))
        for tp, ep in zip(tps, eps):
            close(ep.grad, tp.grad)
    tps = [torch.nn.Parameter(torch.zeros(3))]
    eps = [enn.Parameter(ember.zeros(3))]
    tps[0].grad, eps[0].grad = torch.tensor([-2.0, 0.1, 3.0]), ember.tensor([-2.0, 0.1, 3.0])
    torch.nn.utils.clip_grad_value_(tps, 0.5)
    enn.utils.clip_grad_value_(eps, 0.5)
    close(eps[0].grad, tps[0].grad)
    lin_t, lin_e = tnn.Linear(3, 2), enn.Linear(3, 2)
    copy_weights(lin_e, lin_t)
    close(enn.utils.parameters_to_vector(lin_e.parameters()), torch.nn.utils.parameters_to_vector(lin_t.parameters()))


# -- module system ---------------------------------------------------------------------------

def _lenet(nn):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Dropout(0.5), nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
        nn.ModuleDict({"head": nn.Linear(10, 2), "act": nn.Softmax(1)}),
        nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.GELU()]),
        nn.LSTM(4, 8, 2, batch_first=True),
    )


def test_printed_model_and_state_dict_metadata_match_pytorch():
    tm, em = _lenet(tnn), _lenet(enn)
    same_repr(em, tm)
    tsd, esd = tm.state_dict(), em.state_dict()
    assert list(esd) == list(tsd)
    assert dict(esd._metadata) == dict(tsd._metadata)
    for k in tsd:
        assert tuple(esd[k].shape) == tuple(tsd[k].shape) and esd[k].dtype.name == str(tsd[k].dtype)[6:], k
    copy_weights(em, tm)


def test_load_state_dict_errors_match_pytorch():
    t_small, e_big = tnn.Sequential(tnn.Linear(3, 2)), enn.Sequential(enn.Linear(3, 3))
    t_big = tnn.Sequential(tnn.Linear(3, 3))
    sd = {k: e(v) for k, v in t_small.state_dict().items()}
    sd["extra"] = ember.zeros(1)
    tsd = dict(t_small.state_dict())
    tsd["extra"] = torch.zeros(1)
    with pytest.raises(RuntimeError) as theirs:
        t_big.load_state_dict(tsd)
    with pytest.raises(RuntimeError) as ours:
        e_big.load_state_dict(sd)
    assert str(ours.value) == str(theirs.value).replace("torch", "ember")


def test_module_errors_match_pytorch():
    cases = [
        lambda nn: nn.Module().register_buffer("a.b", None),
        lambda nn: nn.Linear(2, 2).register_parameter("weight2", 3),
        lambda nn: nn.Linear(2, 2).add_module("x", 3),
        lambda nn: setattr(nn.Linear(2, 2), "weight", 3),
        lambda nn: nn.Linear(2, 2).nope,
        lambda nn: nn.Sequential()[0],
        lambda nn: nn.BatchNorm2d(3)(ember.ones(2, 3) if nn is enn else torch.ones(2, 3)),
        lambda nn: nn.Conv2d(3, 4, 3, groups=2),
        lambda nn: nn.GroupNorm(4, 6),
        lambda nn: nn.Dropout(2),
        lambda nn: nn.Unflatten(1, 3),
        lambda nn: nn.Embedding(3, 2, padding_idx=5),
        lambda nn: nn.MultiheadAttention(5, 2),
        lambda nn: nn.RNN(3, 4, nonlinearity="elu"),
        lambda nn: nn.Linear(2, 2).train("no"),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(tnn)
        with pytest.raises(type(theirs.value)) as ours:
            case(enn)
        assert str(ours.value) == str(theirs.value).replace("torch", "ember"), str(theirs.value)


def test_functional_errors_match_pytorch():
    cases = [
        lambda F, t: F.conv2d(t(1, 5, 8, 8), t(4, 3, 3, 3)),
        lambda F, t: F.conv2d(t(8, 8), t(4, 3, 3, 3)),
        lambda F, t: F.conv2d(t(1, 1, 2, 2), t(1, 1, 3, 3)),
        lambda F, t: F.max_pool2d(t(1, 1, 8, 8), 3, padding=2),
        lambda F, t: F.max_pool2d(t(1, 1, 2, 2), 3),
        lambda F, t: F.pad(t(2, 2), (1,)),
        lambda F, t: F.pad(t(1, 1, 3), (3, 0), mode="reflect"),
        lambda F, t: F.interpolate(t(1, 1, 3), size=3, align_corners=True),
        lambda F, t: F.dropout(t(2), 1.5),
        lambda F, t: F.layer_norm(t(2, 4), (5,)),
        lambda F, t: F.group_norm(t(2, 6, 3), 4),
        lambda F, t: F.binary_cross_entropy(t(2, 1), t(2)),
        lambda F, t: F.binary_cross_entropy_with_logits(t(2, 1), t(2)),
        lambda F, t: F.mse_loss(t(2), t(2), reduction="avg"),
        lambda F, t: F.batch_norm(t(1, 3), None, None, training=True),
        lambda F, t: F.glu(t(3, 3)),
    ]
    for case in cases:
        with pytest.raises(Exception) as theirs:
            case(TF, lambda *s: torch.ones(*s))
        with pytest.raises(type(theirs.value)) as ours:
            case(EF, lambda *s: ember.ones(*s))
        assert str(ours.value) == str(theirs.value).split("\n")[0].replace("torch", "ember"), str(theirs.value)


# -- initial distributions -------------------------------------------------------------------

INIT_LAYERS = [
    lambda nn: nn.Linear(300, 400), lambda nn: nn.Conv2d(16, 32, 5), lambda nn: nn.ConvTranspose2d(16, 32, 3),
    lambda nn: nn.Conv1d(40, 50, 3), lambda nn: nn.Bilinear(30, 40, 50), lambda nn: nn.Embedding(400, 200),
    lambda nn: nn.LSTM(100, 120), lambda nn: nn.GRUCell(60, 70), lambda nn: nn.MultiheadAttention(96, 4),
    lambda nn: nn.PReLU(5), lambda nn: nn.BatchNorm2d(20), lambda nn: nn.LayerNorm(30),
]


@pytest.mark.parametrize("make", INIT_LAYERS, ids=lambda m: type(m(tnn)).__name__)
def test_initial_weights_follow_pytorch_distributions(make):
    torch.manual_seed(0)
    ember.manual_seed(0)
    tm, em = make(tnn), make(enn)
    for (name, tp), (_, ep) in zip(tm.named_parameters(), em.named_parameters()):
        t, v = tp.detach().numpy().ravel().astype(np.float64), ep.detach().numpy().ravel().astype(np.float64)
        if t.std() == 0:
            np.testing.assert_array_equal(v, t, err_msg=name)      # constants (ones, zeros, 0.25)
            continue
        n = v.size
        assert abs(v.mean() - t.mean()) < 6 * t.std() / math.sqrt(n), name
        assert abs(v.std() - t.std()) < max(0.02, 4 / math.sqrt(n)) * t.std(), name   # both are samples
        kurtosis = np.mean((t - t.mean()) ** 4) / t.var() ** 2
        if kurtosis < 2.2 and n >= 1000:    # uniform: the bound itself must agree
            bound = np.abs(t).max()
            assert 0.97 * bound <= np.abs(v).max() <= bound * 1.001 + 1e-7, name


def test_init_functions_follow_pytorch_distributions():
    torch.manual_seed(1)
    ember.manual_seed(1)
    cases = [
        lambda m, w: m.xavier_uniform_(w, gain=2.0), lambda m, w: m.xavier_normal_(w),
        lambda m, w: m.kaiming_uniform_(w, a=0.1, mode="fan_out"),
        lambda m, w: m.kaiming_normal_(w, nonlinearity="relu"),
        lambda m, w: m.trunc_normal_(w, mean=0.5, std=0.3, a=0.0, b=1.0), lambda m, w: m.uniform_(w, -3, 1),
        lambda m, w: m.normal_(w, 2.0, 0.1), lambda m, w: m.orthogonal_(w, gain=0.5),
    ]
    for case in cases:
        t = case(tnn.init, torch.empty(200, 150)).numpy().astype(np.float64)
        v = case(enn.init, ember.empty(200, 150)).numpy().astype(np.float64)
        assert abs(v.mean() - t.mean()) < 6 * t.std() / math.sqrt(t.size)
        assert abs(v.std() - t.std()) < 0.03 * t.std()
        if np.mean((t - t.mean()) ** 4) / t.var() ** 2 < 2.2:      # bounded (uniform): the bounds agree
            assert abs(v.min() - t.min()) < 0.01 * t.std() and abs(v.max() - t.max()) < 0.01 * t.std()
        else:
            assert v.min() > t.min() - 3 * t.std() and v.max() < t.max() + 3 * t.std()
    for name in ("linear", "relu", "tanh", "sigmoid", "selu", "conv_transpose2d"):
        assert enn.init.calculate_gain(name) == pytest.approx(tnn.init.calculate_gain(name))
    assert enn.init.calculate_gain("leaky_relu", 0.3) == pytest.approx(tnn.init.calculate_gain("leaky_relu", 0.3))


def test_relu_gradient_at_nan_zero_and_infinite_grad():
    """ReLU's backward is a select (threshold_backward), so NaN inputs pass the gradient and an infinite
    gradient where the input is <= 0 gives 0, as in PyTorch."""
    x = np.array([np.nan, -1.0, 2.0, 0.0, -0.0, 3.0], dtype=np.float32)
    g = np.array([1.0, np.inf, 3.0, 5.0, -np.inf, np.nan], dtype=np.float32)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    torch.relu(tx).backward(torch.tensor(g))
    ember.relu(ex).backward(ember.tensor(g))
    np.testing.assert_array_equal(ex.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_fused_gelu_matches_pytorch(approximate):
    x = np.random.default_rng(4).standard_normal((64, 33)).astype(np.float32) * 3
    e = ember.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    ember.nn.functional.gelu(e, approximate=approximate).pow(2).sum().backward()
    torch.nn.functional.gelu(t, approximate=approximate).pow(2).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_fused_recurrent_final_states_and_long_sequences_match_pytorch(mode):
    """The fused layer ops: gradients that reach only through the final state, and a 35-step sequence."""
    make = lambda nn: getattr(nn, mode)(6, 8, num_layers=2, bidirectional=True)
    run_pair(make, [randn(5, 3, 6)], out_index=1)
    run_pair(lambda nn: getattr(nn, mode)(16, 20, num_layers=2, dropout=0.0), [randn(35, 4, 16)])
