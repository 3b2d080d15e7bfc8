"""Whole-tensor comparisons: ``isclose``, ``allclose``, ``equal``; composed of pointwise ops, so
they run on every backend."""

from __future__ import annotations

from ember import _core
from ember.ops import pointwise as P

__all__ = ["ClosenessMethods", "isclose", "allclose", "equal"]


def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Where ``|input - other| <= atol + rtol * |other|``, as a bool tensor (broadcast).

    Infinities are close only to the same infinity; NaN is close to NaN only with ``equal_nan``.

    Example::

        >>> ember.isclose(ember.tensor([1.0, 2.0]), ember.tensor([1.0 + 1e-7, 2.1]))
        tensor([ True, False])
    """
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    same = P.eq(input, other)
    if not input.dtype.is_floating_point:
        if rtol == 0 and atol == 0:
            return same
        input, other = input.double(), other.double()
    diff = P.abs(P.sub(input, other))
    close = P.logical_and(P.isfinite(diff), P.le(diff, P.add(P.mul(P.abs(other), rtol), atol)))
    close = P.logical_or(same, close)
    if equal_nan:
        close = P.logical_or(close, P.logical_and(P.isnan(input), P.isnan(other)))
    return close


def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True if every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all().item())


def equal(input, other) -> bool:
    """True if the two tensors have the same size and elements (values compared after promotion)."""
    if not isinstance(other, _core.TensorBase):
        raise TypeError(f"equal(): argument 'other' must be Tensor, not {type(other).__name__}")
    if tuple(input.shape) != tuple(other.shape):
        return False
    return bool(P.eq(input, other).all().item())


class ClosenessMethods:
    """The ``Tensor`` methods of this module."""

    def isclose(self, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
        return isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        return allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other) -> bool:
        return equal(self, other)
