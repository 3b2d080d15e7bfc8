"""Statistics over samples: ``cov``, ``corrcoef``, ``quantile``/``nanquantile``, ``dist``, ``renorm`` and
``cdist``/``pdist``-style distances, composed from differentiable primitives."""

from __future__ import annotations

from ember import _core, dtypes, linalg
from ember.ops.creation import full, full_like, ones_like, tensor
from ember.ops.diagonals import diagonal
from ember.ops.pointwise import clamp, isnan, where

__all__ = ["cov", "corrcoef", "quantile", "nanquantile", "dist", "renorm", "cdist"]


def cov(input, *, correction: int = 1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of ``input`` (observations in the columns).

    Args:
        correction: subtracted from the (weighted) number of observations; 1 is Bessel's correction.
        fweights: integer frequency of each observation; aweights: float weight of each observation.
    """
    if input.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with "
                         f"{input.ndim} dimensions")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if not x.dtype.is_floating_point:
        x = x.to(dtypes.get_default_dtype())
    n = x.shape[1]
    w = None
    if fweights is not None:
        if fweights.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected fweights to have integral dtype but got fweights with "
                               f"{fweights.dtype} dtype")
        if fweights.ndim > 1 or fweights.numel() != n:
            raise RuntimeError(f"cov(): expected fweights to have the same numel as there are observations in the "
                               f"input but got {fweights.numel()} != {n}")
        if bool((fweights < 0).any()):
            raise RuntimeError("cov(): fweights cannot be negative")
        w = fweights.to(x.dtype)
    if aweights is not None:
        if not aweights.dtype.is_floating_point:
            raise RuntimeError(f"cov(): expected aweights to have floating point dtype but got aweights with "
                               f"{aweights.dtype} dtype")
        if aweights.ndim > 1 or aweights.numel() != n:
            raise RuntimeError(f"cov(): expected aweights to have the same numel as there are observations in the "
                               f"input but got {aweights.numel()} != {n}")
        if bool((aweights < 0).any()):
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aweights.to(x.dtype) if w is None else w * aweights.to(x.dtype)
    if w is None:
        w_sum = tensor(float(n), dtype=x.dtype, device=x.device)
        avg = x.mean(dim=1, keepdim=True)
        norm = w_sum - correction
    else:
        w_sum = w.sum()
        avg = (x * w).sum(dim=1, keepdim=True) / w_sum
        norm = w_sum - (correction * (w * aweights.to(x.dtype)).sum() / w_sum if aweights is not None
                        else tensor(float(correction), dtype=x.dtype, device=x.device))
    norm = clamp(norm, min=0)
    centred = x - avg
    weighted = centred if w is None else centred * w
    c = weighted @ centred.t() / norm
    return c.reshape(()) if input.ndim < 2 else c


def corrcoef(input):
    """The Pearson correlation coefficients of the variables in the rows of ``input``, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    std = diagonal(c).sqrt()
    return clamp(c / std.unsqueeze(1) / std.unsqueeze(0), -1, 1)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(fn: str, input, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool):
    if not isinstance(input, _core.TensorBase):
        raise TypeError(f"{fn}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"{fn}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{fn}() interpolation must be one of linear, lower, higher, midpoint or nearest. Got "
                         f"{interpolation}")
    scalar_q = not isinstance(q, _core.TensorBase)
    qs = tensor(q, dtype=input.dtype, device=input.device) if scalar_q else q
    if qs.ndim > 1:
        raise RuntimeError(f"{fn}() q must be a scalar or 1D tensor")
    if qs.dtype is not input.dtype:
        raise RuntimeError(f"{fn}() q tensor must be same dtype as the input tensor")
    if qs.numel() and (bool((qs < 0).any()) or bool((qs > 1).any())):
        raise RuntimeError(f"{fn}() q values must be in the range [0, 1]")
    if input.numel() == 0:
        raise RuntimeError(f"{fn}() input tensor must be non-empty")
    x = input.reshape(-1) if dim is None else input.movedim(dim, -1)
    values = x.sort(dim=-1)[0]                       # NaNs sort last
    nan = isnan(values)
    count = (~nan).sum(dim=-1, keepdim=True) if ignore_nan else full(
        tuple(values.shape[:-1]) + (1,), values.shape[-1], dtype=dtypes.int64, device=input.device)
    qv = qs.reshape(-1)
    rank = qv * (count.to(input.dtype) - 1).clamp(min=0)            # (..., nq)
    if interpolation == "lower":
        rank = rank.floor()
    elif interpolation == "higher":
        rank = rank.ceil()
    elif interpolation == "nearest":
        rank = rank.round()
    lo = rank.floor().to(dtypes.int64).clamp(min=0, max=values.shape[-1] - 1)
    hi = rank.ceil().to(dtypes.int64).clamp(min=0, max=values.shape[-1] - 1)
    lo_v, hi_v = values.gather(-1, lo), values.gather(-1, hi)
    weight = 0.5 if interpolation == "midpoint" else rank - lo.to(input.dtype)
    out = lo_v + (hi_v - lo_v) * weight
    has_nan = nan.any(dim=-1, keepdim=True)
    bad = (count == 0) if ignore_nan else has_nan
    out = where(bad.expand_as(out), full_like(out, float("nan")), out)
    out = out.movedim(-1, 0)                                         # (nq, ...)
    if keepdim:
        out = out.reshape((out.shape[0],) + ((1,) * input.ndim if dim is None else tuple(
            1 if i == dim % input.ndim else s for i, s in enumerate(input.shape))))
    return out[0] if scalar_q or qs.ndim == 0 else out


def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear", out=None):
    """The ``q``-th quantiles (``q`` in [0, 1], a float or 1-D tensor) of ``input`` over ``dim`` (all
    elements if None), interpolating between data points as ``interpolation`` says; NaN if a slice has one.
    With a 1-D ``q``, the quantiles are the first dim of the result."""
    result = _quantile("quantile", input, q, dim, keepdim, interpolation, False)
    return result if out is None else out.copy_(result)


def nanquantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear", out=None):
    """``quantile`` ignoring NaNs (NaN only for a slice that is all NaN)."""
    result = _quantile("nanquantile", input, q, dim, keepdim, interpolation, True)
    return result if out is None else out.copy_(result)


def dist(input, other, p: float = 2):
    """The ``p``-norm of ``input - other`` (broadcast)."""
    return linalg.vector_norm(input - other, p)


def renorm(input, p: float, dim: int, maxnorm: float):
    """``input`` with each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled down to it."""
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if input.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {input.ndim} dimensions")
    d = dim % input.ndim
    others = tuple(i for i in range(input.ndim) if i != d)
    norms = linalg.vector_norm(input, p, dim=others, keepdim=True)
    factor = where(norms > maxnorm, maxnorm / (norms + 1e-7), ones_like(norms))
    return input * factor


def cdist(x1, x2, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2`` (..., R, M):
    (..., P, R)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D" if x1.ndim < 2 else
                           f"cdist only supports at least 2D tensors, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: "
                           f"{x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if not x1.dtype.is_floating_point or not x2.dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {x1.dtype}")
    diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    return linalg.vector_norm(diff, p, dim=-1)


class StatisticsMethods:
    __slots__ = ()

    cov, corrcoef, quantile, nanquantile, dist, renorm = cov, corrcoef, quantile, nanquantile, dist, renorm

    def renorm_(self, p: float, dim: int, maxnorm: float):
        return _core.assign(self, renorm(self, p, dim, maxnorm))
