"""The derivative of the fused layer norm (``ember.layer_norm`` with a backend's ``layer_norm`` kernel)."""

from __future__ import annotations

from ember import _core
from ember.autograd.rules import rule


@rule("layer_norm", "NativeLayerNormBackward0", save_output=(1, 2))  # the row statistics, not the output
def _layer_norm(grad, inputs, output, params, needs):
    """out = (x - mean) * rstd * w + b per row of ``width`` values: the usual three-term formula."""
    has_weight, has_bias, width, eps = params
    x = inputs[0]
    weight = inputs[1] if has_weight else None
    g = grad[0]
    if not _core.is_grad_enabled() and "layer_norm_backward" in g._device._kernels:
        want = (needs[0], has_weight and needs[1], has_bias and needs[-1])
        extra = (weight,) if has_weight else ()
        gx, gw, gb = _core.call("layer_norm_backward", (g, x, output[1], output[2]) + extra, (has_weight, width, want))
        return ((gx if want[0] else None,) + ((gw.reshape(weight.shape) if want[1] else None,) if has_weight else ())
                + ((gb.reshape(inputs[-1].shape) if want[2] else None,) if has_bias else ()))
    # create_graph: the statistics as functions of x, so the result is differentiable again
    x2, g2 = x.reshape(-1, width), g.reshape(-1, width)
    mean = x2.mean(1, keepdim=True)
    centered = x2 - mean
    rstd = ((centered * centered).mean(1, keepdim=True) + eps).rsqrt()
    xhat = centered * rstd
    gxhat = g2 if weight is None else g2 * weight.reshape(width)
    grads = [(rstd * (gxhat - gxhat.mean(1, keepdim=True) - xhat * (gxhat * xhat).mean(1, keepdim=True)))
             .reshape(x.shape) if needs[0] else None]
    if has_weight:
        grads.append((g2 * xhat).sum(0).reshape(weight.shape) if needs[1] else None)
    if has_bias:
        grads.append(g2.sum(0).reshape(inputs[-1].shape) if needs[-1] else None)
    return tuple(grads)
