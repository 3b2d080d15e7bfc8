"""Derivatives of the reductions (``ember/ops/reduction.py``)."""

from __future__ import annotations

from ember.autograd.rules import rule


def unsqueeze_dims(grad, dims, ndim: int):
    """``grad`` of a reduction over ``dims`` with ``keepdim=False``, with those dims put back as 1."""
    if dims is None:
        return grad.reshape((1,) * ndim)
    shape = list(grad.shape)
    for d in sorted(dims):
        shape.insert(d, 1)
    return grad.reshape(shape)


def expand_reduced(grad, x, dims, keepdim: bool):
    """The gradient of a reduction spread back over the reduced elements of ``x``."""
    if not keepdim:
        grad = unsqueeze_dims(grad, dims, x.ndim)
    return grad.expand(x.shape)


@rule("sum", lambda inputs, params: "SumBackward0" if params[0] is None else "SumBackward1", save_inputs=False)
def _sum(grad, inputs, output, params):
    dims, keepdim = params[0], params[1]
    return expand_reduced(grad, inputs[0], dims, keepdim)
