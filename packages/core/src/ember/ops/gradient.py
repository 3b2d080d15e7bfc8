"""``gradient``: the derivative of sampled values by central differences (one-sided at the edges), as
``numpy.gradient``."""

from __future__ import annotations

from ember._tensor import Tensor
from ember.dtypes import get_default_dtype
from ember.ops.shape import cat

__all__ = ["gradient"]


def _along(f, spacing, d: int, edge_order: int):
    n = f.shape[d]
    if n < edge_order + 1:
        raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1"
                           .replace("torch", "ember"))
    sl = lambda a, b: f.narrow(d, a, b - a)   # noqa: E731
    if isinstance(spacing, Tensor):      # coordinates of the samples
        x = spacing.to(f.dtype)
        shape = [1] * f.ndim
        shape[d] = n - 2
        h = x[1:] - x[:-1]
        hl, hr = h[:-1].reshape(shape), h[1:].reshape(shape)
        interior = (hl * hl * sl(2, n) - hr * hr * sl(0, n - 2) + (hr * hr - hl * hl) * sl(1, n - 1)) / (
            hl * hr * (hl + hr))
        h0, hn = float(h[0]), float(h[-1])
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / h0
            last = (sl(n - 1, n) - sl(n - 2, n - 1)) / hn
        else:
            h1, hm = float(h[1]), float(h[-2])
            first = (-(2 * h0 + h1) / (h0 * (h0 + h1)) * sl(0, 1) + (h0 + h1) / (h0 * h1) * sl(1, 2)
                     - h0 / (h1 * (h0 + h1)) * sl(2, 3))
            last = (hn / (hm * (hm + hn)) * sl(n - 3, n - 2) - (hm + hn) / (hm * hn) * sl(n - 2, n - 1)
                    + (2 * hn + hm) / (hn * (hm + hn)) * sl(n - 1, n))
    else:
        h = float(spacing)
        interior = (sl(2, n) - sl(0, n - 2)) / (2 * h)
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / h
            last = (sl(n - 1, n) - sl(n - 2, n - 1)) / h
        else:
            first = (-1.5 * sl(0, 1) + 2 * sl(1, 2) - 0.5 * sl(2, 3)) / h
            last = (0.5 * sl(n - 3, n - 2) - 2 * sl(n - 2, n - 1) + 1.5 * sl(n - 1, n)) / h
    return cat([first, interior, last], d)


def gradient(input, *, spacing=1, dim=None, edge_order: int = 1):
    """The gradient of ``input`` along ``dim`` (all dims if None): a tuple with one tensor per dim.

    Args:
        spacing: a number (the sample spacing of every dim), a list of numbers (one per dim) or a list of
            1-D tensors (the sample coordinates along each dim).
        edge_order: 1 or 2, the order of the one-sided differences at the edges.
    """
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.".replace("torch", "ember"))
    dims = list(range(input.ndim)) if dim is None else ([dim] if isinstance(dim, int) else list(dim))
    dims = [d % input.ndim for d in dims]
    if isinstance(spacing, (list, tuple)):
        if len(spacing) != len(dims):
            raise RuntimeError(f"torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim "
                               f"arguments to have the same length, but got a spacing argument of length "
                               f"{len(spacing)} and a dim argument of length {len(dims)}.".replace("torch", "ember"))
        spacings = list(spacing)
    else:
        spacings = [spacing] * len(dims)
    f = input if input.dtype.is_floating_point else input.to(get_default_dtype())
    return tuple(_along(f, s, d, edge_order) for s, d in zip(spacings, dims))
