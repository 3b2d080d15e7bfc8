"""Diagonals and scattered writes into slices: ``diag``, ``diagonal``, ``diag_embed``, ``diagflat``,
``fill_diagonal_``, ``diagonal_scatter``, ``select_scatter``, ``slice_scatter``, ``block_diag``,
``tril_indices``/``triu_indices`` and the conjugate transposes ``H``/``mH``/``adjoint``.

They are composed from indexing and ``index_put`` (differentiable, on every backend); ``diagonal``
returns a copy, where PyTorch returns a view (write through ``fill_diagonal_`` or
``diagonal_scatter`` instead)."""

from __future__ import annotations

import operator

from ember import dtypes
from ember.ops.creation import arange, empty, tensor, zeros
from ember.ops.gather_scatter import index_copy
from ember.ops.shape import cat, stack

__all__ = ["diag", "diagonal", "diag_embed", "diagflat", "diagonal_scatter", "select_scatter", "slice_scatter",
           "block_diag", "tril_indices", "triu_indices", "adjoint"]


def _dim(dim: int, ndim: int, fn: str) -> int:
    dim = operator.index(dim)
    if not -max(ndim, 1) <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, {max(ndim, 1) - 1}], "
                         f"but got {dim})")
    return dim % max(ndim, 1)


def _diagonal_positions(rows: int, cols: int, offset: int, device):
    """The (row, column) indices of diagonal ``offset`` of a rows x cols matrix."""
    start_r, start_c = max(-offset, 0), max(offset, 0)
    n = max(min(rows - start_r, cols - start_c), 0)
    steps = arange(n, device=device)
    return steps + start_r, steps + start_c


def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal ``offset`` of each matrix in the plane (``dim1``, ``dim2``), as the last dim."""
    d1, d2 = _dim(dim1, input.ndim, "diagonal"), _dim(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    x = input.movedim((d1, d2), (-2, -1))
    r, c = _diagonal_positions(x.shape[-2], x.shape[-1], offset, input.device)
    return x[..., r, c]


def diag(input, diagonal: int = 0, *, out=None):
    """A 1-D input as a square matrix with it on diagonal ``diagonal``; a 2-D input's diagonal as 1-D."""
    if input.ndim == 1:
        result = diag_embed(input, diagonal, 0, 1)
    elif input.ndim == 2:
        result = globals()["diagonal"](input, diagonal)
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")
    return result if out is None else out.copy_(result)


