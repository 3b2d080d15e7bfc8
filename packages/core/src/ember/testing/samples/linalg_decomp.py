"""Samples for the decompositions and solvers (ember.linalg) and the special-function kernels.

They are optional: a backend without these kernels runs them on host copies. Outputs whose
signs LAPACK may choose differently (eigenvectors, singular vectors) are compared through
sign-free expressions.
"""

from __future__ import annotations

import numpy as np

import ember
from ember.testing.samples._base import Case, Sample, values

DTYPES = ("float32", "float64")


def _matrices(*shapes, domain: str = "any", well_conditioned: bool = True):
    def build(dtype, rng):
        cases = []
        for shape in shapes:
            a = values(shape, dtype, rng, domain)
            if well_conditioned and shape[-1] == shape[-2]:
                a = (a + shape[-1] * np.eye(shape[-1], dtype=dtype)).astype(dtype)
            cases.append(Case(f"{'x'.join(map(str, shape))}", (a,)))
        return cases
    return build


def _solve_cases(dtype, rng):
    a = (values((2, 3, 3), dtype, rng) + 3 * np.eye(3, dtype=dtype)).astype(dtype)
    return [Case("batched", (a, values((2, 3, 2), dtype, rng))), Case("vector", (a[0], values((3,), dtype, rng)))]


def _pairs(dtype, rng):
    return [Case("3x4", (values((3, 4), dtype, rng), values((3, 4), dtype, rng)))]


def _sym(a):
    return a + a.mT


SAMPLES = [
    Sample("linalg_inv_ex", lambda a: ember.linalg.inv(a), _matrices((3, 3), (2, 4, 4)), DTYPES, optional=True),
    Sample("linalg_slogdet", lambda a: ember.linalg.slogdet(a), _matrices((3, 3), (2, 4, 4)), DTYPES, optional=True),
    Sample("linalg_solve_ex", lambda a, b: ember.linalg.solve(a, b), _solve_cases, DTYPES, optional=True),
    Sample("linalg_cholesky_ex", lambda a: ember.linalg.cholesky(a @ a.mT), _matrices((3, 3), (2, 4, 4)),
           DTYPES, optional=True),
    Sample("linalg_qr", lambda a: ember.linalg.qr(a).R.abs(), _matrices((4, 3), (2, 3, 3)), DTYPES, optional=True),
    Sample("linalg_svd", lambda a: ember.linalg.svdvals(a), _matrices((4, 3), (2, 3, 5)), DTYPES, optional=True),
    Sample("linalg_eigh", lambda a: ember.linalg.eigvalsh(_sym(a)), _matrices((3, 3), (2, 4, 4)), DTYPES,
           optional=True),
    Sample("linalg_lu_factor_ex", lambda a: ember.linalg.lu_factor(a).LU, _matrices((3, 3), (2, 4, 4)), DTYPES,
           optional=True),
    Sample("erfc", lambda x: ember.special.erfc(x), _matrices((3, 4), well_conditioned=False), DTYPES, optional=True),
    Sample("erfinv", lambda x: ember.special.erfinv(x), _matrices((3, 4), domain="unit", well_conditioned=False),
           DTYPES, optional=True),
    Sample("ndtri", lambda x: ember.special.ndtri((x + 1) / 2),
           _matrices((3, 4), domain="unit", well_conditioned=False), DTYPES, optional=True),
    Sample("gammainc", lambda a, x: ember.special.gammainc(a.abs() + 0.5, x.abs()), _pairs, DTYPES, grad=False,
           optional=True),
    Sample("gammaincc", lambda a, x: ember.special.gammaincc(a.abs() + 0.5, x.abs()), _pairs, DTYPES, grad=False,
           optional=True),
] + [Sample(k, lambda x, k=k: getattr(ember.special, k)(x), _matrices((3, 4), well_conditioned=False), DTYPES,
            optional=True) for k in ("i0", "i0e", "i1", "i1e", "bessel_j0", "bessel_j1")] + \
    [Sample(k, lambda x, k=k: getattr(ember.special, k)(x.abs() + 0.1), _matrices((3, 4), well_conditioned=False),
            DTYPES, optional=True) for k in ("bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
                                             "scaled_modified_bessel_k0", "scaled_modified_bessel_k1")]
