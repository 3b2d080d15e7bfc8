"""Samples for views and copies that change shape or layout."""

from __future__ import annotations

import numpy as np

from ember.testing.samples._base import ALL, INTS, Case, Sample, api, fixed, unary, values


def shaped(*cases):
    """Cases from (label, shape, extra arguments...); a label with "non-contiguous" makes
    the input a transposed view."""

    def build(dtype, rng):
        out = []
        for label, shape, *extra in cases:
            order = "F" if "non-contiguous" in label else "C"
            out.append(Case(label, (values(shape, dtype, rng, order=order), *extra)))
        return out

    return build


def _many(*shapes):
    """Cases with a list of ``n`` tensors of the given shapes, for cat and stack."""

    def build(dtype, rng):
        return [Case(label, ([values(shape, dtype, rng, order="F" if "non" in label else "C")
                              for shape in shapes_], dim))
                for label, shapes_, dim in shapes]

    return build


def _triangles(*diagonals):
    """Cases for tril/triu: a square matrix at each diagonal offset (past the corners too), a wide and
    a tall one, a batch, an empty and a non-contiguous matrix, and a 1-d input (an error)."""
    return shaped(*[(f"diagonal {k}", (4, 4), k) for k in diagonals], ("wide, diagonal 1", (3, 5), 1),
                  ("tall, diagonal -2", (5, 3), -2), ("batched", (2, 3, 4), 0), ("empty", (0, 3), 0),
                  ("non-contiguous", (4, 3), 1), ("1-d", (4,), 0))


def _counts(*counts):
    return lambda d, r: np.array(counts, dtype=np.int64)


