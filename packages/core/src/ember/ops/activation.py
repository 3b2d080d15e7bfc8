"""``softmax`` and ``log_softmax``: composites of ``amax``/``exp``/``sum`` that use a backend's
fused kernel when it has one.

Kernels recorded for autograd:

    kernel        inputs  params   output
    softmax       (x,)    (dim,)   y = exp(x - max) / sum(exp(x - max)) along dim
    log_softmax   (x,)    (dim,)   y = x - max - log(sum(exp(x - max))) along dim

``dim`` is non-negative (0 for a 0-d tensor). Without the fused kernel the composite's
primitives are recorded instead.
"""

from __future__ import annotations

from ember import _core
from ember._core import TensorBase
from ember.ops.reduction import accepts_numpy_names
from ember.ops.shape import wrap_dim

__all__ = ["softmax", "log_softmax", "ActivationMethods"]


def _prepare(name: str, input, dim, dtype):
    """The input cast to ``dtype``, and ``dim`` made non-negative; integers are refused."""
    if not isinstance(input, TensorBase):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if dim is None or isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    x = input if dtype is None or dtype is input._dtype else input.to(dtype)
    d = wrap_dim(dim, x.ndim)
    if not x._dtype.is_floating_point:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_core._type_name(x._dtype)}'")
    return x, d


def softmax(input, dim: int, dtype=None):
    """``exp(input) / sum(exp(input))`` along ``dim``, computed without overflow.

    Args:
        input (Tensor): a floating point tensor.
        dim (int): the dimension whose slices sum to 1.
        dtype (ember.dtype, optional): cast the input to this dtype first.

    Example::

        >>> ember.softmax(ember.tensor([1.0, 2.0, 3.0]), dim=0)
        tensor([0.0900, 0.2447, 0.6652])
    """
    x, d = _prepare("softmax", input, dim, dtype)
    if "softmax" in x._device._kernels:
        return _core.call("softmax", (x,), (d,))
    from ember.ops import pointwise as pw
    from ember.ops.reduction import amax, sum
    if x.numel() == 0:
        return pw.exp(x)
    e = pw.exp(x - amax(x, d, keepdim=True).detach())
    return e / sum(e, d, keepdim=True)


def log_softmax(input, dim: int, dtype=None):
    """``log(softmax(input, dim))``, computed directly (accurate where softmax underflows).

    Example::

        >>> ember.log_softmax(ember.tensor([0.0, 0.0]), dim=0)
        tensor([-0.6931, -0.6931])
    """
    x, d = _prepare("log_softmax", input, dim, dtype)
    if "log_softmax" in x._device._kernels:
        return _core.call("log_softmax", (x,), (d,))
    from ember.ops import pointwise as pw
    from ember.ops.reduction import amax, sum
    if x.numel() == 0:
        return x.clone()
    shifted = x - amax(x, d, keepdim=True).detach()
    return shifted - pw.log(sum(pw.exp(shifted), d, keepdim=True))


softmax = accepts_numpy_names(softmax)
log_softmax = accepts_numpy_names(log_softmax)


class ActivationMethods:
    """``Tensor.softmax`` and ``Tensor.log_softmax``: the functions, with ``self`` as ``input``."""

    __slots__ = ()
    softmax = softmax
    log_softmax = log_softmax
