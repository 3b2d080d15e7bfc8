"""nn.Transformer, TransformerEncoder/Decoder(Layer) against torch 2.13 from copied weights: values and
gradients with every mask kind, state dicts both ways, initial distributions, and training
trajectories that must track PyTorch step by step."""

import warnings

import numpy as np
import pytest

import ember
import ember.nn as enn

torch = pytest.importorskip("torch")
warnings.filterwarnings("ignore", message="enable_nested_tensor is True")

rng = np.random.default_rng(5)


def e(t):
    return ember.tensor(t.detach().numpy(), requires_grad=t.requires_grad)


def close(ours, theirs, rtol=1e-4, atol=2e-5):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def pair(make):
    """A torch module and an ember one holding the same weights (loaded through the state dict)."""
    torch.manual_seed(0)
    tm, em = make(torch.nn), make(enn)
    result = em.load_state_dict({k: e(v) for k, v in tm.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    return tm, em


def randn(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def masks(lib, S, T, N, kind):
    """src/tgt/memory masks and key padding masks of the given kind for sequence-first lengths S, T."""
    if kind == "none":
        return {}
    src_mask = np.random.default_rng(S * T).standard_normal((S, S)).astype(np.float32)
    pad_src = np.zeros((N, S), bool)
    pad_src[1, S - 2:] = True
    pad_tgt = np.zeros((N, T), bool)
    pad_tgt[0, T - 1:] = True
    causal = np.triu(np.ones((T, T), bool), 1)
    memory = np.zeros((T, S), bool)
    memory[0, 1] = True
    as_float = lambda m: np.where(m, -np.inf, 0).astype(np.float32)
    conv = (lambda m: lib.tensor(m)) if kind == "bool" else (lambda m: lib.tensor(as_float(m)))
    return dict(src_mask=lib.tensor(src_mask), tgt_mask=conv(causal), memory_mask=conv(memory),
                src_key_padding_mask=conv(pad_src), tgt_key_padding_mask=conv(pad_tgt),
                memory_key_padding_mask=conv(pad_src))


CONFIGS = [
    ("default", dict()),
    ("batch-first-gelu", dict(batch_first=True, activation="gelu")),
    ("norm-first", dict(norm_first=True)),
    ("no-bias-callable", dict(bias=False, activation=lambda x: x.tanh() * 2)),
    ("odd-heads-eps", dict(nhead=1, layer_norm_eps=1e-3, batch_first=True)),
]


@pytest.mark.parametrize("mask_kind", ["none", "bool", "float"])
@pytest.mark.parametrize("train", [True, False])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_transformer_values_and_gradients(name, kwargs, train, mask_kind):
    kw = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.0)
    kw.update(kwargs)
    tm, em = pair(lambda nn: nn.Transformer(**kw))
    tm.train(train)
    em.train(train)
    S, T, N = 5, 4, 2
    bf = kw.get("batch_first", False)
    src, tgt = (randn(N, S, 8), randn(N, T, 8)) if bf else (randn(S, N, 8), randn(T, N, 8))
    tsrc, ttgt = torch.tensor(src, requires_grad=True), torch.tensor(tgt, requires_grad=True)
    esrc, etgt = e(tsrc), e(ttgt)
    tout = tm(tsrc, ttgt, **masks(torch, S, T, N, mask_kind))
    eout = em(esrc, etgt, **masks(ember, S, T, N, mask_kind))
    close(eout, tout)
    up = randn(*tout.shape)
    tout.backward(torch.tensor(up))
    eout.backward(ember.tensor(up))
    close(esrc.grad, tsrc.grad)
    close(etgt.grad, ttgt.grad)
    for (n, tp), (en, ep) in zip(tm.named_parameters(), em.named_parameters()):
        assert n == en
        close(ep.grad, tp.grad)


def test_state_dicts_move_both_ways_and_reprs_match():
    kw = dict(d_model=16, nhead=4, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=8)
    tm, em = pair(lambda nn: nn.Transformer(**kw))
    assert list(em.state_dict()) == list(tm.state_dict())
    fresh = torch.nn.Transformer(**kw)
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in em.state_dict().items()}, strict=True)
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), tm.state_dict()[k].numpy())
    assert repr(em) == repr(tm)
    layer_kw = dict(d_model=8, nhead=2, dim_feedforward=4, activation=None)
    layer_kw["activation"] = enn.GELU()
    ours = enn.TransformerDecoderLayer(**layer_kw)
    layer_kw["activation"] = torch.nn.GELU()
    assert repr(ours) == repr(torch.nn.TransformerDecoderLayer(**layer_kw))


