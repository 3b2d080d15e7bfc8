"""Variable-length sequences for recurrent layers: padding, and ``PackedSequence`` packing.

A packed batch stores its sequences time step by time step: step ``t`` holds one row for each
sequence longer than ``t``, longest sequences first. ``batch_sizes[t]`` says how many rows step
``t`` has. ``nn.RNN``/``LSTM``/``GRU`` accept a ``PackedSequence`` and skip the padding, so each
sequence's final state is the one after its own last step.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Iterable

import ember
from ember import dtypes

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


def invert_permutation(permutation):
    """The permutation that undoes ``permutation`` (a 1-D int64 tensor), or None for None."""
    if permutation is None:
        return None
    inverse = ember.empty_like(permutation)
    positions = ember.arange(permutation.numel(), device=permutation.device)
    return inverse.scatter_(0, permutation, positions)


class PackedSequence(namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """A batch of sequences of different lengths, packed time step by time step.

    Build one with :func:`pack_padded_sequence` or :func:`pack_sequence`, not by hand.

    Attributes:
        data: (sum of lengths, *) the steps of every sequence, step by step.
        batch_sizes: int64 CPU tensor; ``batch_sizes[t]`` sequences have a step ``t``.
        sorted_indices: how the original batch was reordered by decreasing length (or None).
        unsorted_indices: the inverse permutation, to restore the original order (or None).
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        if batch_sizes.device.type != "cpu":
            raise ValueError("batch_sizes should always be on CPU; build a PackedSequence with pack_sequence or "
                             "pack_padded_sequence from ember.nn.utils.rnn rather than by hand")
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        """Convert ``data`` as ``Tensor.to`` does; the index tensors follow it to its device.
        Returns ``self`` when nothing changes."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        move = lambda t: None if t is None else t.to(data.device)
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cpu(self) -> PackedSequence:
        return self.to("cpu")

    def cuda(self, device=None) -> PackedSequence:
        return self.to("cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))

    def double(self) -> PackedSequence:
        return self.to(dtype=dtypes.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=dtypes.float32)

    def half(self) -> PackedSequence:
        return self.to(dtype=dtypes.float16)

    def long(self) -> PackedSequence:
        return self.to(dtype=dtypes.int64)

    def int(self) -> PackedSequence:
        return self.to(dtype=dtypes.int32)

    def short(self) -> PackedSequence:
        return self.to(dtype=dtypes.int16)

    def char(self) -> PackedSequence:
        return self.to(dtype=dtypes.int8)

    def byte(self) -> PackedSequence:
        return self.to(dtype=dtypes.uint8)

    @property
    def is_cuda(self) -> bool:
        return self.data.device.type == "cuda"

    def is_pinned(self) -> bool:
        return False


def _lengths_list(lengths) -> list[int]:
    if isinstance(lengths, ember.Tensor):
        if lengths.ndim != 1:
            raise ValueError(f"lengths must be a 1-D tensor or a list of ints, got a {lengths.ndim}-D tensor")
        if lengths.dtype.is_floating_point or lengths.dtype is dtypes.bool or lengths.dtype.is_complex:
            raise TypeError(f"lengths must hold integers, got dtype {lengths.dtype}")
        return [int(v) for v in lengths.tolist()]
    values = list(lengths)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, ember.Tensor)) or \
                (isinstance(v, ember.Tensor) and v.dtype.is_floating_point):
            raise TypeError(f"lengths must be a list of ints or a 1-D integer tensor, got an element {v!r}")
    return [int(v) for v in values]


def _batch_sizes(lengths: list[int]) -> list[int]:
    """For lengths sorted in decreasing order: how many sequences have a step t, for each t."""
    return [sum(1 for n in lengths if n > t) for t in range(lengths[0])] if lengths else []


def pack_padded_sequence(input, lengths, batch_first: bool = False, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) (or (B, T, *) with ``batch_first``) of sequences of ``lengths``.

    Args:
        input: the padded batch.
        lengths: each sequence's length (a list or a 1-D CPU integer tensor), every one in 1..T.
        batch_first: ``input`` is (B, T, *).
        enforce_sorted: require ``lengths`` in decreasing order; when False the batch is sorted here
            and ``sorted_indices`` records how.

    Example::

        >>> padded = ember.tensor([[1, 2, 3], [4, 5, 0]]).float()   # two sequences, lengths 3 and 2
        >>> pack_padded_sequence(padded, [3, 2], batch_first=True).data
        tensor([1., 4., 2., 5., 3.])
    """
    if not isinstance(input, ember.Tensor):
        raise TypeError(f"pack_padded_sequence expects a Tensor input, got {type(input).__name__}")
    values = _lengths_list(lengths)
    if input.ndim < 2:
        raise ValueError(f"pack_padded_sequence expects an input with at least 2 dims (T, B, *), got shape "
                         f"{tuple(input.shape)}")
    batch_dim = 0 if batch_first else 1
    steps = input.shape[1 - batch_dim]
    if len(values) != input.shape[batch_dim]:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got {len(values)} "
                           f"(batch_size={input.shape[batch_dim]})")
    if any(n <= 0 for n in values):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           f"is <= 0 (lengths: {values})")
    sorted_indices = None
    if enforce_sorted:
        if any(a < b for a, b in zip(values, values[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "Pass enforce_sorted=False to pack_padded_sequence or pack_sequence to sort here.")
    else:
        order = sorted(range(len(values)), key=lambda i: -values[i])   # stable: ties keep their order
        values = [values[i] for i in order]
        sorted_indices = ember.tensor(order, dtype=dtypes.int64, device=input.device)
        input = input.index_select(batch_dim, sorted_indices)
    if values and values[0] > steps:
        raise RuntimeError(f"a sequence length ({values[0]}) is longer than the padded input's {steps} time steps")
    if batch_first:
        input = input.transpose(0, 1)
    sizes = _batch_sizes(values)
    data = ember.cat([input[t, :n] for t, n in enumerate(sizes)], 0)
    return PackedSequence(data, ember.tensor(sizes, dtype=dtypes.int64), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None):
    """Unpack a ``PackedSequence`` into a padded batch; the inverse of :func:`pack_padded_sequence`.

    Returns ``(padded, lengths)``: padded (T, B, *) (or (B, T, *)), in the batch's original order,
    with T the longest length or ``total_length``; lengths an int64 tensor.
    """
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence expects a PackedSequence, got {type(sequence).__name__}")
    sizes = [int(v) for v in sequence.batch_sizes.tolist()]
    steps = len(sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {steps}")
        steps = total_length
    data = sequence.data
    batch = sizes[0] if sizes else 0
    tail = tuple(data.shape[1:])
    rows, offset = [], 0
    for n in sizes:
        step = data[offset:offset + n]
        offset += n
        if n < batch:
            fill = ember.full((batch - n,) + tail, padding_value, dtype=data.dtype, device=data.device)
            step = ember.cat([step, fill], 0)
        rows.append(step)
    if steps > len(sizes):
        rows.extend([ember.full((batch,) + tail, padding_value, dtype=data.dtype, device=data.device)]
                    * (steps - len(sizes)))
    padded = ember.stack(rows, 0) if rows else ember.empty((0, 0) + tail, dtype=data.dtype, device=data.device)
    lengths = [sum(1 for n in sizes if n > b) for b in range(batch)]
    if batch_first:
        padded = padded.transpose(0, 1)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(0 if batch_first else 1, sequence.unsorted_indices)
        order = [int(i) for i in sequence.unsorted_indices.tolist()]
        lengths = [lengths[i] for i in order]
    return padded, ember.tensor(lengths, dtype=dtypes.int64)


def _sequence_list(sequences, who: str) -> list:
    if isinstance(sequences, ember.Tensor):
        return list(sequences.unbind(0))
    if not isinstance(sequences, Iterable):
        raise RuntimeError(f"{who}: Expected iterable for input sequences, but got arg of type: {type(sequences)}")
    sequences = list(sequences)
    for i, s in enumerate(sequences):
        if not isinstance(s, ember.Tensor):
            raise TypeError(f"{who}: every sequence must be a Tensor, but element {i} is {type(s).__name__}")
    return sequences


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"):
    """Stack sequences of shapes (L_i, *) into one (T, B, *) tensor (or (B, T, *)), padding to the longest.

    Args:
        sequences: the tensors; their trailing dims and dtypes must agree.
        batch_first: return (B, T, *).
        padding_value: the value of the padding.
        padding_side: ``"right"`` (default) pads after each sequence, ``"left"`` before.

    Example::

        >>> pad_sequence([ember.ones(3), ember.ones(1)], batch_first=True)
        tensor([[1., 1., 1.],
                [1., 0., 0.]])
    """
    sequences = _sequence_list(sequences, "pad_sequence")
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    tail = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if s.ndim == 0:
            raise RuntimeError(f"pad_sequence: sequence {i} is a 0-dim tensor; every sequence needs a length dim")
        if tuple(s.shape[1:]) != tail:
            raise RuntimeError(f"pad_sequence: every sequence must have the trailing shape {tail} of the first, but "
                               f"sequence {i} has shape {tuple(s.shape)}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = ember.full((missing,) + tail, padding_value, dtype=s.dtype, device=s.device)
            s = ember.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        padded.append(s)
    return ember.stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False) -> list:
    """Split a padded batch back into its sequences: ``[padded[:n_i, i] for each i]`` (right padding)."""
    values = _lengths_list(lengths)
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    if len(values) != padded_sequences.shape[0]:
        raise RuntimeError(f"Expected {padded_sequences.shape[0]} lengths (one per sequence), got {len(values)}")
    steps = padded_sequences.shape[1]
    for n in values:
        if not 0 <= n <= steps:
            raise RuntimeError(f"a sequence length ({n}) is outside the padded batch's {steps} time steps")
    return [padded_sequences[i, :n] for i, n in enumerate(values)]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *): ``pack_padded_sequence(pad_sequence(sequences), lengths)``.

    Example::

        >>> packed = pack_sequence([ember.tensor([1, 2, 3]), ember.tensor([4, 5]), ember.tensor([6])])
        >>> packed.data, packed.batch_sizes
        (tensor([1, 4, 6, 2, 5, 3]), tensor([3, 2, 1]))
    """
    sequences = _sequence_list(sequences, "pack_sequence")
    lengths = [s.shape[0] if s.ndim else 0 for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The list of sequences a ``PackedSequence`` holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
