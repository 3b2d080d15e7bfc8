"""Samples for indexing: ``t[key]``, ``t[key] = v``, gather/scatter, index_*, masks, nonzero."""

from __future__ import annotations

import numpy as np

from ember.testing.samples._base import ALL, FLOATS, NUMERIC, Case, Sample, api, values


def _idx(shape, high: int, rng) -> np.ndarray:
    return values(shape, "int64", rng, f"index:{high}")


def _rows_of_permutations(shape, high: int, rng) -> np.ndarray:
    """An index with no repeats along its last dim (scatter and index_copy then have one answer)."""
    return np.stack([rng.permutation(high)[:shape[-1]] for _ in range(int(np.prod(shape[:-1])))]).reshape(shape)


def _key_cases(dtype, rng):
    v = lambda shape, order="C": values(shape, dtype, rng, order=order)  # noqa: E731
    return [
        Case("int", (v((3, 4)), 1)),
        Case("negative int", (v((3, 4)), (-1, -2))),
        Case("slices", (v((4, 5)), (slice(1, 3), slice(None, None, 2)))),
        Case("None and Ellipsis", (v((2, 3, 4)), (None, Ellipsis, 1))),
        Case("0-d with Ellipsis", (v(()), Ellipsis)),
        Case("empty slice", (v((3, 4)), slice(2, 2))),
        Case("non-contiguous", (v((3, 4), "F"), (slice(None), 1))),
        Case("int tensor", (v((5, 2)), _idx((3,), 5, rng))),
        Case("2-d int tensor", (v((5, 2)), _idx((2, 2), 5, rng))),
        Case("bool mask", (v((3, 4)), values((3, 4), dtype, rng, "bool"))),
        Case("row mask", (v((3, 4)), values((3,), dtype, rng, "bool"))),
        Case("int tensor and slice", (v((4, 5)), (slice(1, None), _idx((2,), 5, rng)))),
        Case("two int tensors", (v((4, 5)), (_idx((3,), 4, rng), _idx((3,), 5, rng)))),
        Case("list of ints", (v((4, 2)), [0, 2, 2])),
        Case("empty int tensor", (v((4, 2)), np.zeros(0, dtype=np.int64))),
    ]


def _setitem(x, key, value):
    x = x.clone()
    x[key] = value
    return x


def _put_cases(dtype, rng):
    v = lambda shape: values(shape, dtype, rng)  # noqa: E731
    return [
        Case("int", (v((3, 4)), 1, v((4,)))),
        Case("slice with a broadcast value", (v((3, 4)), (slice(None), slice(1, 3)), v((2,)))),
        Case("python scalar", (v((3, 4)), 0, values((), dtype, rng).item())),
        Case("bool mask", (v((3, 4)), values((3, 4), dtype, rng, "bool"), values((), dtype, rng))),
        Case("int tensor", (v((5, 2)), np.array([4, 0, 2]), v((3, 2)))),
        Case("non-contiguous", (values((3, 4), dtype, rng, order="F"), (slice(None), 0), v((3,)))),
        Case("0-d", (v(()), Ellipsis, v(()))),
    ]


def _index_put_accumulate(x, index, value):
    return x.index_put((index,), value, accumulate=True)


def _inplace(method: str):
    def op(x, *args, **kwargs):
        x = x.clone()
        return getattr(x, method)(*args, **kwargs)
    return op


def _dim_index_source(unique: bool):
    """Cases ``(x, dim, index, source)`` for index_add and index_copy."""

    def build(dtype, rng):
        pick = (lambda n, k: rng.permutation(n)[:k]) if unique else (lambda n, k: _idx((k,), n, rng))
        return [Case("dim 0", (values((5, 3), dtype, rng), 0, pick(5, 4), values((4, 3), dtype, rng))),
                Case("dim 1", (values((2, 4), dtype, rng), 1, pick(4, 3), values((2, 3), dtype, rng))),
                Case("0-d", (values((), dtype, rng), 0, np.array([0]), values((), dtype, rng))),
                Case("non-contiguous", (values((3, 4), dtype, rng, order="F"), 1, pick(4, 2),
                                        values((3, 2), dtype, rng)))]

    return build


def _gather_cases(dtype, rng):
    return [Case("dim 1", (values((3, 4), dtype, rng), 1, _idx((3, 2), 4, rng))),
            Case("dim 0, smaller index", (values((3, 4), dtype, rng), 0, _idx((2, 4), 3, rng))),
            Case("negative dim", (values((2, 3, 4), dtype, rng), -1, _idx((2, 3, 5), 4, rng))),
            Case("0-d", (values((), dtype, rng), 0, np.array(0))),
            Case("empty index", (values((3, 4), dtype, rng), 1, _idx((3, 0), 4, rng))),
            Case("non-contiguous", (values((3, 4), dtype, rng, order="F"), 0, _idx((2, 4), 3, rng)))]


def _scatter_cases(unique: bool):
    def build(dtype, rng):
        index = _rows_of_permutations if unique else (lambda shape, high, rng: _idx(shape, high, rng))
        # src has the index's shape: a larger src is allowed, but its gradient fails (in PyTorch too)
        return [Case("dim 1", (values((3, 5), dtype, rng), 1, index((3, 3), 5, rng), values((3, 3), dtype, rng))),
                Case("dim 0", (values((4, 2), dtype, rng), 0, index((2, 3), 4, rng).T.copy(),
                               values((3, 2), dtype, rng))),
                Case("0-d", (values((), dtype, rng), 0, np.array(0), values((), dtype, rng))),
                Case("non-contiguous", (values((3, 4), dtype, rng, order="F"), 1, index((3, 2), 4, rng),
                                        values((3, 2), dtype, rng)))]
    return build