def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """Each last-dim vector of ``input`` placed on diagonal ``offset`` of a new matrix in (``dim1``, ``dim2``)."""
    ndim = input.ndim + 1
    d1, d2 = _dim(dim1, ndim, "diag_embed"), _dim(dim2, ndim, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input.shape[-1] + abs(offset)
    out = zeros(tuple(input.shape[:-1]) + (n, n), dtype=input.dtype, device=input.device)
    out = _put_diagonal(out, input, offset)
    return out.movedim((-2, -1), (d1, d2))


def _put_diagonal(matrices, values, offset: int):
    """``matrices`` (..., R, C) with diagonal ``offset`` replaced by ``values`` (..., k), differentiably."""
    r, c = _diagonal_positions(matrices.shape[-2], matrices.shape[-1], offset, matrices.device)
    lead = matrices.shape[:-2]
    flat = matrices.reshape((-1,) + tuple(matrices.shape[-2:]))
    vals = values.expand(tuple(lead) + (r.shape[0],)).reshape(flat.shape[0], r.shape[0])
    batch = arange(flat.shape[0], device=matrices.device).unsqueeze(1).expand(flat.shape[0], r.shape[0])
    out = flat.index_put((batch, r.unsqueeze(0).expand_as(batch), c.unsqueeze(0).expand_as(batch)),
                         vals.to(matrices.dtype))
    return out.reshape(matrices.shape)


def diagflat(input, offset: int = 0):
    """``input`` flattened, on diagonal ``offset`` of a square matrix."""
    return diag_embed(input.reshape(-1), offset, 0, 1)


def diagonal_scatter(input, src, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """A copy of ``input`` whose diagonal (as ``diagonal`` picks it) is ``src``."""
    d1, d2 = _dim(dim1, input.ndim, "diagonal_scatter"), _dim(dim2, input.ndim, "diagonal_scatter")
    x = input.movedim((d1, d2), (-2, -1))
    expected = tuple(diagonal(input, offset, dim1, dim2).shape)
    if tuple(src.shape) != expected:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(expected)}")
    return _put_diagonal(x, src, offset).movedim((-2, -1), (d1, d2))


def select_scatter(input, src, dim: int, index: int):
    """A copy of ``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    d = _dim(dim, input.ndim, "select_scatter")
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(input.shape)} at dimension "
                         f"{dim}")
    expected = tuple(input.shape[:d]) + tuple(input.shape[d + 1:])
    if tuple(src.shape) != expected:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(expected)}")
    return index_copy(input, d, tensor([index % size], device=input.device), src.unsqueeze(d))


def slice_scatter(input, src, dim: int = 0, start=None, end=None, step: int = 1):
    """A copy of ``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``."""
    d = _dim(dim, input.ndim, "slice_scatter")
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    positions = range(input.shape[d])[slice(start, end, step)]
    expected = tuple(input.shape[:d]) + (len(positions),) + tuple(input.shape[d + 1:])
    if tuple(src.shape) != expected:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
                           f"slice size = {list(expected)}")
    if len(positions) == 0:
        return input.clone()
    return index_copy(input, d, tensor(list(positions), device=input.device), src.to(input.dtype))


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-D) as blocks on the diagonal of one matrix, zeros elsewhere."""
    mats = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions".replace("torch", "ember"))
        mats.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not mats:
        return empty(1, 0)
    dt = mats[0].dtype
    for m in mats[1:]:
        dt = dtypes.promote_types(dt, m.dtype)
    cols = sum(m.shape[1] for m in mats)
    rows, left = [], 0
    for m in mats:
        parts = [zeros(m.shape[0], left, dtype=dt, device=m.device), m.to(dt),
                 zeros(m.shape[0], cols - left - m.shape[1], dtype=dt, device=m.device)]
        rows.append(cat(parts, dim=1))
        left += m.shape[1]
    return cat(rows, dim=0)


def _triangle_indices(fn: str, row: int, col: int, offset: int, upper: bool, dtype, device):
    if row < 0 or col < 0:
        raise RuntimeError(f"{'row' if row < 0 else 'col'} must be non-negative, got{row if row < 0 else col}")
    r = arange(row, device=device).unsqueeze(1).expand(row, col)
    c = arange(col, device=device).unsqueeze(0).expand(row, col)
    keep = (c - r >= offset) if upper else (c - r <= offset)
    return stack([r[keep], c[keep]]).to(dtypes.int64 if dtype is None else dtype)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the lower triangle (on and below diagonal ``offset``), row by row."""
    return _triangle_indices("tril_indices", row, col, offset, False, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """The (2, N) coordinates of the upper triangle (on and above diagonal ``offset``), row by row."""
    return _triangle_indices("triu_indices", row, col, offset, True, dtype, device)


def adjoint(input):
    """The conjugate transpose of the last two dims (the transpose: ember tensors are real)."""
    if input.ndim < 2:
        raise RuntimeError("tensor.adjoint() is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return input.transpose(-2, -1)


class DiagonalMethods:
    __slots__ = ()

    diag, diagonal, diag_embed, diagflat = diag, diagonal, diag_embed, diagflat
    diagonal_scatter, select_scatter, slice_scatter, adjoint = (diagonal_scatter, select_scatter, slice_scatter,
                                                                adjoint)

    @property
    def H(self):
        """The conjugate transpose of a matrix (its transpose: ember tensors are real)."""
        if self.ndim not in (0, 2):
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor.")
        return self.t() if self.ndim == 2 else self

    @property
    def mH(self):
        """The conjugate transpose of the last two dims."""
        if self.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got "
                               f"{self.ndim}-D tensor.")
        return self.transpose(-2, -1)

    def fill_diagonal_(self, fill_value, wrap: bool = False):
        """Fill the main diagonal in place (of a matrix, or of a tensor whose dims are all equal); with
        ``wrap``, a tall matrix's diagonal starts again every ``cols + 1`` rows."""
        if self.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise RuntimeError("all dimensions of input must be of equal length")
        n = min(self.shape)
        if self.ndim == 2:
            rows, cols = self.shape
            count = -(-rows * cols // (cols + 1)) if wrap else n   # wrap: every (cols + 1)-th element
            flat = [k * (cols + 1) for k in range(count) if k * (cols + 1) < rows * cols]
            index = (tensor([f // cols for f in flat], dtype=dtypes.int64, device=self.device),
                     tensor([f % cols for f in flat], dtype=dtypes.int64, device=self.device))
        else:
            index = (arange(n, device=self.device),) * self.ndim
        value = tensor(fill_value, dtype=self.dtype, device=self.device)
        return self.index_put_(index, value)

