"""Gradient clipping: rescale by the total norm (``clip_grad_norm_``) or clamp (``clip_grad_value_``).

Every function takes PyTorch's ``foreach`` (its per-tensor loop or its multi-tensor kernels, which
give the same values): ember always works per tensor, so any value gives the same result.
"""

from __future__ import annotations

import math
import warnings

import ember
from ember import _core
from ember.grad_mode import no_grad

__all__ = ["clip_grad_norm_", "clip_grad_norm", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _params(parameters) -> list:
    if isinstance(parameters, _core.TensorBase):
        return [parameters]
    return list(parameters)


def _grads(parameters) -> list:
    return [p.grad for p in _params(parameters) if p.grad is not None]


def _vector_norm(t, norm_type: float):
    if norm_type == 2.0:
        return (t * t).sum().sqrt()
    if math.isinf(norm_type):
        return t.abs().max() if norm_type > 0 else t.abs().min()
    if norm_type == 0:
        return (t != 0).sum().to(t.dtype)
    if norm_type == 1.0:
        return t.abs().sum()
    return t.abs().pow(norm_type).sum().pow(1.0 / norm_type)


@no_grad()
def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together (as if concatenated into one vector)."""
    tensors = _params(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return ember.tensor(0.0)
    norms = [_vector_norm(t, norm_type).to(tensors[0].device) for t in tensors]
    total = _vector_norm(ember.stack(norms), norm_type)
    if error_if_nonfinite and not bool(ember.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it "
                           "cannot be clipped. To disable this error and scale the gradients by the non-finite norm "
                           "anyway, set `error_if_nonfinite=False`")
    return total


@no_grad()
def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach=None) -> None:
    """Scale the gradients of ``parameters`` by max_norm / (total_norm + 1e-6), if that is below 1."""
    grads = _grads(parameters)
    if not grads:
        return
    coef = ember.clamp(float(max_norm) / (total_norm + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef.to(g.dtype))


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach=None):
    """Rescale the gradients of ``parameters`` in place so that their total norm is at most ``max_norm``.

    Args:
        parameters: a tensor or an iterable of tensors whose ``.grad`` is clipped.
        max_norm: the largest allowed norm.
        norm_type: the p of the p-norm (``float("inf")`` for the max norm). Default: 2.
        error_if_nonfinite: raise if the total norm is NaN or infinite. Default: ``False``.
        foreach: accepted for compatibility (ember always clips per tensor).

    Returns:
        The total norm of the gradients before clipping, a 0-d tensor.

    Example::

        >>> loss.backward()
        >>> nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    """
    params = _params(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(params, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach=None):
    """Deprecated: use ``clip_grad_norm_``."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
                  FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@no_grad()
def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp the gradients of ``parameters`` in place to [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        g.clamp_(-clip_value, clip_value)
