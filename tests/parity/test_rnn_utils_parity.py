"""ember.nn.utils.rnn (padding, packing) and recurrent layers on PackedSequence inputs against torch."""

import numpy as np
import pytest

import ember
import ember.nn as enn
from ember.nn.utils import rnn as ernn

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn

rng = np.random.default_rng(11)


def e(t):
    return ember.tensor(t.detach().numpy(), requires_grad=t.requires_grad)


def close(ours, theirs, atol=1e-5):
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-4, atol=atol)


def sequences(lengths, *tail):
    arrays = [rng.standard_normal((n,) + tail).astype(np.float32) for n in lengths]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    return ts, [e(t) for t in ts]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_values_and_gradients(batch_first, padding_side):
    ts, es = sequences([3, 5, 1], 2)
    tout = trnn.pad_sequence(ts, batch_first=batch_first, padding_value=-2.5, padding_side=padding_side)
    eout = ernn.pad_sequence(es, batch_first=batch_first, padding_value=-2.5, padding_side=padding_side)
    close(eout, tout)
    up = rng.standard_normal(tuple(tout.shape)).astype(np.float32)
    tout.backward(torch.tensor(up))
    eout.backward(ember.tensor(up))
    for t, x in zip(ts, es):
        close(x.grad, t.grad)


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_pad_packed_round_trip(enforce_sorted, batch_first):
    lengths = [5, 3, 3, 1] if enforce_sorted else [3, 5, 1, 3]
    x = rng.standard_normal((4, 5, 2) if batch_first else (5, 4, 2)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    ex = e(tx)
    tp = trnn.pack_padded_sequence(tx, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=enforce_sorted)
    ep = ernn.pack_padded_sequence(ex, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    close(ep.data, tp.data)
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist() and ep.batch_sizes.dtype is ember.int64
    for ours, theirs in ((ep.sorted_indices, tp.sorted_indices), (ep.unsorted_indices, tp.unsorted_indices)):
        assert (ours is None) == (theirs is None)
        if ours is not None:
            assert ours.tolist() == theirs.tolist()
    tpad, tlen = trnn.pad_packed_sequence(tp, batch_first=batch_first, padding_value=9.0, total_length=7)
    epad, elen = ernn.pad_packed_sequence(ep, batch_first=batch_first, padding_value=9.0, total_length=7)
    close(epad, tpad)
    assert elen.tolist() == tlen.tolist() and elen.dtype is ember.int64
    up = rng.standard_normal(tuple(tpad.shape)).astype(np.float32)
    tpad.backward(torch.tensor(up))
    epad.backward(ember.tensor(up))
    close(ex.grad, tx.grad)


def test_pack_sequence_unpack_and_unpad_match_pytorch():
    ts, es = sequences([2, 4, 3], 3)
    tp, ep = trnn.pack_sequence(ts, enforce_sorted=False), ernn.pack_sequence(es, enforce_sorted=False)
    close(ep.data, tp.data)
    assert ep.batch_sizes.tolist() == tp.batch_sizes.tolist()
    for ours, theirs in zip(ernn.unpack_sequence(ep), trnn.unpack_sequence(tp)):
        close(ours, theirs)
    tpad = trnn.pad_sequence(ts, batch_first=True)
    epad = ernn.pad_sequence(es, batch_first=True)
    for ours, theirs in zip(ernn.unpad_sequence(epad, ember.tensor([2, 4, 3]), batch_first=True),
                            trnn.unpad_sequence(tpad, torch.tensor([2, 4, 3]), batch_first=True)):
        close(ours, theirs)


def test_errors_have_pytorchs_types():
    x = ember.zeros(4, 2, 1)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        ernn.pack_padded_sequence(x, [2, 4])
    with pytest.raises(RuntimeError, match="greater than 0"):
        ernn.pack_padded_sequence(x, [4, 0])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 3"):
        ernn.pack_padded_sequence(x, [4, 3, 1])
    with pytest.raises(RuntimeError, match="longer than the padded input's 4 time steps"):
        ernn.pack_padded_sequence(x, [5, 1])
    packed = ernn.pack_padded_sequence(x, [4, 2])
    with pytest.raises(ValueError, match="total_length=3 and max sequence length being 4"):
        ernn.pad_packed_sequence(packed, total_length=3)
    with pytest.raises(ValueError, match="padding_side to be one of left or right, but got middle"):
        ernn.pad_sequence([ember.zeros(2)], padding_side="middle")
    # torch raises the same types for the same mistakes
    with pytest.raises(RuntimeError):
        trnn.pack_padded_sequence(torch.zeros(4, 2, 1), [2, 4])
    with pytest.raises(ValueError):
        trnn.pad_packed_sequence(trnn.pack_padded_sequence(torch.zeros(4, 2, 1), [4, 2]), total_length=3)


RECURRENT = [
    ("rnn", lambda nn: nn.RNN(3, 4, num_layers=2, nonlinearity="relu"), 1),
    ("rnn-bi", lambda nn: nn.RNN(3, 4, bidirectional=True, batch_first=True), 1),
    ("lstm-bi-2", lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True), 2),
    ("lstm-proj", lambda nn: nn.LSTM(3, 5, proj_size=2, batch_first=True), 2),
    ("gru-bi", lambda nn: nn.GRU(3, 4, num_layers=2, bidirectional=True, bias=False), 1),
]


@pytest.mark.parametrize("with_hx", [False, True])
@pytest.mark.parametrize(("name", "make", "states"), RECURRENT, ids=[r[0] for r in RECURRENT])
def test_recurrent_layers_on_packed_sequences(name, make, states, with_hx):
    tm, em = make(torch.nn), make(enn)
    em.load_state_dict({k: e(v) for k, v in tm.state_dict().items()})
    lengths = [3, 6, 1, 4]
    first = tm.batch_first
    x = rng.standard_normal((4, 6, 3) if first else (6, 4, 3)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    ex = e(tx)
    tp = trnn.pack_padded_sequence(tx, lengths, batch_first=first, enforce_sorted=False)
    ep = ernn.pack_padded_sequence(ex, lengths, batch_first=first, enforce_sorted=False)
    dirs = 2 if tm.bidirectional else 1
    thx = ehx = None
    if with_hx:
        sizes = [tm.proj_size or tm.hidden_size, tm.hidden_size][:states]
        thx = [torch.tensor(rng.standard_normal((tm.num_layers * dirs, 4, s)).astype(np.float32), requires_grad=True)
               for s in sizes]
        ehx = [e(h) for h in thx]
        thx, ehx = (tuple(thx), tuple(ehx)) if states == 2 else (thx[0], ehx[0])
    tout, tfinal = tm(tp, thx)
    eout, efinal = em(ep, ehx)
    assert isinstance(eout, ernn.PackedSequence)
    assert eout.batch_sizes.tolist() == tout.batch_sizes.tolist()
    assert eout.unsorted_indices.tolist() == tout.unsorted_indices.tolist()
    close(eout.data, tout.data)
    tfinal = tfinal if isinstance(tfinal, tuple) else (tfinal,)
    efinal = efinal if isinstance(efinal, tuple) else (efinal,)
    for ours, theirs in zip(efinal, tfinal):
        close(ours, theirs)
    tpad, _ = trnn.pad_packed_sequence(tout, batch_first=first)
    epad, _ = ernn.pad_packed_sequence(eout, batch_first=first)
    close(epad, tpad)
    loss_t = (tpad * torch.tensor(np.linspace(-1, 1, tpad.numel(), dtype=np.float32).reshape(tpad.shape))).sum()
    loss_t = loss_t + sum((f * (i + 1)).sum() for i, f in enumerate(tfinal))
    loss_e = (epad * ember.tensor(np.linspace(-1, 1, epad.numel(), dtype=np.float32).reshape(tuple(epad.shape)))).sum()
    loss_e = loss_e + sum((f * (i + 1)).sum() for i, f in enumerate(efinal))
    loss_t.backward()
    loss_e.backward()
    close(ex.grad, tx.grad)
    for (n, tpar), (_, epar) in zip(tm.named_parameters(), em.named_parameters()):
        close(epar.grad, tpar.grad)
    if with_hx:
        for ours, theirs in zip(ehx if states == 2 else (ehx,), thx if states == 2 else (thx,)):
            close(ours.grad, theirs.grad)
