"""Derivatives of the reductions (``ember/ops/reduction.py``), after PyTorch's ``derivatives.yaml``.

``dims`` in params is a tuple of non-negative axes or None (all). Reductions that pick
elements (max, amax, median over all) spread the gradient evenly over ties, as PyTorch does.
"""

from __future__ import annotations

import math

import ember
from ember import _core
from ember.autograd.rules import rule


def unsqueeze_dims(grad, dims, ndim: int):
    """``grad`` of a reduction over ``dims`` with ``keepdim=False``, with those dims put back as 1."""
    if dims is None:
        shape = (1,) * ndim
    else:
        shape = list(grad._data.shape)
        for d in sorted(dims):
            shape.insert(d, 1)
        shape = tuple(shape)
    try:
        return _core.call_view("view", grad, (shape,))
    except ValueError:  # a non-contiguous gradient
        return grad.reshape(shape)


def keep(t, dims, keepdim: bool, ndim: int):
    """A reduction's result (or gradient) with the reduced dims kept as size 1."""
    return t if keepdim else unsqueeze_dims(t, dims, ndim)


def expand_reduced(grad, x, dims, keepdim: bool):
    """The gradient of a reduction spread back over the reduced elements of ``x``."""
    if dims is not None and not keepdim:
        grad = unsqueeze_dims(grad, dims, x.ndim)
    return _core.call_view("expand", grad, (tuple(x.shape),))


def count(x, dims) -> int:
    """How many elements of ``x`` each reduced value summarises."""
    if dims is None:
        return x.numel()
    n = 1
    for d in dims:
        n *= x.shape[d]
    return n


def _all_or_dims(name0: str, name1: str):
    return lambda inputs, params: name0 if params[0] is None else name1


@rule("sum", _all_or_dims("SumBackward0", "SumBackward1"), save_inputs=False)
def _sum(grad, inputs, output, params):
    dims, keepdim = params[0], params[1]
    return expand_reduced(grad, inputs[0], dims, keepdim)


@rule("nansum", "NansumBackward0")
def _nansum(grad, inputs, output, params):
    x = inputs[0]
    dims, keepdim = params[0], params[1]
    return ember.where(ember.isnan(x), 0.0, expand_reduced(grad, x, dims, keepdim))


@rule("mean", _all_or_dims("MeanBackward0", "MeanBackward1"), save_inputs=False)
def _mean(grad, inputs, output, params):
    x = inputs[0]
    dims, keepdim = params[0], params[1]
    return expand_reduced(grad, x, dims, keepdim) / count(x, dims)


@rule("nanmean", "DivBackward0")
def _nanmean(grad, inputs, output, params):
    x = inputs[0]
    dims, keepdim = params
    present = ember.logical_not(ember.isnan(x))
    n = keep(present.sum(dims, keepdim), dims, keepdim, x.ndim)
    return ember.where(present, expand_reduced(grad, x, dims, keepdim) / n, 0.0)


def _exclusive_cumprod(x, dim: int, reverse: bool):
    """Products of the elements before (or after) each position along ``dim``, zeros and all."""
    if reverse:
        return _exclusive_cumprod(x.flip(dim), dim, False).flip(dim)
    n = x.shape[dim]
    ones_shape = list(x.shape)
    ones_shape[dim] = 1
    one = ember.ones(ones_shape, dtype=x.dtype, device=x.device)
    if n <= 1:
        return one.expand(x.shape)
    return ember.cat([one, x.narrow(dim, 0, n - 1).cumprod(dim)], dim)


def _prod_of_others(x, dim: int):
    """For each element, the product of the other elements along ``dim`` (exact with zeros)."""
    return _exclusive_cumprod(x, dim, False) * _exclusive_cumprod(x, dim, True)


@rule("prod", _all_or_dims("ProdBackward0", "ProdBackward1"), save_output=True)
def _prod(grad, inputs, output, params):
    x = inputs[0]
    dims, keepdim = params[0], params[1]
    g = expand_reduced(grad, x, dims, keepdim)
    if dims is None:
        return g * _prod_of_others(x.reshape(-1), 0).reshape(x.shape)
    if len(dims) == 1:
        return g * _prod_of_others(x, dims[0])
    # several dims: move them to the end, flatten them into one
    rest = [d for d in range(x.ndim) if d not in dims]
    moved = x.permute(rest + list(dims))
    flat = moved.reshape(tuple(moved.shape[:len(rest)]) + (-1,))
    others = _prod_of_others(flat, len(rest)).reshape(moved.shape)
    inverse = [0] * x.ndim
    for i, d in enumerate(rest + list(dims)):
        inverse[d] = i
    return g * others.permute(inverse)


