"""Samples for matrix products: mm, bmm, mv, matmul, dot, outer, addmm, baddbmm, einsum."""

from __future__ import annotations

from ember.testing.samples._base import NUMERIC, Case, Sample, api, values

# float16 products round differently on every backend; the suite's float16 tolerance covers
# sums of a few terms, which is all these shapes make
DTYPES = NUMERIC


def shapes(*cases):
    """Cases from (label, shape, shape, ...): one array per shape, in order."""

    def build(dtype, rng):
        return [Case(label, tuple(values(s, dtype, rng, "small", "F" if "non-contiguous" in label else "C")
                                  for s in shape_list)) for label, *shape_list in cases]

    return build


SAMPLES = [
    Sample("mm", lambda a, b: api.mm(a, b), shapes(
        ("2-d", (2, 3), (3, 4)), ("empty inner", (2, 0), (0, 3)), ("empty outer", (0, 3), (3, 2)),
        ("non-contiguous", (3, 3), (3, 4))), DTYPES),
    Sample("bmm", lambda a, b: api.bmm(a, b), shapes(
        ("3-d", (2, 2, 3), (2, 3, 4)), ("empty batch", (0, 2, 3), (0, 3, 1))), DTYPES),
    Sample("mv", lambda a, b: api.mv(a, b), shapes(("2-d by 1-d", (3, 4), (4,)),
                                                   ("non-contiguous", (3, 3), (3,))), DTYPES),
    Sample("matmul", lambda a, b: api.matmul(a, b), shapes(
        ("batched", (2, 2, 3), (2, 3, 2)), ("broadcast batch", (2, 1, 2, 3), (3, 3, 4)),
        ("1-d by 3-d", (3,), (2, 3, 2)), ("3-d by 1-d", (2, 2, 3), (3,)),
        ("non-contiguous", (3, 3), (3, 3))), DTYPES),
    Sample("mm", lambda a, b: a @ b, shapes(("@ of 2-d", (2, 3), (3, 2)), ("1-d @ 2-d", (3,), (3, 2))), DTYPES,
           name="matmul_operator"),
    Sample("dot", lambda a, b: api.dot(a, b), shapes(("1-d", (5,), (5,)), ("empty", (0,), (0,))), DTYPES),
    Sample("outer", lambda a, b: api.outer(a, b), shapes(("1-d", (3,), (4,)), ("empty", (0,), (2,))), DTYPES),
    Sample("addmm", lambda c, a, b: api.addmm(c, a, b, beta=0.5, alpha=2), shapes(
        ("broadcast bias", (4,), (2, 3), (3, 4)), ("full bias", (2, 4), (2, 3), (3, 4))), ("float32", "float64")),
    Sample("baddbmm", lambda c, a, b: api.baddbmm(c, a, b), shapes(
        ("3-d", (2, 2, 4), (2, 2, 3), (2, 3, 4))), DTYPES),
    Sample("einsum", lambda a, b: api.einsum("bij,bjk->bik", a, b), shapes(("batched product", (2, 2, 3), (2, 3, 2))),
           DTYPES),
    Sample("einsum", lambda a: api.einsum("ii->i", a), shapes(("diagonal", (3, 3))), DTYPES, name="einsum_diagonal"),
    Sample("einsum", lambda a, b: api.einsum("i,j->ij", a, b), shapes(("outer", (2,), (3,))), DTYPES,
           name="einsum_outer"),
]
