"""Derivatives of indexing, gather/scatter and masks (``ember/ops/indexing.py``: ``subscripting``,
``gather_scatter`` and ``selection``).

Every rule is an adjoint pair of kernels: ``getitem``/``index`` scatter back with
``index_put(accumulate=True)``, ``gather`` with ``scatter_add``, ``index_select`` with
``index_add``, so double backward works through the same table. Index and mask inputs are
kept (``save_inputs=(1,)``); the indexed tensor itself is not.
"""

from __future__ import annotations

import numpy as np

import ember
from ember import _core
from ember.autograd.rules import rule

_BASIC = (int, slice, type(None), type(Ellipsis))


def _advanced(key: tuple) -> bool:
    return any(type(k) not in _BASIC for k in key)


def _zeros(shape, like):
    return ember.zeros(tuple(shape), dtype=like.dtype, device=like.device)


def _scatter_back(grad, shape, key):
    """A tensor of ``shape`` holding ``grad`` at ``key``, repeated positions summed."""
    return _core.call("index_put", (_zeros(shape, grad), grad), (key, True))


def _take(grad, key):
    """``grad[key]``."""
    if _advanced(key):
        return _core.call("index", (grad,), (key,))
    return _core.call_view("getitem", grad, (key,))


def _getitem_name(inputs, params) -> str:
    name = "AliasBackward0"
    for k in params[0]:
        if type(k) is int:
            name = "SelectBackward0"
        elif type(k) is slice:
            name = "SliceBackward0"
        elif k is None:
            name = "UnsqueezeBackward0"
    return name


@rule("getitem", _getitem_name, save_inputs=False)
@rule("index", "IndexBackward0", save_inputs=False)
def _getitem(grad, inputs, output, params):
    return _scatter_back(grad, inputs[0].shape, params[0])


@rule("index_put", "IndexPutBackward0", save_inputs=False)
def _index_put(grad, inputs, output, params, needs):
    key, accumulate = params
    gx = gv = None
    if needs[0]:
        gx = grad if accumulate else _core.call("index_put", (grad, _zeros((), grad)), (key, False))
    if needs[1]:
        gv = _take(grad, key)
    return gx, gv


@rule("gather", "GatherBackward0", save_inputs=(1,))
def _gather(grad, inputs, output, params):
    x, index = inputs
    (dim,) = params
    return _core.call("scatter_add", (_zeros(x.shape, grad), index, grad), (dim,)), None


@rule("scatter", "ScatterBackward0", save_inputs=(1,))
def _scatter(grad, inputs, output, params, needs):
    _, index, _ = inputs
    (dim,) = params
    gx = _core.call("scatter_value", (grad, index), (dim, 0.0)) if needs[0] else None
    gs = _core.call("gather", (grad, index), (dim,)) if needs[2] else None
    return gx, None, gs


@rule("scatter_value", "ScatterBackward1", save_inputs=(1,))
def _scatter_value(grad, inputs, output, params):
    _, index = inputs
    dim = params[0]
    return _core.call("scatter_value", (grad, index), (dim, 0.0)), None


@rule("scatter_add", "ScatterAddBackward0", save_inputs=(1,))
def _scatter_add(grad, inputs, output, params, needs):
    _, index, _ = inputs
    (dim,) = params
    gs = _core.call("gather", (grad, index), (dim,)) if needs[2] else None
    return grad, None, gs


