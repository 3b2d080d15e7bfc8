"""Sorting and order statistics: ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``median``,
``mode``, ``unique``.

Kernels (name: inputs; params -> outputs). ember-autograd writes one derivative rule per
name; for the ones returning ``(values, indices)`` the gradient of ``values`` goes back to
``indices`` along ``dim`` (``keepdim=False`` removed ``dim``).

    sort                (x,)  (dim, descending, stable)  -> (values, indices)
    argsort             (x,)  (dim, descending, stable)  -> indices
    topk                (x,)  (k, dim, largest, sorted)  -> (values, indices)
    kthvalue            (x,)  (k, dim, keepdim)          -> (values, indices)
    median / nanmedian  (x,)  (dim, keepdim)             -> (values, indices); dim None: over all
                                                            elements, 0-d results, indices into x.flatten()
    mode                (x,)  (dim, keepdim)             -> (values, indices)
    unique              (x,)  (return_inverse, return_counts, dim)
                                                         -> values, or (values, inverse if asked, counts if asked)
    unique_consecutive  (x,)  (return_inverse, return_counts, dim)   -> the same

``dim`` is always non-negative here (0 for 0-d inputs).
"""

from __future__ import annotations

from ember import _core
from ember.ops import return_types
from ember.ops.shape import wrap_dim

__all__ = ["SortingMethods", "sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "unique", "unique_consecutive"]


def sort(input, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """Sort the elements of ``input`` along ``dim``; ascending unless ``descending``.

    Returns a named tuple ``(values, indices)`` where ``indices`` are the positions of the
    values in ``input``. NaN sorts above every number. ``stable=True`` keeps equal elements in
    their original order (ember's sort is always stable).

    Example::

        >>> ember.sort(ember.tensor([3, 1, 2]))
        ember.return_types.sort(
        values=tensor([1, 2, 3]),
        indices=tensor([1, 2, 0]))
    """
    values, indices = _core.call("sort", (input,), (wrap_dim(dim, input.ndim), bool(descending), bool(stable)))
    return _out(return_types.sort((values, indices)), out)


def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``).

    Example::

        >>> ember.argsort(ember.tensor([3, 1, 2]), descending=True)
        tensor([0, 2, 1])
    """
    return _core.call("argsort", (input,), (wrap_dim(dim, input.ndim), bool(descending), bool(stable)))


def msort(input, *, out=None):
    """``input`` sorted along its first dimension (``sort(input, dim=0).values``)."""
    from ember.ops.creation import _result
    return _result(sort(input, 0).values, out)


def _size(input, d: int) -> int:
    return input.shape[d] if input.ndim else 1


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None):  # noqa: A002
    """The ``k`` largest elements of ``input`` along ``dim`` (the smallest if not ``largest``),
    as a named tuple ``(values, indices)``; sorted largest first (smallest first).

    Example::

        >>> ember.topk(ember.tensor([1., 5., 3., 4.]), 2)
        ember.return_types.topk(
        values=tensor([5., 4.]),
        indices=tensor([1, 3]))
    """
    d = wrap_dim(dim, input.ndim)
    k = int(k)
    if not 0 <= k <= _size(input, d):
        raise RuntimeError("selected index k out of range")
    values, indices = _core.call("topk", (input,), (k, d, bool(largest), bool(sorted)))
    return _out(return_types.topk((values, indices)), out)


def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest element of ``input`` along ``dim`` (``k`` counts from 1) and its
    index, as a named tuple ``(values, indices)``.

    Example::

        >>> ember.kthvalue(ember.tensor([3., 1., 2.]), 2)
        ember.return_types.kthvalue(
        values=tensor(2.),
        indices=tensor(2))
    """
    d = wrap_dim(dim, input.ndim)
    k = int(k)
    if not 1 <= k <= _size(input, d):
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    values, indices = _core.call("kthvalue", (input,), (k, d, bool(keepdim)))
    return _out(return_types.kthvalue((values, indices)), out)


def _median(name: str, input, dim, keepdim, out):
    if dim is None:
        return _core.call(name, (input,), (None, False))[0]
    d = wrap_dim(dim, input.ndim)
    if input.numel() == 0 and input.ndim and input.shape[d] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    values, indices = _core.call(name, (input,), (d, bool(keepdim)))
    return _out(getattr(return_types, name)((values, indices)), out)


def median(input, dim: int | None = None, keepdim: bool = False, *, out=None):
    """The median of ``input``: the lower of the two middle values for an even count. NaN
    if there is a NaN. With ``dim``, a named tuple ``(values, indices)`` along ``dim``.

    Example::

        >>> ember.median(ember.tensor([4., 1., 3., 2.]))
        tensor(2.)
    """
    return _median("median", input, dim, keepdim, out)


def nanmedian(input, dim: int | None = None, keepdim: bool = False, *, out=None):
    """Like ``median``, ignoring NaN (NaN only where every value is NaN)."""
    return _median("nanmedian", input, dim, keepdim, out)


def mode(input, dim: int = -1, keepdim: bool = False, *, out=None):
    """The most frequent value of ``input`` along ``dim`` (the smallest among equally frequent
    ones) and the index of its last occurrence, as a named tuple ``(values, indices)``.

    Example::

        >>> ember.mode(ember.tensor([1, 2, 2, 3]))
        ember.return_types.mode(
        values=tensor(2),
        indices=tensor(2))
    """
    d = wrap_dim(dim, input.ndim)
    values, indices = _core.call("mode", (input,), (d, bool(keepdim)))
    return _out(return_types.mode((values, indices)), out)


def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim: int | None = None):
    """The distinct elements of ``input`` in ascending order (distinct slices along ``dim``).

    With ``return_inverse``, also the index of each element of ``input`` in the result (the
    index of each slice along ``dim``); with ``return_counts``, how often each occurs. NaNs
    are all distinct, as in PyTorch. ``sorted=False`` leaves the order unspecified (PyTorch's
    words); ember sorts either way.

    Example::

        >>> ember.unique(ember.tensor([2, 1, 2]), return_counts=True)
        (tensor([1, 2]), tensor([1, 2]))
    """
    d = None if dim is None else wrap_dim(dim, input.ndim)
    return _core.call("unique", (input,), (bool(return_inverse), bool(return_counts), d))


