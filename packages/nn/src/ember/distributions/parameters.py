"""Parameters of distributions: broadcasting them together, and probabilities <-> logits."""

from __future__ import annotations

import numbers

import numpy as np

import ember


class lazy_property:
    """A property computed on first access and then stored on the instance (``probs`` from ``logits``)."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def broadcast_all(*values):
    """Tensors and numbers broadcast to one shape; numbers become tensors of the tensors' dtype
    (the default dtype when there are none)."""
    tensors = [v for v in values if isinstance(v, ember.Tensor)]
    for v in values:
        if not isinstance(v, (ember.Tensor, numbers.Number)):
            raise ValueError(f"Input arguments must all be instances of numbers.Number or Tensor, got "
                             f"{type(v).__name__}")
    dtype = tensors[0].dtype if tensors else ember.get_default_dtype()
    device = tensors[0].device if tensors else None
    for t in tensors[1:]:
        dtype = ember.promote_types(dtype, t.dtype)
    shape = tuple(np.broadcast_shapes(*[tuple(t.shape) for t in tensors])) if tensors else ()
    out = []
    for v in values:
        if isinstance(v, ember.Tensor):
            out.append(v.expand(shape) if tuple(v.shape) != shape else v)
        else:
            out.append(ember.full(shape, float(v), dtype=dtype, device=device))
    return tuple(out)


def broadcast_shape(*shapes) -> tuple:
    return tuple(np.broadcast_shapes(*[tuple(s) for s in shapes]))


def eps_of(dtype) -> float:
    return float(np.finfo(np.dtype(str(dtype).replace("ember.", ""))).eps)


def tiny_of(dtype) -> float:
    return float(np.finfo(np.dtype(str(dtype).replace("ember.", ""))).tiny)


def clamp_probs(probs):
    """Probabilities kept one machine epsilon inside ``(0, 1)``, so their logs are finite."""
    eps = eps_of(probs.dtype)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary: bool = False):
    """``sigmoid(logits)`` for a binary variable, else ``softmax(logits, -1)``."""
    if is_binary:
        return ember.sigmoid(logits)
    return ember.softmax(logits, -1)


def probs_to_logits(probs, is_binary: bool = False):
    """The inverse of ``logits_to_probs``: ``log(p / (1 - p))`` or ``log(p)``, with ``p`` clamped."""
    p = clamp_probs(probs)
    if is_binary:
        return ember.log(p) - ember.log1p(-p)
    return ember.log(p)
