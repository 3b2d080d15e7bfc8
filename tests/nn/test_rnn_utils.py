"""ember.nn.utils.rnn: PackedSequence, padding and packing by hand computation; recurrent layers'
packed runs against running each sequence alone; RNN attributes programs touch."""

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember.autograd import gradcheck
from ember.nn.utils.rnn import (
    PackedSequence,
    invert_permutation,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

rng = np.random.default_rng(3)


def test_packed_sequence_is_a_namedtuple_with_pytorchs_fields():
    packed = pack_sequence([ember.tensor([1, 2, 3]), ember.tensor([4, 5]), ember.tensor([6])])
    assert packed._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert data.tolist() == [1, 4, 6, 2, 5, 3]
    assert batch_sizes.tolist() == [3, 2, 1] and batch_sizes.device.type == "cpu"
    assert sorted_indices is None and unsorted_indices is None
    assert isinstance(ember.nn.utils.rnn.PackedSequence, type)


def test_pack_unsorted_records_the_permutation_and_unpack_restores_order():
    seqs = [ember.tensor([1.0]), ember.tensor([2.0, 3.0, 4.0]), ember.tensor([5.0, 6.0])]
    packed = pack_sequence(seqs, enforce_sorted=False)
    assert packed.sorted_indices.tolist() == [1, 2, 0]
    assert packed.unsorted_indices.tolist() == [2, 0, 1]
    assert packed.data.tolist() == [2.0, 5.0, 1.0, 3.0, 6.0, 4.0]
    assert [s.tolist() for s in unpack_sequence(packed)] == [[1.0], [2.0, 3.0, 4.0], [5.0, 6.0]]
    padded, lengths = pad_packed_sequence(packed, batch_first=True, padding_value=-1.0)
    assert padded.tolist() == [[1.0, -1.0, -1.0], [2.0, 3.0, 4.0], [5.0, 6.0, -1.0]]
    assert lengths.tolist() == [1, 3, 2]


def test_invert_permutation():
    perm = ember.tensor([2, 0, 3, 1])
    assert invert_permutation(perm).tolist() == [1, 3, 0, 2]
    assert invert_permutation(None) is None


def test_packed_sequence_to_converts_data_and_returns_self_when_unchanged():
    packed = pack_sequence([ember.ones(3, 2), ember.ones(1, 2)], enforce_sorted=False)
    assert packed.to(ember.float32) is packed
    doubled = packed.double()
    assert isinstance(doubled, PackedSequence) and doubled.data.dtype is ember.float64
    assert doubled.batch_sizes is packed.batch_sizes and doubled.unsorted_indices.tolist() == [0, 1]
    assert packed.to("cpu") is packed and not packed.is_cuda


def test_packed_sequence_rejects_bad_construction():
    with pytest.raises(AssertionError, match="list or tuple of length 2"):
        PackedSequence(ember.zeros(3))
    built = PackedSequence((ember.zeros(3), ember.tensor([2, 1])))
    assert built.batch_sizes.tolist() == [2, 1]


def test_pad_sequence_shapes_sides_and_validation():
    a, b = ember.ones(3, 2), ember.full((1, 2), 2.0)
    assert tuple(pad_sequence([a, b]).shape) == (3, 2, 2)
    left = pad_sequence([a, b], batch_first=True, padding_side="left", padding_value=7.0)
    assert left[1].tolist() == [[7.0, 7.0], [7.0, 7.0], [2.0, 2.0]]
    with pytest.raises(RuntimeError, match="trailing shape"):
        pad_sequence([a, ember.ones(2, 3)])
    with pytest.raises(RuntimeError, match="Expected iterable"):
        pad_sequence(5)
    with pytest.raises(TypeError, match="element 1 is list"):
        pad_sequence([a, [1.0]])
    with pytest.raises(TypeError, match="lengths must hold integers"):
        pack_padded_sequence(ember.zeros(3, 2), ember.tensor([3.0, 2.0]))


def test_unpad_sequence_checks_lengths():
    padded = ember.arange(6.0).reshape(3, 2)
    assert [s.tolist() for s in unpad_sequence(padded, [3, 1])] == [[0.0, 2.0, 4.0], [1.0]]
    with pytest.raises(RuntimeError, match="outside the padded batch's 3 time steps"):
        unpad_sequence(padded, [4, 1])


def test_pack_then_pad_gradcheck():
    x = ember.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)

    def round_trip(t):
        packed = pack_padded_sequence(t, [2, 4, 1], enforce_sorted=False)
        return pad_packed_sequence(packed, total_length=5)[0]

    assert gradcheck(round_trip, (x,))


