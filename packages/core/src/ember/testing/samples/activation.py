"""Samples for the fused kernels of softmax and log_softmax (composites a backend may fuse), and
``threshold_backward`` (ReLU's gradient, called with the parameters ember-autograd's rule passes),
LeakyReLU's and GELU's fused forward and gradient, and the scaled, masked softmax of attention."""

from __future__ import annotations

import numpy as np

from ember.ops import attention, nn_ops
from ember.testing.samples._base import FLOATS, Case, Sample, api, gradients_of, values


def _over_dims(dtype, rng):
    return [Case("last dim", (values((2, 5), dtype, rng), -1)),
            Case("first dim", (values((3, 4, 2), dtype, rng), 0)),
            Case("0-d", (values((), dtype, rng), 0)),
            Case("empty", (values((0, 3), dtype, rng), 1)),
            Case("non-contiguous", (values((3, 4), dtype, rng, order="F"), 1))]


def _grad_and_input(dtype, rng):
    x = values((7,), dtype, rng)
    x[:4] = [np.nan, 0.0, -np.inf, np.inf]
    g = values((7,), dtype, rng)
    g[2] = np.inf                          # at x <= threshold: 0, not inf * 0
    return [Case("special values", (g, x, 0.0)),
            Case("threshold 0.5", (values((3, 4), dtype, rng), values((3, 4), dtype, rng), 0.5)),
            Case("non-contiguous", (values((3, 4), dtype, rng, order="F"), values((3, 4), dtype, rng), 0.0)),
            Case("empty", (values((0, 2), dtype, rng), values((0, 2), dtype, rng), 0.0))]


def _input_and_slope(dtype, rng):
    x = values((7,), dtype, rng)
    x[:4] = [np.nan, 0.0, -np.inf, np.inf]
    return [Case("special values, slope 0.2", (x, 0.2)), Case("slope 0", (values((3, 4), dtype, rng), 0.0)),
            Case("non-contiguous", (values((3, 4), dtype, rng, order="F"), 0.01)),
            Case("empty", (values((0, 2), dtype, rng), 0.2))]


def _gelu(x, approximate):
    import pytest

    functional = pytest.importorskip("ember.nn.functional", reason="gelu is ember-nn's")
    return functional.gelu(x, approximate=approximate)


def _gelu_inputs(dtype, rng):
    x = values((9,), dtype, rng)
    x[:5] = [np.nan, 0.0, -np.inf, np.inf, -0.0]
    wide = np.linspace(-12, 12, 13).astype(dtype)   # the tails: Phi(x) saturates to 0 and 1
    out = []
    for approximate in ("none", "tanh"):
        out += [Case(f"{approximate}, special values", (x, approximate)),
                Case(f"{approximate}, tails", (wide, approximate)),
                Case(f"{approximate}, 3-d", (values((2, 3, 4), dtype, rng), approximate)),
                Case(f"{approximate}, non-contiguous", (values((3, 4), dtype, rng, order="F"), approximate))]
    return out + [Case("0-d", (values((), dtype, rng), "none")), Case("empty", (values((0, 3), dtype, rng), "tanh"))]


def _finite_gelu_inputs(dtype, rng):
    return [c for c in _gelu_inputs(dtype, rng) if "special" not in c.label]


def _scores_and_mask(dtype, rng):
    """Scores with no mask, a broadcast float mask (-inf where a key is hidden), rows that attend
    nothing (every key hidden) with and without ``zero_dead_rows``, and a non-contiguous input."""
    v = lambda shape, order="C": values(shape, dtype, rng, order=order)  # noqa: E731
    hide_keys = np.zeros((1, 5), dtype=dtype)
    hide_keys[0, [1, 3]] = -np.inf
    causal = np.triu(np.full((4, 4), -np.inf), 1).astype(dtype)
    dead = v((3, 5))
    dead[1] = -np.inf
    return [Case("no mask", (v((2, 3, 5)), None, 1.0, True)),
            Case("scale, broadcast mask", (v((2, 3, 5)), hide_keys, 0.125, True)),
            Case("causal mask, 4-d", (v((2, 2, 4, 4)), causal, 0.5, True)),
            Case("per-batch mask", (v((2, 2, 3, 5)), np.where(v((2, 1, 1, 5)) > 1, -np.inf, 0).astype(dtype), 1.0,
                                    True)),
            Case("dead row, zeroed", (v((3, 5)), dead, 1.0, True)),
            Case("dead row, NaN", (v((3, 5)), dead, 1.0, False)),
            Case("non-contiguous", (v((5, 4), "F"), v((4,)), 2.0, True)),
            Case("one key", (v((3, 1)), None, 1.0, True))]


SAMPLES = [
    Sample("softmax", lambda x, dim: api.softmax(x, dim), _over_dims, FLOATS, optional=True),
    Sample("log_softmax", lambda x, dim: api.log_softmax(x, dim), _over_dims, FLOATS, optional=True),
    Sample("threshold_backward", nn_ops.threshold_backward, _grad_and_input,
           FLOATS, optional=True, grad=False),
    Sample("leaky_relu", nn_ops.leaky_relu, _input_and_slope, FLOATS, optional=True),
    Sample("leaky_relu_backward", nn_ops.leaky_relu_backward, _grad_and_input, FLOATS, optional=True, grad=False),
    Sample("gelu", _gelu, _gelu_inputs, FLOATS, optional=True),
    Sample("gelu_backward", gradients_of(_gelu), _finite_gelu_inputs, FLOATS, optional=True, grad=False),
    Sample("attention_softmax", lambda s, m, scale, zero: attention.attention_softmax(s, m, scale, zero),
           _scores_and_mask, FLOATS, optional=True),
]