def test_decoder_stack_unbatched_and_causal_hint():
    tm, em = pair(lambda nn: nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, 16, 0.0), 2, norm=nn.LayerNorm(8)))
    tgt, mem = torch.tensor(randn(4, 8), requires_grad=True), torch.tensor(randn(6, 8), requires_grad=True)
    etgt, emem = e(tgt), e(mem)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4)
    emask = enn.Transformer.generate_square_subsequent_mask(4)
    tout = tm(tgt, mem, tgt_mask=tmask, tgt_is_causal=True)
    eout = em(etgt, emem, tgt_mask=emask, tgt_is_causal=True)
    close(eout, tout)
    tout.sum().backward()
    eout.sum().backward()
    close(emem.grad, mem.grad)
    close(etgt.grad, tgt.grad)


def test_generate_square_subsequent_mask_matches():
    for n in (1, 4):
        ours = enn.Transformer.generate_square_subsequent_mask(n, dtype=ember.float64)
        theirs = torch.nn.Transformer.generate_square_subsequent_mask(n, dtype=torch.float64)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype is ember.float64


def test_initial_distributions_match_pytorch():
    """Transformer draws every matrix with xavier_uniform_; biases and norms keep their layers' init."""
    kw = dict(d_model=64, nhead=4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=128)
    ember.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = enn.Transformer(**kw).state_dict(), torch.nn.Transformer(**kw).state_dict()
    for k, t in theirs.items():
        o, t = ours[k].numpy().astype(np.float64), t.numpy().astype(np.float64)
        if t.std() == 0:
            np.testing.assert_array_equal(o, t, err_msg=k)
        else:   # uniform draws: the same bound, and the same spread (looser for short vectors)
            assert abs(np.abs(o).max() / np.abs(t).max() - 1) < 0.05, k
            assert abs(o.std() / t.std() - 1) < (0.05 if t.size > 1000 else 0.3), k


def test_encoder_layers_initial_distributions_match_pytorch():
    """In_proj is xavier_uniform_ over (3E, E), out_proj and the feed-forward Linear's own init."""
    ember.manual_seed(0)
    torch.manual_seed(0)
    ours = enn.TransformerEncoder(enn.TransformerEncoderLayer(64, 4, 256), 1).state_dict()
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(64, 4, 256), 1).state_dict()
    for k, t in theirs.items():
        o, t = ours[k].numpy().astype(np.float64), t.numpy().astype(np.float64)
        if t.std() == 0:
            np.testing.assert_array_equal(o, t, err_msg=k)
        else:
            assert abs(np.abs(o).max() / np.abs(t).max() - 1) < 0.05, k
            assert abs(o.std() / t.std() - 1) < (0.05 if t.size > 1000 else 0.3), k


@pytest.mark.parametrize("kpm", ["bool", "float"])
@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize(("batch_first", "nhead", "norm_first"), [(True, 2, False), (False, 2, False),
                                                                 (True, 3, False), (True, 2, True)])