@pytest.mark.parametrize("cls", [nn.RNN, nn.LSTM, nn.GRU])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_run_equals_each_sequence_alone(cls, bidirectional):
    """Packing skips the padding: outputs and final states are those of each sequence run by itself."""
    ember.manual_seed(0)
    layer = cls(3, 4, num_layers=2, bidirectional=bidirectional).double()
    lengths = [2, 5, 3]
    seqs = [ember.tensor(rng.standard_normal((n, 3))) for n in lengths]
    out, final = layer(pack_sequence(seqs, enforce_sorted=False))
    padded, got_lengths = pad_packed_sequence(out)
    assert got_lengths.tolist() == lengths
    finals = final if isinstance(final, tuple) else (final,)
    for i, seq in enumerate(seqs):
        alone, alone_final = layer(seq)
        np.testing.assert_allclose(padded[:lengths[i], i].detach().numpy(), alone.detach().numpy(), atol=1e-12)
        assert float(padded[lengths[i]:, i].abs().sum()) == 0.0
        alone_finals = alone_final if isinstance(alone_final, tuple) else (alone_final,)
        for f, g in zip(finals, alone_finals):
            np.testing.assert_allclose(f[:, i].detach().numpy(), g.detach().numpy(), atol=1e-12)


def test_packed_input_gradcheck_through_lstm():
    ember.manual_seed(1)
    lstm = nn.LSTM(2, 3, bidirectional=True).double()
    x = ember.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)

    def run(t):
        out, (h, c) = lstm(pack_padded_sequence(t, [1, 4, 2], enforce_sorted=False))
        return pad_packed_sequence(out)[0].sum() + h.sum() * 2 + c.sum() * 3

    assert gradcheck(run, (x,))


def test_packed_hidden_state_shape_is_checked():
    gru = nn.GRU(2, 3)
    packed = pack_sequence([ember.zeros(3, 2), ember.zeros(2, 2)])
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 3\), got \[1, 3, 3\]"):
        gru(packed, ember.zeros(1, 3, 3))
    with pytest.raises(RuntimeError, match="input_size. Expected 2, got 4"):
        gru(pack_sequence([ember.zeros(3, 4)]))


def test_rnn_attributes_programs_touch():
    lstm = nn.LSTM(3, 6, num_layers=2, proj_size=2, bidirectional=True)
    assert lstm.flatten_parameters() is None
    assert lstm.proj_size == 2
    names = [n for n, _ in lstm.named_parameters()]
    assert [p is q for p, q in zip(lstm._flat_weights, (getattr(lstm, n) for n in names))] == [True] * len(names)
    assert len(lstm.all_weights) == 4 and all(len(group) == 5 for group in lstm.all_weights)
    assert lstm.all_weights[1][0] is lstm.weight_ih_l0_reverse
    assert nn.GRU(2, 3).proj_size == 0


def test_rnn_checking_helpers_and_dtype_errors():
    lstm = nn.LSTM(3, 6, num_layers=2, proj_size=2, batch_first=True)
    x = ember.zeros(5, 4, 3)
    assert lstm.get_expected_hidden_size(x, None) == (2, 5, 2)
    assert lstm.get_expected_cell_size(x, None) == (2, 5, 6)
    assert lstm.get_expected_hidden_size(ember.zeros(7, 3), ember.tensor([3, 2, 2])) == (2, 3, 2)
    lstm.check_forward_args(x, (ember.zeros(2, 5, 2), ember.zeros(2, 5, 6)), None)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(2, 5, 6\), got \[2, 5, 2\]"):
        lstm.check_forward_args(x, (ember.zeros(2, 5, 2), ember.zeros(2, 5, 2)), None)
    with pytest.raises(RuntimeError, match="input must have 3 dimensions, got 2"):
        lstm.check_input(ember.zeros(4, 3), None)
    h = ember.arange(6.0).reshape(1, 3, 2)
    assert nn.GRU(2, 2).permute_hidden(h, ember.tensor([2, 0, 1]))[0, :, 0].tolist() == [4.0, 0.0, 2.0]
    assert lstm.permute_hidden((h, h), None)[0] is h
    with pytest.raises(ValueError, match=r"RNN input dtype \(ember.float64\) does not match weight dtype"):
        lstm(x.double())
    with pytest.raises(RuntimeError, match=r"LSTM expects \(h_0, c_0\) as its initial state, got 1 tensor"):
        lstm(x, ember.zeros(2, 5, 2))
