"""Samples for sorting and order statistics (inputs without ties: one right answer)."""

from __future__ import annotations

import numpy as np

from ember.testing.samples._base import ALL, FLOATS, NUMERIC, Case, Sample, api, values


def distinct(*cases):
    """Cases from (label, shape, extra arguments...) with values that never tie."""

    def build(dtype, rng):
        return [Case(label, (values(shape, dtype, rng, "distinct", "F" if "non-contiguous" in label else "C"), *extra))
                for label, shape, *extra in cases]

    return build


def _repeated(dtype, rng):
    return [Case("1-d", (values((8,), dtype, rng, "small"),)), Case("2-d", (values((3, 4), dtype, rng, "small"),)),
            Case("empty", (values((0,), dtype, rng),)), Case("0-d", (values((), dtype, rng),))]


def _with_nan(dtype, rng):
    arr = values((3, 5), dtype, rng, "distinct")
    arr[1, 2] = np.nan
    return [Case("with NaN", (arr, 1))]


SAMPLES = [
    Sample("sort", lambda x, dim, desc: api.sort(x, dim, descending=desc), distinct(
        ("last dim", (3, 4), -1, False), ("descending", (3, 4), 0, True), ("0-d", (), 0, False),
        ("empty", (0, 3), 1, False), ("non-contiguous", (3, 4), 1, False)), NUMERIC),
    Sample("argsort", lambda x, dim, desc: api.argsort(x, dim, descending=desc), distinct(
        ("last dim", (3, 4), -1, False), ("descending", (2, 5), 1, True), ("non-contiguous", (3, 4), 0, False)),
        NUMERIC),
    Sample("topk", lambda x, k, dim, largest: api.topk(x, k, dim, largest=largest), distinct(
        ("largest", (3, 5), 2, -1, True), ("smallest", (4, 3), 3, 0, False), ("k = 0", (3, 4), 0, 1, True),
        ("non-contiguous", (3, 4), 2, 1, True)), NUMERIC),
    Sample("kthvalue", lambda x, k, dim: api.kthvalue(x, k, dim), distinct(
        ("last dim", (3, 5), 2, -1), ("dim 0", (4, 3), 4, 0), ("non-contiguous", (3, 4), 1, 1)), NUMERIC),
    Sample("median", lambda x, dim: api.median(x) if dim is None else api.median(x, dim), distinct(
        ("all elements", (3, 5), None), ("dim 1", (3, 5), 1), ("non-contiguous", (3, 4), 0)), NUMERIC),
    Sample("nanmedian", lambda x, dim: api.nanmedian(x, dim), _with_nan, FLOATS),
    Sample("mode", lambda x, dim: api.mode(x, dim), lambda d, r: [
        Case("a clear mode per row", (np.array([[1, 2, 2, 3], [4, 4, 4, 1]]).astype(d), 1))], NUMERIC),
    Sample("unique", lambda x: api.unique(x, return_inverse=True, return_counts=True), _repeated, ALL, grad=False),
    Sample("unique", lambda x: api.unique(x, sorted=True), _repeated, ALL, grad=False, name="unique_sorted"),
    Sample("unique_consecutive", lambda x: api.unique_consecutive(x, return_inverse=True, return_counts=True),
           _repeated, ALL, grad=False),
]