def test_encoder_eval_with_padding_matches_pytorch_everywhere(batch_first, nhead, norm_first, grad, kpm):
    """In inference PyTorch runs a padded batch as nested tensors and returns zeros (before the final
    norm) at padded positions when the layer allows it; elsewhere both compute every position."""
    tm, em = pair(lambda nn: nn.TransformerEncoder(
        nn.TransformerEncoderLayer(12, nhead, 24, 0.0, batch_first=batch_first, norm_first=norm_first), 2,
        norm=nn.LayerNorm(12)))
    with torch.no_grad():
        for p in tm.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    em.load_state_dict({k: e(v) for k, v in tm.state_dict().items()})
    tm.eval()
    em.eval()
    x = randn(3, 6, 12) if batch_first else randn(6, 3, 12)
    pad = np.zeros((3, 6), bool)
    pad[1, 4:] = True
    pad[2, 2:] = True
    mask = pad if kpm == "bool" else np.where(pad, -np.inf, 0).astype(np.float32)
    with torch.set_grad_enabled(grad):
        theirs = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(mask))
    with ember.set_grad_enabled(grad):
        ours = em(ember.tensor(x), src_key_padding_mask=ember.tensor(mask))
    close(ours, theirs)


TRAIN_CONFIGS = [
    ("seq-first-float-causal", dict(batch_first=False), "float", "right"),
    ("batch-first-bool-left-padding", dict(batch_first=True), "bool", "left"),
    ("norm-first-float-left-padding", dict(batch_first=True, norm_first=True), "float", "left"),
]


@pytest.mark.parametrize(("name", "layer_kw", "kind", "side"), TRAIN_CONFIGS, ids=[c[0] for c in TRAIN_CONFIGS])
def test_training_tracks_pytorch_step_by_step(name, layer_kw, kind, side):
    """Regression: from identical weights with dropout=0, twenty Adam steps of a causal language model with
    padded batches must give PyTorch's losses at every step and PyTorch's validation loss in eval mode.
    Left padding under a causal mask leaves queries with nothing to attend: PyTorch gives them zeros
    (ember used to give NaN, which poisoned every gradient)."""
    V, E, L, N = 20, 16, 7, 4

    def make(nn):
        class LM(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(V, E)
                layer = nn.TransformerEncoderLayer(E, 2, 32, 0.0, **layer_kw)
                self.encoder = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(E))
                self.head = nn.Linear(E, V)

            def forward(self, x, mask, pad):
                return self.head(self.encoder(self.emb(x), mask=mask, src_key_padding_mask=pad))
        return LM()

    tm, em = pair(make)
    topt, eopt = torch.optim.Adam(tm.parameters(), 3e-3), ember.optim.Adam(em.parameters(), 3e-3)
    data = np.random.default_rng(7)
    bf = layer_kw["batch_first"]
    for step in range(21):
        tokens = data.integers(0, V, (N, L + 1))
        lengths = data.integers(3, L + 1, N)
        pad = np.arange(L)[None, :] >= lengths[:, None]
        if side == "left":
            pad = pad[:, ::-1].copy()
        x, y = tokens[:, :-1], tokens[:, 1:]
        if not bf:
            x, y = x.T.copy(), y.T.copy()
        keep = ~pad if bf else (~pad).T
        causal = np.triu(np.ones((L, L), bool), 1)
        to_mask = (lambda m: m) if kind == "bool" else (lambda m: np.where(m, -np.inf, 0).astype(np.float32))
        losses = []
        for lib, model, opt in ((torch, tm, topt), (ember, em, eopt)):
            training = step < 20
            model.train(training)
            # PyTorch's no-grad inference path gives NaN to queries with nothing to attend (its training
            # path and ember give zeros), so left-padded batches are evaluated with grad enabled.
            with lib.set_grad_enabled(training or side == "left"):
                out = model(lib.tensor(x), lib.tensor(to_mask(causal)), lib.tensor(to_mask(pad)))
                sel = lib.tensor(keep)
                loss = lib.nn.functional.cross_entropy(out[sel], lib.tensor(y)[sel])
            if training:
                opt.zero_grad()
                loss.backward()
                opt.step()
            losses.append(float(loss))
        assert np.isfinite(losses[1]), f"step {step}: ember loss {losses[1]}"
        assert abs(losses[0] - losses[1]) < 1e-4, f"step {step}: torch {losses[0]:.6f} ember {losses[1]:.6f}"
