"""Derivatives of the fused activation kernels (``ember/ops/activation.py``). Without a fused
kernel the composites record their primitives, which the other rule modules cover."""

from __future__ import annotations

from ember.autograd.rules import rule


@rule("softmax", "SoftmaxBackward0", save_inputs=False, save_output=True)
def _softmax(grad, inputs, output, params):
    (dim,) = params
    if not output.ndim:
        return grad * 0
    return output * (grad - (grad * output).sum(dim, keepdim=True))


@rule("log_softmax", "LogSoftmaxBackward0", save_inputs=False, save_output=True)
def _log_softmax(grad, inputs, output, params):
    (dim,) = params
    if not output.ndim:
        return grad * 0
    return grad - output.exp() * grad.sum(dim, keepdim=True)
