"""Samples for the fused kernels of softmax and log_softmax (composites a backend may fuse)."""

from __future__ import annotations

from ember.testing.samples._base import FLOATS, Case, Sample, api, values


def _over_dims(dtype, rng):
    return [Case("last dim", (values((2, 5), dtype, rng), -1)),
            Case("first dim", (values((3, 4, 2), dtype, rng), 0)),
            Case("0-d", (values((), dtype, rng), 0)),
            Case("empty", (values((0, 3), dtype, rng), 1)),
            Case("non-contiguous", (values((3, 4), dtype, rng, order="F"), 1))]


SAMPLES = [
    Sample("softmax", lambda x, dim: api.softmax(x, dim), _over_dims, FLOATS, optional=True),
    Sample("log_softmax", lambda x, dim: api.log_softmax(x, dim), _over_dims, FLOATS, optional=True),
]
