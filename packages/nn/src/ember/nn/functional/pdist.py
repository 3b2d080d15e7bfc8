"""``pdist`` (the distances between every pair of rows) and ``channel_shuffle``."""

from __future__ import annotations

import ember

__all__ = ["pdist", "channel_shuffle", "native_channel_shuffle", "assert_int_or_pair"]


def pdist(input, p: float = 2):
    """The ``p``-norm distance between each pair of rows i < j of the (N, M) ``input``, in row-major pair
    order: N(N-1)/2 values."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"pdist only supports floating-point dtypes, got: {input.dtype}")
    n = input.shape[0]
    if n < 2:
        return ember.empty(0, dtype=input.dtype, device=input.device)
    rows, cols = ember.triu_indices(n, n, 1, device=input.device)
    return ember.linalg.vector_norm(input[rows] - input[cols], p, dim=-1)


def channel_shuffle(input, groups: int):
    """Interleave the channels of ``groups`` groups of (N, C, *) input (ShuffleNet)."""
    from ember.nn.modules.channelshuffle import ChannelShuffle
    return ChannelShuffle(groups)(input)


native_channel_shuffle = channel_shuffle   # PyTorch's name for the kernel behind channel_shuffle


def assert_int_or_pair(arg, arg_name: str, message: str) -> None:
    """Raise ``AssertionError(message.format(arg_name))`` unless ``arg`` is an int or a pair."""
    if not (isinstance(arg, int) or len(arg) == 2):
        raise AssertionError(message.format(arg_name))
