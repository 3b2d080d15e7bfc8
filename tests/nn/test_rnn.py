"""RNN, LSTM, GRU and their cells against a NumPy recurrence using the modules' own weights."""

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck

rng = np.random.default_rng(5)


def sig(x):
    return 1 / (1 + np.exp(-x))


def np_weights(module, layer, direction):
    sfx = "_reverse" if direction else ""

    def get(name):
        p = getattr(module, f"{name}_l{layer}{sfx}", None)
        return None if p is None else p.detach().numpy()

    return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh"), get("weight_hr")


def np_step(mode, x, state, w_ih, w_hh, b_ih, b_hh, w_hr):
    b_ih = 0 if b_ih is None else b_ih
    b_hh = 0 if b_hh is None else b_hh
    h = state[0]
    if mode in ("tanh", "relu"):
        pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        return [np.tanh(pre) if mode == "tanh" else np.maximum(pre, 0)]
    if mode == "lstm":
        c = state[1]
        i, f, g, o = np.split(x @ w_ih.T + b_ih + h @ w_hh.T + b_hh, 4, axis=1)
        c = sig(f) * c + sig(i) * np.tanh(g)
        h = sig(o) * np.tanh(c)
        if w_hr is not None:
            h = h @ w_hr.T
        return [h, c]
    gi = x @ w_ih.T + b_ih
    gh = h @ w_hh.T + b_hh
    r = sig(gi[:, :gi.shape[1] // 3] + gh[:, :gh.shape[1] // 3])
    z = sig(gi[:, gi.shape[1] // 3:2 * gi.shape[1] // 3] + gh[:, gh.shape[1] // 3:2 * gh.shape[1] // 3])
    n = np.tanh(gi[:, 2 * gi.shape[1] // 3:] + r * gh[:, 2 * gh.shape[1] // 3:])
    return [(1 - z) * n + z * h]


def np_rnn(module, mode, x, states):
    """x (L, N, I); states list of (layers*dirs, N, H) arrays."""
    dirs = 2 if module.bidirectional else 1
    finals = [[] for _ in states]
    inp = x
    for layer in range(module.num_layers):
        outs = []
        for d in range(dirs):
            k = layer * dirs + d
            st = [s[k] for s in states]
            seq = [None] * len(inp)
            for t in (reversed(range(len(inp))) if d else range(len(inp))):
                st = np_step(mode, inp[t], st, *np_weights(module, layer, d))
                seq[t] = st[0]
            outs.append(np.stack(seq))
            for i, s in enumerate(st):
                finals[i].append(s)
        inp = np.concatenate(outs, -1)
    return inp, [np.stack(f) for f in finals]


@pytest.mark.parametrize(("cls", "mode", "kwargs"), [
    (nn.RNN, "tanh", {}), (nn.RNN, "relu", {"nonlinearity": "relu", "num_layers": 2}),
    (nn.LSTM, "lstm", {"num_layers": 2, "bidirectional": True}), (nn.LSTM, "lstm", {"proj_size": 2}),
    (nn.GRU, "gru", {"bidirectional": True}), (nn.GRU, "gru", {"bias": False, "num_layers": 2})])
def test_recurrent_layers_match_numpy(cls, mode, kwargs):
    m = cls(3, 4, **kwargs).double()
    x = rng.standard_normal((5, 2, 3))
    dirs = 2 if m.bidirectional else 1
    h_size = m.proj_size or 4
    sizes = [h_size, 4] if mode == "lstm" else [4]
    states = [rng.standard_normal((m.num_layers * dirs, 2, s)) for s in sizes]
    hx = tuple(ember.tensor(s) for s in states) if mode == "lstm" else ember.tensor(states[0])
    out, hn = m(ember.tensor(x), hx)
    exp_out, exp_states = np_rnn(m, mode, x, states)
    np.testing.assert_allclose(out.detach().numpy(), exp_out, atol=1e-12)
    got = [s.detach().numpy() for s in (hn if mode == "lstm" else (hn,))]
    for g, e in zip(got, exp_states):
        np.testing.assert_allclose(g, e, atol=1e-12)


def test_batch_first_unbatched_and_zero_state():
    lstm = nn.LSTM(3, 4, batch_first=True).double()
    x = rng.standard_normal((2, 5, 3))
    out, (h, c) = lstm(ember.tensor(x))
    exp_out, (eh, ec) = np_rnn(lstm, "lstm", x.transpose(1, 0, 2), [np.zeros((1, 2, 4))] * 2)
    np.testing.assert_allclose(out.detach().numpy(), exp_out.transpose(1, 0, 2), atol=1e-12)
    np.testing.assert_allclose(c.detach().numpy(), ec, atol=1e-12)
    single_out, (sh, sc) = lstm(ember.tensor(x[0]))
    assert single_out.shape == (5, 4) and sh.shape == (1, 4)
    np.testing.assert_allclose(single_out.detach().numpy(), out.detach().numpy()[0], atol=1e-12)


def test_parameter_names_and_shapes_match_pytorch():
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
    names = [(n, tuple(p.shape)) for n, p in lstm.named_parameters()]
    assert names[:5] == [("weight_ih_l0", (16, 3)), ("weight_hh_l0", (16, 2)), ("bias_ih_l0", (16,)),
                         ("bias_hh_l0", (16,)), ("weight_hr_l0", (2, 4))]
    assert names[5][0] == "weight_ih_l0_reverse" and names[10] == ("weight_ih_l1", (16, 4))
    assert [n for n, _ in nn.GRU(2, 3, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]


def test_recurrent_gradcheck():
    for m in (nn.GRU(2, 3, bidirectional=True), nn.LSTM(2, 2, num_layers=2), nn.RNN(2, 3)):
        m = m.double()
        x = ember.tensor(rng.standard_normal((3, 1, 2)), requires_grad=True)
        assert gradcheck(lambda t: m(t)[0], (x,))


def test_weight_gradients_match_finite_differences():
    gru = nn.GRU(2, 2).double()
    x = ember.tensor(rng.standard_normal((3, 1, 2)))
    w = gru.weight_hh_l0
    gru(x)[0].sum().backward()
    analytic = w.grad.numpy().copy()
    numeric = np.zeros_like(analytic)
    base = w.detach().numpy().copy()
    for idx in np.ndindex(*base.shape):
        for sign in (1, -1):
            pert = base.copy()
            pert[idx] += sign * 1e-6
            with ember.no_grad():
                w.copy_(ember.tensor(pert))
                numeric[idx] += sign * float(gru(x)[0].sum()) / 2e-6
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8)


def test_dropout_between_layers_only_in_training():
    with pytest.warns(UserWarning, match="non-zero dropout expects num_layers greater than 1"):
        nn.GRU(2, 2, dropout=0.5)
    gru = nn.GRU(2, 3, num_layers=2, dropout=0.9)
    x = ember.randn(4, 1, 2)
    gru.eval()
    a, b = gru(x)[0], gru(x)[0]
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_cells_match_one_step():
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    for cell, mode in ((nn.RNNCell(3, 4), "tanh"), (nn.RNNCell(3, 4, nonlinearity="relu"), "relu"),
                       (nn.LSTMCell(3, 4), "lstm"), (nn.GRUCell(3, 4), "gru")):
        cell = cell.double()
        w = [getattr(cell, n).detach().numpy() for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        if mode == "lstm":
            out = [o.detach().numpy() for o in cell(ember.tensor(x), (ember.tensor(h), ember.tensor(c)))]
            expected = np_step(mode, x, [h, c], *w, None)
        else:
            out = [cell(ember.tensor(x), ember.tensor(h)).detach().numpy()]
            expected = np_step(mode, x, [h], *w, None)
        for o, e in zip(out, expected):
            np.testing.assert_allclose(o, e, atol=1e-12)
    assert nn.GRUCell(3, 4)(ember.randn(3)).shape == (4,)


def test_errors_and_reprs():
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 4"):
        nn.RNN(3, 4)(ember.randn(2, 1, 4))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 4\), got \[1, 3, 4\]"):
        nn.GRU(3, 4)(ember.randn(5, 2, 3), ember.randn(1, 3, 4))
    with pytest.raises(ValueError, match="proj_size argument is only supported for LSTM, not RNN or GRU"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    assert repr(nn.RNN(3, 4)) == "RNN(3, 4)"
    assert repr(nn.LSTM(3, 4, 2, batch_first=True, bidirectional=True, dropout=0.5)) == (
        "LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)")
    assert repr(nn.GRU(3, 4, bias=False)) == "GRU(3, 4, bias=False)"
    assert repr(nn.LSTMCell(3, 4)) == "LSTMCell(3, 4)"