def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None):
    """``input`` with each run of equal consecutive elements (slices along ``dim``) reduced to
    one; ``return_inverse`` and ``return_counts`` as in ``unique``.

    Example::

        >>> ember.unique_consecutive(ember.tensor([1, 1, 2, 2, 1]))
        tensor([1, 2, 1])
    """
    d = None if dim is None else wrap_dim(dim, input.ndim)
    return _core.call("unique_consecutive", (input,), (bool(return_inverse), bool(return_counts), d))


def _out(result, out):
    """Write the tensors of ``result`` into the tensors of ``out=`` (a pair) or return it."""
    if out is None:
        return result
    from ember.ops.creation import _result
    for r, o in zip(result, out):
        _result(r, o)
    return type(result)(out)


class SortingMethods:
    __slots__ = ()

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        return sort(self, dim, descending, stable)

    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = False):
        return argsort(self, dim, descending, stable)

    def msort(self):
        return msort(self)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
        return topk(self, k, dim, largest, sorted)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False):
        return kthvalue(self, k, dim, keepdim)

    def median(self, dim: int | None = None, keepdim: bool = False):
        return median(self, dim, keepdim)

    def nanmedian(self, dim: int | None = None, keepdim: bool = False):
        return nanmedian(self, dim, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False):
        return mode(self, dim, keepdim)

    def unique(self, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
               dim: int | None = None):
        return unique(self, sorted, return_inverse, return_counts, dim)

    def unique_consecutive(self, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None):
        return unique_consecutive(self, return_inverse, return_counts, dim)
