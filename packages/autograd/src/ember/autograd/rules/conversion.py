"""Derivatives of conversions and copies (``ember/ops/conversion.py``): the gradient passes
through; the engine casts it back to the input's dtype and sums it to the input's shape."""

from __future__ import annotations

from ember.autograd.rules import rule


@rule("cast", "ToCopyBackward0", save_inputs=False)
def _cast(grad, inputs, output, params):
    return grad


@rule("to_device", "ToCopyBackward0", save_inputs=False)
def _to_device(grad, inputs, output, params):
    (src_device,) = params
    return grad.to(src_device)


@rule("expand_copy", "CopyBackwards", save_inputs=False)
def _expand_copy(grad, inputs, output, params):
    return grad


@rule("clone", "CloneBackward0", save_inputs=False)
@rule("contiguous", "CloneBackward0", save_inputs=False)
def _copy(grad, inputs, output, params):
    return grad