SAMPLES = [
    Sample("view", lambda x, shape: x.view(shape), shaped(
        ("2-d to 1-d", (2, 3), (-1,)), ("1-d to 3-d", (12,), (2, 3, 2)), ("0-d", (), (1,)),
        ("empty", (0, 3), (3, 0)), ("to 0-d", (1,), ())), ALL),
    Sample("reshape", lambda x, shape: x.reshape(shape), shaped(
        ("non-contiguous", (3, 4), (-1,)), ("non-contiguous to 3-d", (3, 4), (2, 2, 3)),
        ("contiguous", (2, 3), (3, 2))), ALL),
    Sample("permute", lambda x, dims: x.permute(dims), shaped(
        ("3-d", (2, 3, 4), (2, 0, 1)), ("negative dims", (2, 3), (-1, -2)), ("0-d", (), ()),
        ("empty", (0, 2, 3), (1, 2, 0)), ("non-contiguous", (3, 4), (1, 0))), ALL),
    Sample("transpose", lambda x, a, b: api.transpose(x, a, b), shaped(
        ("3-d", (2, 3, 4), 0, 2), ("negative dims", (2, 3), -1, 0), ("0-d", (), 0, -1),
        ("non-contiguous", (3, 4), 0, 1)), ALL),
    Sample("t", lambda x: api.t(x), shaped(("2-d", (2, 3)), ("1-d", (4,)), ("0-d", ()),
                                            ("non-contiguous", (3, 4))), ALL),
    Sample("squeeze", lambda x, dim: api.squeeze(x) if dim is None else api.squeeze(x, dim), shaped(
        ("all", (1, 3, 1), None), ("one dim", (1, 3, 1), 2), ("a dim of size > 1", (2, 3), 0),
        ("0-d", (), None), ("empty", (0, 1), 1), ("dims", (1, 2, 1), (0, 2))), ALL),
    Sample("unsqueeze", lambda x, dim: api.unsqueeze(x, dim), shaped(
        ("front", (2, 3), 0), ("back", (2, 3), -1), ("0-d", (), 0), ("non-contiguous", (3, 4), 1)), ALL),
    Sample("expand", lambda x, shape: x.expand(*shape), shaped(
        ("size-1 dims", (3, 1), (3, 4)), ("new leading dims", (3,), (2, 2, 3)), ("-1 keeps a size", (1, 3), (2, -1)),
        ("0-d", (), (2,)), ("to empty", (1, 3), (0, 3))), ALL),
    Sample("narrow", lambda x, dim, start, length: api.narrow(x, dim, start, length), shaped(
        ("middle", (4, 5), 1, 1, 3), ("negative start", (4, 5), 0, -2, 2), ("empty result", (4, 5), 1, 2, 0),
        ("non-contiguous", (3, 4), 0, 1, 2)), ALL),
    Sample("split", lambda x, size, dim: api.split(x, size, dim), shaped(
        ("equal parts", (6, 2), 2, 0), ("ragged", (2, 5), 2, 1), ("sections", (6,), [1, 2, 3], 0),
        ("non-contiguous", (3, 4), 3, 1)), ALL),
    Sample("split", lambda x, n, dim: api.chunk(x, n, dim), shaped(("chunks", (5, 2), 3, 0)), ALL, name="chunk"),
    Sample("unbind", lambda x, dim: api.unbind(x, dim), shaped(
        ("dim 0", (3, 2), 0), ("last dim", (2, 3), -1), ("non-contiguous", (3, 4), 1)), ALL),
    Sample("cat", lambda xs, dim: api.cat(xs, dim), _many(("dim 0", [(2, 3), (1, 3)], 0),
                                                      ("dim 1", [(2, 1), (2, 3), (2, 2)], 1),
                                                      ("with empty", [(0, 3), (2, 3)], 0),
                                                      ("non-contiguous", [(3, 4), (3, 4)], 1),
                                                      ("1-d", [(2,), (3,)], -1)), ALL),
    Sample("stack", lambda xs, dim: api.stack(xs, dim), _many(("dim 0", [(2, 3), (2, 3)], 0),
                                                          ("last dim", [(2,), (2,), (2,)], -1),
                                                          ("0-d", [(), ()], 0),
                                                          ("non-contiguous", [(3, 4), (3, 4)], 1)), ALL),
    Sample("repeat", lambda x, reps: x.repeat(*reps), shaped(
        ("2-d", (2, 3), (2, 1)), ("more dims", (3,), (2, 2)), ("0-d", (), (3,)), ("zero times", (2,), (0,)),
        ("non-contiguous", (3, 4), (1, 2))), ALL),
    Sample("repeat", lambda x, reps: api.tile(x, reps), shaped(("tile", (2, 3), (2,))), ALL, name="tile"),
    Sample("flip", lambda x, dims: api.flip(x, dims), shaped(
        ("one dim", (2, 3), (0,)), ("two dims", (2, 3, 2), (0, -1)), ("0-d", (), ()),
        ("non-contiguous", (3, 4), (1,))), ALL),
    Sample("roll", lambda x, shifts, dims: api.roll(x, shifts, dims), shaped(
        ("one dim", (2, 5), 2, 1), ("flattened", (2, 3), -1, None), ("two dims", (3, 4), (1, -2), (0, 1)),
        ("empty", (0, 3), 1, 1), ("non-contiguous", (3, 4), 1, 0)), ALL),
    Sample("view", lambda x: api.flatten(x), unary(), ALL, name="flatten"),
    Sample("tril", lambda x, k: api.tril(x, k), _triangles(0, 1, -1, 5, -5), ALL),
    Sample("triu", lambda x, k: api.triu(x, k), _triangles(0, 1, -1, 5, -5), ALL),
    Sample("repeat_interleave", lambda x, reps, dim: api.repeat_interleave(x, reps, dim), fixed(
        ("int, dim 0", lambda d, r: (values((3, 2), d, r), 2, 0)),
        ("int, last dim", lambda d, r: (values((2, 3), d, r), 3, -1)),
        ("flattened", lambda d, r: (values((2, 3), d, r), 2, None)),
        ("counts tensor", lambda d, r: (values((4, 2), d, r), _counts(1, 0, 3, 2)(d, r), 0)),
        ("one count", lambda d, r: (values((2, 3), d, r), _counts(2)(d, r), 1)),
        ("zero times", lambda d, r: (values((3,), d, r), 0, 0)),
        ("0-d", lambda d, r: (values((), d, r), 3, None)),
        ("empty", lambda d, r: (values((0, 3), d, r), 2, 1)),
        ("non-contiguous", lambda d, r: (values((3, 4), d, r, order="F"), _counts(2, 1, 0)(d, r), 0)),
    ), ALL),
    Sample("repeat_interleave", lambda counts: api.repeat_interleave(counts), fixed(
        ("counts only", lambda d, r: (values((4,), d, r, "small"),)), ("no counts", lambda d, r: (values((0,), d, r),)),
    ), INTS, name="repeat_interleave_counts"),
]