@rule("scatter_reduce", "ScatterReduceBackward0", save_output=True)
def _scatter_reduce(grad, inputs, output, params, needs):
    x, index, src = inputs
    dim, reduce, include_self = params
    touched = _core.call("scatter_value", (ember.zeros_like(x, dtype=ember.bool), index), (dim, True))
    keep_x = 1.0 if include_self else ember.logical_not(touched).to(grad.dtype)
    if reduce == "sum":
        return grad * keep_x, None, _core.call("gather", (grad, index), (dim,))
    if reduce == "mean":
        ones = ember.ones_like(src)
        n = _core.call("scatter_add", (ember.full_like(x, 1.0 if include_self else 0.0), index, ones), (dim,))
        n = ember.where(n == 0, 1.0, n)
        return grad * keep_x / n, None, _core.call("gather", (grad / n, index), (dim,))
    if reduce in ("amax", "amin"):
        x_ties = (x == output).to(grad.dtype) * (keep_x if include_self else ember.logical_not(touched).to(grad.dtype))
        src_ties = (src == _core.call("gather", (output, index), (dim,))).to(grad.dtype)
        n = _core.call("scatter_add", (x_ties, index, src_ties), (dim,))
        share = grad / n
        return (share * x_ties if needs[0] else None, None,
                _core.call("gather", (share, index), (dim,)) * src_ties if needs[2] else None)
    if reduce == "prod":
        # product of the others, exact with zeros: count zeros per position, multiply the rest
        x_in = x if include_self else ember.ones_like(x)
        x_zero = (x_in == 0).to(grad.dtype)
        src_zero = (src == 0).to(grad.dtype)
        zeros = _core.call("scatter_add", (x_zero, index, src_zero), (dim,))
        nonzero_x = ember.where(x_in == 0, 1.0, x_in)
        nonzero_src = ember.where(src == 0, 1.0, src)
        rest = _core.call("scatter_reduce", (nonzero_x, index, nonzero_src), (dim, "prod", True))

        def others(v, v_zero, rest_at, zeros_at):
            return ember.where(zeros_at == 0, rest_at / ember.where(v == 0, 1.0, v),
                               ember.where((zeros_at == 1) * (v_zero == 1), rest_at, 0.0))
        gx = grad * others(x_in, x_zero, rest, zeros) * keep_x if needs[0] else None
        gs = None
        if needs[2]:
            at = _core.call("gather", (rest, index), (dim,))
            zeros_at = _core.call("gather", (zeros, index), (dim,))
            gs = _core.call("gather", (grad, index), (dim,)) * others(src, src_zero, at, zeros_at)
        return gx, None, gs
    raise RuntimeError(f"the derivative for 'scatter_reduce' with reduce='{reduce}' is not implemented.")


@rule("index_select", "IndexSelectBackward0", save_inputs=(1,))
def _index_select(grad, inputs, output, params):
    x, index = inputs
    (dim,) = params
    return _core.call("index_add", (_zeros(x.shape, grad), index, grad), (dim, 1)), None


@rule("index_add", "IndexAddBackward0", save_inputs=(1,))
def _index_add(grad, inputs, output, params, needs):
    _, index, source = inputs
    dim, alpha = params
    gs = None
    if needs[2]:
        gs = _core.call("index_select", (grad, index), (dim,)) if grad.ndim else grad
        if alpha != 1:
            gs = gs * alpha
        gs = gs.reshape(source.shape)
    return grad, None, gs


@rule("index_copy", "IndexCopyBackward0", save_inputs=(1,))
def _index_copy(grad, inputs, output, params, needs):
    _, index, source = inputs
    (dim,) = params
    gx = _core.call("index_fill", (grad, index), (dim, 0.0)) if needs[0] else None
    gs = _core.call("index_select", (grad, index), (dim,)).reshape(source.shape) if needs[2] else None
    return gx, None, gs


@rule("index_fill", "IndexFillBackward0", save_inputs=(1,))
def _index_fill(grad, inputs, output, params):
    _, index = inputs
    return _core.call("index_fill", (grad, index), (params[0], 0.0)), None


@rule("masked_fill", "MaskedFillBackward0", save_inputs=(1,))
def _masked_fill(grad, inputs, output, params):
    _, mask = inputs
    return ember.where(mask, 0.0, grad), None


@rule("masked_select", "MaskedSelectBackward0", save_inputs=(1,))
def _masked_select(grad, inputs, output, params):
    x, mask = inputs
    shape = np.broadcast_shapes(tuple(x.shape), tuple(mask.shape))
    full_mask = mask.expand(shape)
    return _scatter_back(grad, shape, (full_mask._data, Ellipsis)), None


@rule("take", "TakeBackward0", save_inputs=(1,))
def _take_rule(grad, inputs, output, params):
    x, index = inputs
    flat = _scatter_back(grad.reshape(-1), (x.numel(),), (index.reshape(-1)._data, Ellipsis))
    return flat.reshape(x.shape), None


@rule("take_along_dim", "GatherBackward0", save_inputs=(1,))
def _take_along_dim(grad, inputs, output, params):
    x, index = inputs
    (dim,) = params
    if dim is None:
        flat = _scatter_back(grad.reshape(-1), (x.numel(),), (index.reshape(-1)._data, Ellipsis))
        return flat.reshape(x.shape), None
    shape = list(grad.shape)
    shape[dim] = x.shape[dim]
    full_index = index.expand(grad.shape)
    return _core.call("scatter_add", (_zeros(shape, grad), full_index, grad), (dim,)), None
