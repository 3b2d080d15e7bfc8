"""``ChannelShuffle``: interleave the channels of ``groups`` groups (ShuffleNet)."""

from __future__ import annotations

from ember.nn.modules.module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    """Split the C channels of (N, C, *) into ``groups`` groups and interleave them: channel
    ``g * (C // groups) + k`` moves to ``k * groups + g``.

    Example::

        >>> nn.ChannelShuffle(2)(ember.arange(4.).reshape(1, 4, 1, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    def __init__(self, groups: int) -> None:
        super().__init__()
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"Number of groups to divide channels in must be a positive integer, but got {groups!r}")
        self.groups = groups

    def forward(self, input):
        if input.ndim < 3:
            raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                               f"{list(input.shape)}")
        n, c = input.shape[0], input.shape[1]
        if c % self.groups:
            raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {self.groups} "
                               "groups.")
        rest = tuple(input.shape[2:])
        grouped = input.reshape((n, self.groups, c // self.groups) + rest)
        return grouped.transpose(1, 2).reshape((n, c) + rest)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