def _mask_cases(dtype, rng):
    return [Case("same shape", (values((3, 4), dtype, rng), values((3, 4), dtype, rng, "bool"))),
            Case("broadcast mask", (values((3, 4), dtype, rng), values((4,), dtype, rng, "bool"))),
            Case("0-d", (values((), dtype, rng), values((), dtype, rng, "bool"))),
            Case("empty", (values((0, 4), dtype, rng), values((4,), dtype, rng, "bool"))),
            Case("non-contiguous", (values((3, 4), dtype, rng, order="F"), values((3, 4), dtype, rng, "bool")))]


def _nonzero_cases(dtype, rng):
    sparse = values((3, 4), dtype, rng) * values((3, 4), dtype, rng, "bool")
    return [Case("2-d", (sparse,)), Case("1-d", (values((6,), dtype, rng, "bool").astype(dtype),)),
            Case("0-d", (values((), dtype, rng, "positive"),)), Case("empty", (values((0, 2), dtype, rng),)),
            Case("non-contiguous", (np.asfortranarray(sparse),))]


SAMPLES = [
    Sample("getitem", lambda x, key: x[key], _key_cases, ALL),
    Sample("index", lambda x, key: x[key], _key_cases, ALL),
    Sample("index_put", _setitem, _put_cases, ALL),
    Sample("index_put_", _setitem, _put_cases, ALL, grad=False, optional=True),
    Sample("index_put", _index_put_accumulate, lambda d, r: [
        Case("repeated indices", (values((4, 2), d, r), np.array([1, 1, 3]), values((3, 2), d, r)))],
        NUMERIC, name="index_put_accumulate"),
    Sample("gather", lambda x, dim, index: api.gather(x, dim, index), _gather_cases, ALL),
    Sample("scatter", lambda x, dim, index, src: api.scatter(x, dim, index, src), _scatter_cases(True), ALL),
    Sample("scatter_value", lambda x, dim, index, src: api.scatter(x, dim, index, value=2),
           _scatter_cases(True), NUMERIC),
    Sample("scatter_add", lambda x, dim, index, src: api.scatter_add(x, dim, index, src), _scatter_cases(False),
           NUMERIC),
    *[Sample("scatter_reduce", lambda x, dim, index, src, how=how, self_=self_: api.scatter_reduce(
        x, dim, index, src, how, include_self=self_), _scatter_cases(False), FLOATS if how == "mean" else NUMERIC,
        name=f"scatter_reduce_{how}{'' if self_ else '_exclude_self'}")
      for how in ("sum", "prod", "mean", "amax", "amin") for self_ in (True, False)],
    Sample("index_select", lambda x, dim, index: api.index_select(x, dim, index), lambda d, r: [
        Case("dim 0", (values((4, 3), d, r), 0, _idx((5,), 4, r))),
        Case("dim 1", (values((2, 4), d, r), 1, _idx((2,), 4, r))),
        Case("0-d", (values((), d, r), 0, np.array([0]))),
        Case("empty index", (values((4, 3), d, r), 0, _idx((0,), 4, r))),
        Case("non-contiguous", (values((3, 4), d, r, order="F"), 1, _idx((3,), 4, r)))], ALL),
    Sample("index_add", lambda x, dim, index, src: api.index_add(x, dim, index, src, alpha=2),
           _dim_index_source(False), NUMERIC),
    Sample("index_add_", _inplace("index_add_"), _dim_index_source(False), NUMERIC, grad=False, optional=True),
    Sample("index_copy", lambda x, dim, index, src: api.index_copy(x, dim, index, src), _dim_index_source(True),
           ALL),
    Sample("index_copy_", _inplace("index_copy_"), _dim_index_source(True), ALL, grad=False, optional=True),
    Sample("index_fill", lambda x, dim, index, src: api.index_fill(x, dim, index, 1), _dim_index_source(False),
           ALL),
    Sample("index_fill_", lambda x, dim, index, src: x.clone().index_fill_(dim, index, 1), _dim_index_source(False),
           ALL, grad=False, optional=True),
    Sample("masked_fill", lambda x, mask: api.masked_fill(x, mask, 1), _mask_cases, ALL),
    Sample("masked_fill_", lambda x, mask: x.clone().masked_fill_(mask, 1), _mask_cases, ALL, grad=False,
           optional=True),
    Sample("masked_select", lambda x, mask: api.masked_select(x, mask), _mask_cases, ALL),
    Sample("take", lambda x, index: api.take(x, index), lambda d, r: [
        Case("2-d input", (values((3, 4), d, r), _idx((5,), 12, r))),
        Case("2-d index", (values((6,), d, r), _idx((2, 2), 6, r))),
        Case("non-contiguous", (values((3, 4), d, r, order="F"), _idx((4,), 12, r)))], ALL),
    Sample("take_along_dim", lambda x, index, dim: api.take_along_dim(x, index, dim), lambda d, r: [
        Case("dim 1", (values((3, 4), d, r), _idx((3, 2), 4, r), 1)),
        Case("broadcast index", (values((3, 4), d, r), _idx((1, 4), 3, r), 0)),
        Case("flattened", (values((3, 4), d, r), _idx((5,), 12, r), None))], ALL),
    Sample("nonzero", lambda x: api.nonzero(x), _nonzero_cases, ALL, grad=False),
    Sample("nonzero_tuple", lambda x: api.nonzero(x, as_tuple=True), _nonzero_cases, ALL, grad=False),
]
