"""Stochastic depth (Huang et al., 2016): drop a residual branch at random while training."""

from __future__ import annotations

import ember
from ember import nn

__all__ = ["stochastic_depth", "StochasticDepth"]


def stochastic_depth(input: ember.Tensor, p: float, mode: str, training: bool = True) -> ember.Tensor:
    """Zero the whole ``input`` (``mode="batch"``) or each sample of it (``mode="row"``) with
    probability ``p``, and scale what survives by ``1 / (1 - p)``; the identity when not training.

    Args:
        input: a tensor whose first dimension is the batch.
        p: the probability of dropping, in [0, 1].
        mode: ``"batch"`` or ``"row"``.
        training: apply the drop only when True. Default: ``True``.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"drop probability has to be between 0 and 1, but got {p}")
    if mode not in ("batch", "row"):
        raise ValueError(f"mode has to be either 'batch' or 'row', but got {mode}")
    if not training or p == 0.0:
        return input
    survival = 1.0 - p
    shape = [input.shape[0]] + [1] * (input.ndim - 1) if mode == "row" else [1] * input.ndim
    noise = ember.empty(shape, dtype=input.dtype, device=input.device).bernoulli_(survival)
    if survival > 0.0:
        noise.div_(survival)
    return input * noise


class StochasticDepth(nn.Module):
    """``stochastic_depth`` as a module; drops only in training mode.

    Args:
        p: the probability of dropping.
        mode: ``"batch"`` (the whole input at once) or ``"row"`` (each sample on its own).
    """

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, input: ember.Tensor) -> ember.Tensor:
        return stochastic_depth(input, self.p, self.mode, self.training)

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}(p={self.p}, mode={self.mode})"
