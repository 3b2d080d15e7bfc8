"""Tensors built from coordinates and formulas: ``meshgrid``, ``cartesian_prod``, ``combinations``,
``vander``, ``unravel_index``, ``logspace`` and the signal windows (``hann_window``, ``hamming_window``,
``blackman_window``, ``bartlett_window``, ``kaiser_window``)."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np

from ember import _core, dtypes
from ember.ops.creation import arange, empty, linspace, ones_like, tensor
from ember.ops.pointwise import pow
from ember.ops.shape import stack

__all__ = ["meshgrid", "cartesian_prod", "combinations", "vander", "unravel_index", "logspace", "hann_window",
           "hamming_window", "blackman_window", "bartlett_window", "kaiser_window"]


def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids from 1-D tensors: with ``indexing="ij"`` output i varies along dim i; with
    ``"xy"`` the first two dims are swapped (Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument."
                      .replace("torch", "ember"), UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}"
                           .replace("torch", "ember"))
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D"
                               .replace("torch", "ember"))
    vecs = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(vecs) >= 2
    if swap:
        vecs[0], vecs[1] = vecs[1], vecs[0]
    shape = tuple(v.shape[0] for v in vecs)
    grids = []
    for i, v in enumerate(vecs):
        view = [1] * len(vecs)
        view[i] = shape[i]
        grids.append(v.reshape(view).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-D tensor, as the rows of a (N, len(tensors)) tensor
    (a 1-D tensor for one input)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


def combinations(input, r: int = 2, with_replacement: bool = False):
    """The length-``r`` combinations of the elements of the 1-D ``input`` (as ``itertools.combinations``),
    as the rows of a (N, r) tensor."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return empty(0, dtype=input.dtype, device=input.device)
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    if not rows:
        return empty(0, r, dtype=input.dtype, device=input.device)
    index = tensor(rows, dtype=dtypes.int64, device=input.device)
    return input[index]


def vander(x, N: int | None = None, increasing: bool = False):
    """The Vandermonde matrix of the 1-D ``x``: columns are powers of ``x`` (decreasing unless
    ``increasing``), ``N`` of them (``len(x)`` by default)."""
    if x.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    dt = x.dtype if x.dtype.is_floating_point else dtypes.int64
    powers = arange(n, device=x.device)
    if not increasing:
        powers = powers.flip(0)
    if n == 0:
        return empty(x.shape[0], 0, dtype=dt, device=x.device)
    cols = [ones_like(x, dtype=dt)]
    for _ in range(1, n):
        cols.append(cols[-1] * x.to(dt))
    out = stack(cols, dim=1)
    return out if increasing else out.flip(1)


def unravel_index(indices, shape):
    """The coordinates in ``shape`` of flat ``indices``, as a tuple of tensors, one per dim."""
    if isinstance(indices, _core.TensorBase):
        if indices.dtype.is_floating_point or indices.dtype is dtypes.bool:
            raise TypeError("expected 'indices' to be integer dtype, but got " + str(indices.dtype))
        flat = indices
    else:
        flat = tensor(indices)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(s < 0 for s in shape):
        raise ValueError("'shape' cannot have negative values, but got " + str(tuple(shape)))
    total = math.prod(shape)
    if flat.numel() and (bool((flat < -total).any()) or bool((flat >= total).any())):
        raise RuntimeError(f"'indices' must be in range [-{total}, {total - 1}]")
    flat = flat % total if total else flat
    coords = []
    for size in reversed(shape):
        coords.append(flat % size)
        flat = flat // size
    return tuple(reversed(coords))


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False):
    """``steps`` values from ``base**start`` to ``base**end``, evenly spaced in the exponent."""
    exponents = linspace(float(start), float(end), steps, dtype=dtypes.float64)
    values = pow(float(base), exponents)
    result = values.to(dtype or dtypes.get_default_dtype(), device=device if device is not None else "cpu")
    if requires_grad:
        result.requires_grad_(True)
    return result if out is None else out.copy_(result)


def _window(fn: str, length: int, periodic: bool, formula, dtype, device, requires_grad: bool):
    if length < 0:
        raise RuntimeError(f"{fn} requires non-negative window_length, got window_length={length}")
    dt = dtype or dtypes.get_default_dtype()
    if not dt.is_floating_point:
        raise RuntimeError(f"{fn} expects floating point dtypes, got: {dt}")
    if length <= 1:
        values = np.ones(length)
    else:
        n = length + 1 if periodic else length
        values = formula(np.arange(n, dtype=np.float64), n)[:length]
    result = tensor(values, dtype=dt, device=device)
    return result.requires_grad_(True) if requires_grad else result


def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                requires_grad: bool = False):
    """The Hann window: 0.5 - 0.5 cos(2 pi n / (N - 1)), periodic (for spectra) by default."""
    return _window("hann_window", window_length, periodic,
                   lambda k, n: 0.5 - 0.5 * np.cos(2 * np.pi * k / (n - 1)), dtype, device, requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54, beta: float = 0.46, *,
                   dtype=None, layout=None, device=None, requires_grad: bool = False):
    """The Hamming window: alpha - beta cos(2 pi n / (N - 1))."""
    return _window("hamming_window", window_length, periodic,
                   lambda k, n: alpha - beta * np.cos(2 * np.pi * k / (n - 1)), dtype, device, requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False):
    """The Blackman window: 0.42 - 0.5 cos(2 pi n / (N - 1)) + 0.08 cos(4 pi n / (N - 1))."""
    return _window("blackman_window", window_length, periodic,
                   lambda k, n: 0.42 - 0.5 * np.cos(2 * np.pi * k / (n - 1)) + 0.08 * np.cos(4 * np.pi * k / (n - 1)),
                   dtype, device, requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None, device=None,
                    requires_grad: bool = False):
    """The Bartlett (triangular) window: 1 - |2n / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic,
                   lambda k, n: 1 - np.abs(2 * k / (n - 1) - 1), dtype, device, requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *, dtype=None, layout=None,
                  device=None, requires_grad: bool = False):
    """The Kaiser window: I0(beta sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)."""
    return _window("kaiser_window", window_length, periodic,
                   lambda k, n: np.i0(beta * np.sqrt(np.clip(1 - (2 * k / (n - 1) - 1) ** 2, 0, None))) / np.i0(beta),
                   dtype, device, requires_grad)
