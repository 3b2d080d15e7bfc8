"""Activations with randomness in training: ``rrelu`` (a random leaky slope per element) and
``gumbel_softmax`` (differentiable samples of a categorical distribution); and the in-place
``celu_``/``selu_``."""

from __future__ import annotations

import ember
from ember import _core

__all__ = ["rrelu", "rrelu_", "gumbel_softmax", "celu_", "selu_"]


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False):
    """Leaky ReLU whose negative slope is drawn from U(``lower``, ``upper``) per element in training, and is
    their mean in evaluation."""
    if lower > upper:
        raise RuntimeError(f"Lower bound should be less than or equal to the upper bound, got lower={lower} and "
                           f"upper={upper}")
    if training:
        slope = ember.empty(tuple(input.shape), dtype=input.dtype, device=input.device).uniform_(lower, upper)
    else:
        slope = (lower + upper) / 2
    out = ember.where(input >= 0, input, input * slope)
    return _core.assign(input, out) if inplace else out


def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False):
    """In-place ``rrelu``."""
    return rrelu(input, lower, upper, training, True)


def gumbel_softmax(logits, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1):
    """A sample of softmax((logits + Gumbel noise) / ``tau``) along ``dim``; with ``hard``, the one-hot of its
    argmax whose gradient is the soft sample's (straight-through)."""
    gumbels = -ember.empty(tuple(logits.shape), dtype=logits.dtype, device=logits.device).exponential_().log()
    soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return soft
    index = soft.argmax(dim, keepdim=True)
    one_hot = ember.zeros_like(logits).scatter(dim, index, 1.0)
    return one_hot - soft.detach() + soft


def celu_(input, alpha: float = 1.0):
    """In-place ``celu``."""
    from ember.nn.functional.activation import celu
    return celu(input, alpha, True)


def selu_(input):
    """In-place ``selu``."""
    from ember.nn.functional.activation import selu
    return selu(input, True)