def _even_ties(grad, x, value, dims, keepdim: bool):
    """Gradient of a reduction that picks extreme elements: shared evenly among ties."""
    value = keep(value, dims, keepdim, x.ndim)
    ties = (x == value).to(grad.dtype)
    return ties * keep(grad, dims, keepdim, x.ndim) / ties.sum(dims, keepdim=True)


@rule("amax", _all_or_dims("MaxBackward1", "AmaxBackward0"), save_output=True)
def _amax(grad, inputs, output, params):
    dims, keepdim = params
    return _even_ties(grad, inputs[0], output, dims, keepdim)


@rule("amin", _all_or_dims("MinBackward1", "AminBackward0"), save_output=True)
def _amin(grad, inputs, output, params):
    dims, keepdim = params
    return _even_ties(grad, inputs[0], output, dims, keepdim)


def select_backward(grad, indices, dim: int, keepdim: bool, x):
    """Gradient of an op that picked one element per slice along ``dim`` at ``indices``."""
    if not keepdim and x.ndim:
        grad = grad.unsqueeze(dim)
        indices = indices.unsqueeze(dim)
    if not x.ndim:
        return grad.reshape(())
    zeros = ember.zeros(x.shape, dtype=grad.dtype, device=grad.device)
    return _core.call("scatter", (zeros, indices, grad), (dim,))


@rule("max_dim", "MaxBackward0", save_inputs=False, save_output=True)
@rule("min_dim", "MinBackward0", save_inputs=False, save_output=True)
def _extreme_dim(grads, inputs, output, params):
    dim, keepdim = params
    return select_backward(grads[0], output[1], dim, keepdim, inputs[0])


def _spread_parts(x, dims, correction):
    n = count(x, dims)
    centered = x - x.mean(dims, keepdim=True) if dims is not None else x - x.mean()
    return centered, max(n - correction, 0)


@rule("var", "VarBackward0")
def _var(grad, inputs, output, params):
    x = inputs[0]
    dims, correction, keepdim = params
    centered, dof = _spread_parts(x, dims, correction)
    return keep(grad, dims, keepdim, x.ndim) * centered * (2.0 / dof if dof else math.inf)


@rule("std", "StdBackward0", save_output=True)
def _std(grad, inputs, output, params):
    x = inputs[0]
    dims, correction, keepdim = params
    centered, dof = _spread_parts(x, dims, correction)
    scale = keep(grad / output, dims, keepdim, x.ndim)
    return scale * centered * (1.0 / dof if dof else math.inf)


@rule("norm", "LinalgVectorNormBackward0", save_output=True)
def _norm(grad, inputs, output, params):
    x = inputs[0]
    p, dims, keepdim = params
    g = keep(grad, dims, keepdim, x.ndim)
    norm = keep(output, dims, keepdim, x.ndim)
    if p == 0.0:
        return ember.zeros_like(x)
    if p == 1.0:
        return g * ember.sign(x)
    if p == 2.0:
        return ember.where(norm == 0, 0.0, g * x / norm)
    if math.isinf(p):
        ties = (x.abs() == norm).to(g.dtype)
        return ember.sign(x) * ties * g / ties.sum(dims, keepdim=True)
    scaled = x * x.abs() ** (p - 2) / norm ** (p - 1)
    return ember.where(norm == 0, 0.0, g * scaled)


@rule("logsumexp", "LogsumexpBackward0", save_output=True)
def _logsumexp(grad, inputs, output, params):
    x = inputs[0]
    dims, keepdim = params
    return keep(grad, dims, keepdim, x.ndim) * ember.exp(x - keep(output, dims, keepdim, x.ndim))


@rule("cumsum", "CumsumBackward0", save_inputs=False)
def _cumsum(grad, inputs, output, params):
    dim = params[0]
    if not inputs[0].ndim:
        return grad
    return grad.flip(dim).cumsum(dim).flip(dim)


@rule("cumprod", "CumprodBackward0")
def _cumprod(grad, inputs, output, params):
    x = inputs[0]
    dim = params[0]
    if not x.ndim or x.numel() == 0:
        return grad
    if not bool((x == 0).any()):
        out = x.cumprod(dim)
        return (grad * out).flip(dim).cumsum(dim).flip(dim) / x
    # with zeros: d out_j / d x_k = prod(x_i, i <= j, i != k) for j >= k, one column at a time
    n = x.shape[dim]
    columns = []
    for k in range(n):
        ones = ember.ones_like(x.narrow(dim, k, 1))
        without_k = ember.cat([x.narrow(dim, 0, k), ones, x.narrow(dim, k + 1, n - k - 1)], dim)
        partial = without_k.cumprod(dim).narrow(dim, k, n - k)
        columns.append((grad.narrow(dim, k, n - k) * partial).sum(dim, keepdim=True))
    return ember.cat(columns, dim)
