"""Derivatives of sorting and order statistics (``ember/ops/sorting.py``): the gradient of
the selected values goes back to where they came from, along ``indices``."""

from __future__ import annotations

import ember
from ember import _core
from ember.autograd.rules import rule
from ember.autograd.rules.reduction import select_backward


def _scatter_values(grad, indices, dim: int, x):
    """A tensor like ``x`` with ``grad`` written at ``indices`` along ``dim``."""
    if not x.ndim:
        return grad.reshape(())
    zeros = ember.zeros(x.shape, dtype=grad.dtype, device=grad.device)
    return _core.call("scatter_add", (zeros, indices, grad), (dim,))


@rule("sort", "SortBackward0", save_inputs=False, save_output=True)
def _sort(grads, inputs, output, params):
    dim = params[0]
    return _scatter_values(grads[0], output[1], dim, inputs[0])


@rule("topk", "TopkBackward0", save_inputs=False, save_output=True)
def _topk(grads, inputs, output, params):
    dim = params[1]
    return _scatter_values(grads[0], output[1], dim, inputs[0])


@rule("kthvalue", "KthvalueBackward0", save_inputs=False, save_output=True)
def _kthvalue(grads, inputs, output, params):
    _, dim, keepdim = params
    return select_backward(grads[0], output[1], dim, keepdim, inputs[0])


@rule("mode", "ModeBackward0", save_inputs=False, save_output=True)
def _mode(grads, inputs, output, params):
    dim, keepdim = params
    return select_backward(grads[0], output[1], dim, keepdim, inputs[0])


def _median_name(op: str):
    return lambda inputs, params: f"{op}Backward0" if params[0] is None else f"{op}Backward1"


@rule("median", _median_name("Median"), save_output=True)
@rule("nanmedian", _median_name("Nanmedian"), save_output=True)
def _median(grads, inputs, output, params):
    x = inputs[0]
    dim, keepdim = params
    if dim is None:
        # over all elements PyTorch shares the gradient among the elements equal to the median
        ties = (x == output[0]).to(grads[0].dtype)
        return ties * (grads[0] / ties.sum())
    return select_backward(grads[0], output[1], dim, keepdim, x)


def _not_differentiable(op: str, pytorch_op: str, node: str) -> None:
    """Ops PyTorch records but cannot differentiate: backward raises its error."""
    def fn(grads, inputs, output, params):
        raise RuntimeError(f"the derivative for '{pytorch_op}' is not implemented.")
    rule(op, node, save_inputs=False)(fn)


_not_differentiable("unique", "_unique2", "Unique2Backward0")
_not_differentiable("unique_consecutive", "unique_consecutive", "UniqueConsecutiveBackward0")
