"""Samples for the fused kernels of softmax and log_softmax (composites a backend may fuse), and
``threshold_backward`` (ReLU's gradient, called with the parameters ember-autograd's rule passes), and
LeakyReLU's fused forward and gradient."""

from __future__ import annotations

import numpy as np

from ember.ops import nn_ops
from ember.testing.samples._base import FLOATS, Case, Sample, api, values


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


SAMPLES = [
    Sample("softmax", lambda x, dim: api.softmax(x, dim), _over_dims, FLOATS, optional=True),
    Sample("log_softmax", lambda x, dim: api.log_softmax(x, dim), _over_dims, FLOATS, optional=True),
    Sample("threshold_backward", nn_ops.threshold_backward, _grad_and_input,
           FLOATS, optional=True, grad=False),
    Sample("leaky_relu", nn_ops.leaky_relu, _input_and_slope, FLOATS, optional=True),
    Sample("leaky_relu_backward", nn_ops.leaky_relu_backward, _grad_and_input, FLOATS, optional=True, grad=False),
]
