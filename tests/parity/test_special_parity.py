"""lgamma, digamma and polygamma against PyTorch and against mpmath (a PyTorch dependency, at
40 digits) on random points of both signs."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
mpmath = pytest.importorskip("mpmath")


def points(dtype):
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.uniform(0.01, 30, 150), rng.uniform(-30, 0, 150), rng.uniform(30, 1e4, 20)])
    return x[np.abs(x - np.round(x)) > 1e-3].astype(dtype)  # away from the poles, where all of them blow up


FUNCTIONS = [
    ("lgamma", ember.lgamma, torch.lgamma, lambda v: mpmath.log(abs(mpmath.gamma(v)))),
    ("digamma", ember.digamma, torch.digamma, lambda v: mpmath.psi(0, v)),
] + [(f"polygamma{n}", lambda t, n=n: ember.polygamma(n, t), lambda t, n=n: torch.polygamma(n, t),
      lambda v, n=n: mpmath.psi(n, v)) for n in (1, 2, 3)]


def relative(a, ref):
    return np.abs(a - ref) / np.maximum(np.abs(ref), 1.0)


# PyTorch's float64 trigamma is good to about 5e-10 near the negative poles; its float32
# kernels compute in float32 (ember's digamma family rounds a float64 result; its lgamma is libm's
# lgammaf, good to a few ulp), hence the looser agreement
@pytest.mark.parametrize("dtype,exact_tol,torch_tol", [(np.float64, 1e-12, 1e-9), (np.float32, 3e-7, 5e-4)])
@pytest.mark.parametrize("name,ours,theirs,exact", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_gamma_family_matches(name, ours, theirs, exact, dtype, exact_tol, torch_tol):
    mpmath.mp.dps = 40
    x = points(dtype)
    mine = ours(ember.tensor(x))
    ref = theirs(torch.tensor(x)).numpy()
    assert mine.dtype == getattr(ember, str(ref.dtype))
    best = np.array([float(exact(mpmath.mpf(float(v)))) for v in x])
    np.testing.assert_array_less(relative(mine.numpy().astype(np.float64), best), exact_tol)
    np.testing.assert_array_less(relative(mine.numpy().astype(np.float64), ref.astype(np.float64)), torch_tol)
