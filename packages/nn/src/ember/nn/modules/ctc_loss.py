"""``CTCLoss``: the Connectionist Temporal Classification loss as a module."""

from __future__ import annotations

from ember.nn import functional as F
from ember.nn.modules.loss import _Loss

__all__ = ["CTCLoss"]


class CTCLoss(_Loss):
    """The negative log-likelihood of target sequences summed over all their alignments with the input
    frames: ``forward(log_probs, targets, input_lengths, target_lengths)`` as ``F.ctc_loss``.

    Args:
        blank: the blank class. Default: 0.
        reduction: ``"mean"`` (each loss over its target length, then the batch mean), ``"sum"``, ``"none"``.
        zero_infinity: zero the infinite losses of impossible alignments (and their gradients).
    """

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
