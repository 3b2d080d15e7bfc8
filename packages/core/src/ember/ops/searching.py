"""Counting and looking up values: ``searchsorted``, ``bucketize``, ``isin``, ``bincount``, ``histc``,
``histogram``, ``histogramdd``. The results are integers or counts (no gradient), computed on the host
with NumPy and moved back to the input's device."""

from __future__ import annotations

import builtins

import numpy as np

from ember import _core, dtypes
from ember.ops.creation import tensor
from ember.ops.return_types import _return_type

__all__ = ["searchsorted", "bucketize", "isin", "bincount", "histc", "histogram", "histogramdd"]

_histogram = _return_type("histogram", ("hist", "bin_edges"))
_histogramdd = _return_type("histogramdd", ("hist", "bin_edges"))


def _host(x):
    return x.detach().cpu().numpy() if isinstance(x, _core.TensorBase) else np.asarray(x)


def _index_result(found: np.ndarray, device, out_int32: bool):
    return tensor(found.astype(np.int32 if out_int32 else np.int64), device=device)


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None, sorter=None,
                 out=None):
    """For each value of ``input``, the index in ``sorted_sequence`` (sorted along its last dim) where it
    would be inserted to keep the order: before equal values, or after them with ``right``/``side="right"``."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("side and right can't be set to opposites, got side of left while right was True")
        right = side == "right"
    seq = _host(sorted_sequence)
    if sorter is not None:
        seq = np.take_along_axis(seq, _host(sorter), axis=-1)
    values = _host(input)
    scalar = not isinstance(input, _core.TensorBase)
    how = "right" if right else "left"
    if seq.ndim <= 1:
        found = np.searchsorted(seq, values, side=how)
    else:
        if seq.shape[:-1] != values.shape[:-1]:
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               f"dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(values.shape)}"
                               .replace("torch", "ember"))
        flat_seq, flat_val = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
        found = np.stack([np.searchsorted(s, v, side=how) for s, v in zip(flat_seq, flat_val)]).reshape(values.shape)
    result = _index_result(np.asarray(found), sorted_sequence.device, out_int32)
    if scalar:
        result = result.reshape(())
    return result if out is None else out.copy_(result)


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False, out=None):
    """The bucket of each value of ``input`` among the 1-D sorted ``boundaries``: i such that
    ``boundaries[i-1] < x <= boundaries[i]`` (``<=``/``<`` swapped with ``right``)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    result = searchsorted(boundaries, input, out_int32=out_int32, right=right)
    return result if out is None else out.copy_(result)


def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False):
    """True where an element of ``elements`` is in ``test_elements`` (either may be a scalar)."""
    device = (elements if isinstance(elements, _core.TensorBase) else test_elements).device
    found = np.isin(_host(elements), _host(test_elements), assume_unique=assume_unique, invert=invert)
    return tensor(found, device=device)


def bincount(input, weights=None, minlength: int = 0):
    """How many times each non-negative integer occurs in the 1-D ``input`` (summing ``weights`` instead
    of counting, if given); at least ``minlength`` bins."""
    if input.ndim != 1 or input.dtype.is_floating_point or input.dtype is dtypes.bool:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    values = _host(input)
    if values.size and values.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights.ndim != 1 or weights.shape[0] != input.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    counts = np.bincount(values, None if weights is None else _host(weights).astype(np.float64), minlength=minlength)
    if weights is None:
        return tensor(counts.astype(np.int64), device=input.device)
    dt = weights.dtype if weights.dtype.is_floating_point else dtypes.float64
    return tensor(counts, dtype=dt, device=input.device)


def histc(input, bins: int = 100, min: float = 0, max: float = 0, *, out=None):  # noqa: A002 - PyTorch's names
    """A histogram of ``input`` with ``bins`` equal bins over [min, max] (the data's range if both are 0);
    values outside are ignored."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram\" not implemented for '{_core._type_name(input.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0"
                           .replace("torch", "ember"))
    data = _host(input).reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        lo, hi = float(data.min()), float(data.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc(): max must be larger than min, but got min {lo} max {hi}"
                           .replace("torch", "ember"))
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc(): range of [{lo}, {hi}] is not finite".replace("torch", "ember"))
    counts, _ = np.histogram(data[(data >= lo) & (data <= hi)], bins=bins, range=(lo, hi))
    result = tensor(counts, dtype=input.dtype, device=input.device)
    return result if out is None else out.copy_(result)


def _bin_spec(bins):
    return _host(bins) if isinstance(bins, _core.TensorBase) else bins


def histogram(input, bins=100, *, range=None, weight=None, density: bool = False, out=None):  # noqa: A002
    """A histogram of ``input``: ``bins`` equal bins (over ``range`` or the data's range) or the given
    increasing edges. Returns ``(hist, bin_edges)``."""
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"torch.histogram: input tensor and bins tensors should have the same dtype, but got "
                           f"input {input.dtype}".replace("torch", "ember"))
    hist, edges = np.histogram(_host(input).reshape(-1), bins=_bin_spec(bins), range=range,
                               weights=None if weight is None else _host(weight).reshape(-1), density=density)
    result = _histogram((tensor(hist, dtype=input.dtype, device=input.device),
                         tensor(edges, dtype=input.dtype, device=input.device)))
    if out is not None:
        out[0].copy_(result[0])
        out[1].copy_(result[1])
    return result


def histogramdd(input, bins=10, *, range=None, weight=None, density: bool = False):  # noqa: A002
    """A D-dimensional histogram of the points in the rows of ``input`` (..., D). Returns
    ``(hist, bin_edges)`` with one tensor of edges per dim."""
    points = _host(input).reshape(-1, input.shape[-1])
    spec = [_bin_spec(b) for b in bins] if isinstance(bins, (list, tuple)) else bins
    ranges = None if range is None else [tuple(range[2 * i:2 * i + 2]) for i in builtins.range(len(range) // 2)]
    hist, edges = np.histogramdd(points, bins=spec, range=ranges,
                                 weights=None if weight is None else _host(weight).reshape(-1), density=density)
    return _histogramdd((tensor(hist, dtype=input.dtype, device=input.device),
                         [tensor(e, dtype=input.dtype, device=input.device) for e in edges]))


class SearchingMethods:
    __slots__ = ()

    bincount, histc, histogram = bincount, histc, histogram
