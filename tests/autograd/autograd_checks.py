"""Shared helpers of the autograd tests: float64 inputs (contiguous or not) and gradchecks."""

from __future__ import annotations

import numpy as np

import ember
from ember.autograd import gradcheck, gradgradcheck

_rng = np.random.default_rng(1234)


def rand(*shape, low: float = -1.0, high: float = 1.0, requires_grad: bool = True, contiguous: bool = True):
    """A float64 leaf with uniform values in [low, high); non-contiguous when asked (and ndim >= 2)."""
    if not contiguous and len(shape) >= 2:
        # the transpose of a contiguous array of the reversed shape
        base = ember.from_numpy(_rng.uniform(low, high, shape[::-1]))
        t = base.permute(*reversed(range(len(shape)))).detach()
        assert not t.is_contiguous()
    else:
        t = ember.from_numpy(_rng.uniform(low, high, shape))
    return t.requires_grad_(requires_grad)


def away_from(x, points, margin: float = 0.01):
    """``x`` nudged so that no element is within ``margin`` of a kink in ``points``."""
    data = x.detach().numpy().copy()
    for p in points:
        close = np.abs(data - p) < margin
        data[close] = p + margin * np.where(data[close] >= p, 1, -1) * 2
    return ember.from_numpy(data).requires_grad_(x.requires_grad)


def check(fn, *inputs, gradgrad: bool = True, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3) -> None:
    """First (and second) derivatives of ``fn`` at ``inputs`` against finite differences."""
    assert gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if gradgrad:
        assert gradgradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
