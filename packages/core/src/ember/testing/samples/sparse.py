"""Samples for the sparse COO product: sparse_coo_mm (through ember.spmm)."""

from __future__ import annotations

import numpy as np

from ember.testing.samples._base import Case, Sample, api, values


def _cases(dtype, rng):
    rows = np.array([0, 2, 2, 3, 0, 3], np.int64)   # unsorted, with a repeated position
    cols = np.array([1, 0, 2, 2, 1, 0], np.int64)
    return [
        Case("uncoalesced", (np.stack([rows, cols]), values((6,), dtype, rng, "small"),
                             values((3, 2), dtype, rng, "small"))),
        Case("no stored values", (np.zeros((2, 0), np.int64), values((0,), dtype, rng),
                                  values((3, 2), dtype, rng))),
        Case("non-contiguous dense", (np.stack([rows, cols]), values((6,), dtype, rng, "small"),
                                      values((3, 3), dtype, rng, "small", "F"))),
    ]


SAMPLES = [
    Sample("sparse_coo_mm", lambda i, v, d: api.spmm(api.sparse_coo_tensor(i, v, (4, 3)), d), _cases,
           ("float32", "float64"), optional=True),
]
