"""Derivatives of the fused activation kernels (``ember/ops/activation.py``). Without a fused
kernel the composites record their primitives, which the other rule modules cover."""

from __future__ import annotations

import math

import ember
from ember import _core
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


@rule("attention_softmax", "SoftmaxBackward0", save_inputs=False, save_output=True)
def _attention_softmax(grad, inputs, output, params, needs):
    """y = softmax(s * scale + mask): the scores get scale * y (g - sum(g y)), the mask y (g - sum(g y))
    (summed back to its broadcast shape by the engine). Rows that attended nothing have y = 0: zero."""
    scale = params[0]
    inner = output * (grad - (grad * output).sum(-1, keepdim=True))
    g_scores = (inner * scale if scale != 1.0 else inner) if needs[0] else None
    return (g_scores,) if len(inputs) == 1 else (g_scores, inner if needs[1] else None)


@rule("gelu", "GeluBackward0")
def _gelu(grad, inputs, output, params):
    """d/dx x Phi(x) = Phi(x) + x phi(x); the tanh form's derivative likewise. The fused kernel without
    create_graph, ember ops (differentiable again) with it."""
    (approximate_tanh,) = params
    x = inputs[0]
    if not _core.is_grad_enabled() and "gelu_backward" in x._device._kernels:
        return _core.call("gelu_backward", (grad, x), (approximate_tanh,))
    if approximate_tanh:
        k = math.sqrt(2.0 / math.pi)
        t = ember.tanh(k * (x + 0.044715 * x * x * x))
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x))
    cdf = 0.5 * (1 + ember.erf(x * (1.0 / math.sqrt(2.0))))
    return grad * (cdf + x * ember.exp(-0.5 * x * x) * (1.0 / math.sqrt(2.0 * math.pi)))
