"""Reductions: ``sum``, ``mean``, ``max``, ``var``, ... over all elements or given dims."""

from __future__ import annotations

from ember import _core, dtypes

__all__ = ["sum", "ReductionMethods", "normalize_dims"]


def normalize_dims(dim, ndim: int) -> tuple[int, ...] | None:
    """``dim`` (int, sequence or None) as a tuple of non-negative axes; None means all."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) == 0:
        return None
    from ember.ops.shape import wrap_dim
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


def sum(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A001
    """The sum of all elements, or over ``dim`` (int or tuple of ints).

    Integer and bool inputs sum in int64, as in PyTorch.
    """
    if dtype is None and not input.dtype.is_floating_point:
        dtype = dtypes.int64
    dims = normalize_dims(dim, input.ndim)
    return _core.call("sum", (input,), (dims, keepdim, None if dtype is None else dtype.numpy))


class ReductionMethods:
    __slots__ = ()

    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return sum(self, dim, keepdim, dtype=dtype)
