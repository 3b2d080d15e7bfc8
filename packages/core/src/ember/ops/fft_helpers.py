"""The real-valued part of ``ember.fft``: ``fftshift``, ``ifftshift``, ``fftfreq``, ``rfftfreq``.

The transforms themselves (``fft``, ``rfft``, ``irfft``, ...) take or return complex tensors,
and ember has no complex dtypes yet, so they are not provided (see the core README).
"""

from __future__ import annotations

from ember._core import TensorBase
from ember.layout import check_storage
from ember.ops.creation import arange
from ember.ops.reduction import normalize_dims
from ember.ops.shape import cat, roll

__all__ = ["fftshift", "ifftshift", "fftfreq", "rfftfreq"]


def _shift(name: str, input, dim, sign: int):
    if not isinstance(input, TensorBase):
        raise TypeError(f"fft_{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    dims = normalize_dims(dim, input.ndim)
    dims = tuple(range(input.ndim)) if dims is None else dims
    if not dims:
        return input.clone()
    return roll(input, [sign * (input.shape[d] // 2) for d in dims], list(dims))


def fftshift(input, dim=None):
    """Move the zero-frequency term of an FFT's output to the centre of ``dim`` (all dims by default).

    Example::

        >>> ember.fft.fftshift(ember.fft.fftfreq(5))
        tensor([-0.4000, -0.2000,  0.0000,  0.2000,  0.4000])
    """
    return _shift("fftshift", input, dim, 1)


def ifftshift(input, dim=None):
    """The inverse of :func:`fftshift` (they differ for odd sizes)."""
    return _shift("ifftshift", input, dim, -1)


def _check_n(name: str, n) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"fft_{name}(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"fft_{name}: n must be non-negative, got {n}")


def fftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The sample frequencies of an ``n``-point FFT with sample spacing ``d``:
    ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)``."""
    check_storage("fftfreq", layout)
    _check_n("fftfreq", n)
    positive = arange((n - 1) // 2 + 1, dtype=dtype, device=device)
    negative = arange(-(n // 2), 0, dtype=dtype, device=device)
    result = cat([positive, negative]) / (d * n)
    return _finish(result, out, requires_grad)


def rfftfreq(n: int, d: float = 1.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False):
    """The sample frequencies of ``rfft`` of an ``n``-point signal: ``[0, 1, ..., n // 2] / (d * n)``."""
    check_storage("rfftfreq", layout)
    _check_n("rfftfreq", n)
    result = arange(n // 2 + 1, dtype=dtype, device=device) / (d * n)   # n = 0 gives [nan], as in PyTorch
    return _finish(result, out, requires_grad)


def _finish(result, out, requires_grad: bool):
    if out is not None:
        from ember.ops.pointwise import _out
        result = _out(result, out)
    if requires_grad:
        result.requires_grad_(True)
    return result
