"""ember.special and the real part of ember.fft against PyTorch (values) and mpmath (the
accurate reference for the tails)."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")
mpmath = pytest.importorskip("mpmath")

rng = np.random.default_rng(3)
WIDE = np.concatenate([rng.uniform(-6, 6, 200), [-40.0, -12.0, 0.0, 1e-8, 12.0, 40.0]])
UNIT = np.concatenate([rng.uniform(-1, 1, 200), [-1.0, -0.999999, 0.0, 0.999999, 1.0, 1.5, -2.0]])
PROB = np.concatenate([rng.uniform(0, 1, 200), [0.0, 1e-10, 0.5, 1 - 1e-10, 1.0]])
POSITIVE = rng.uniform(0.01, 10, 100)

# (name, input points, relative tolerance vs torch in float64). PyTorch's float64 ndtr is good to
# about 1.4e-8 in the left tail (ember's, through erfc, to 1e-14: see the mpmath test below)
UNARY = [
    ("erf", WIDE, 1e-14), ("erfc", WIDE, 1e-13), ("erfinv", UNIT, 1e-12), ("expm1", WIDE, 1e-14),
    ("exp2", WIDE, 1e-14), ("log1p", POSITIVE, 1e-14), ("gammaln", POSITIVE, 1e-12), ("digamma", POSITIVE, 1e-12),
    ("psi", POSITIVE, 1e-12), ("expit", WIDE[np.abs(WIDE) < 30], 1e-11),
    ("i0", WIDE, 1e-13), ("i0e", WIDE, 1e-13), ("i1", WIDE, 1e-13),
    ("i1e", WIDE, 1e-13), ("sinc", WIDE, 1e-13), ("round", WIDE * 3.3, 0), ("ndtr", WIDE[np.abs(WIDE) < 10], 2e-8),
    ("ndtri", PROB, 1e-9), ("log_ndtr", WIDE, 1e-12), ("entr", np.concatenate([POSITIVE, [0.0, -1.0]]), 1e-14),
    ("logit", PROB, 1e-12), ("erfcx", np.concatenate([WIDE[np.abs(WIDE) < 25], [30.0, 100.0, 1e4]]), 1e-12),
]


def compare(mine, ref, rtol, atol=1e-300):
    ref = np.asarray(ref)
    np.testing.assert_array_equal(np.isnan(mine), np.isnan(ref))
    ok = ~np.isnan(ref)
    np.testing.assert_allclose(mine[ok], ref[ok], rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,points,rtol", UNARY, ids=[u[0] for u in UNARY])
def test_unary_functions_match_torch(name, points, rtol):
    mine = getattr(ember.special, name)(ember.tensor(points)).numpy()
    ref = getattr(torch.special, name)(torch.tensor(points)).numpy()
    assert mine.dtype == ref.dtype
    compare(mine, ref, rtol)


@pytest.mark.parametrize("name", ["erfc", "erfinv", "i0", "i1e", "ndtr", "log_ndtr", "sinc"])
def test_float32_results_stay_float32_and_close(name):
    points = {"erfinv": UNIT, "ndtri": PROB}.get(name, WIDE).astype(np.float32)
    mine = getattr(ember.special, name)(ember.tensor(points))
    assert mine.dtype == ember.float32
    # against float64 on the same points: a few float32 ulp, times the function's condition number
    ref = getattr(torch.special, name)(torch.tensor(points, dtype=torch.float64)).numpy()
    finite = np.abs(points) < 10   # beyond, float32 results underflow or overflow
    compare(mine.numpy()[finite].astype(np.float64), ref[finite], 1e-5, atol=1e-6)   # sinc's zeros: absolute


def test_integer_inputs_are_lifted_to_float():
    assert ember.special.erfc(ember.tensor([0, 1])).dtype == ember.float32
    assert ember.special.i0(ember.tensor([0, 1])).dtype == ember.float32


def test_tails_against_mpmath():
    mpmath.mp.dps = 40
    x = np.array([-37.0, -20.5, -8.0, 5.0, 26.0])
    np.testing.assert_allclose(ember.special.erfc(ember.tensor(-x)).numpy(),
                               [float(mpmath.erfc(-v)) for v in x], rtol=1e-13)
    np.testing.assert_allclose(ember.special.ndtr(ember.tensor(x)).numpy(),
                               [float(mpmath.ncdf(v)) for v in x], rtol=1e-13)
    p = np.array([1e-300, 1e-10, 0.02, 0.7, 1 - 1e-12])
    np.testing.assert_allclose(ember.special.ndtri(ember.tensor(p)).numpy(),
                               [float(mpmath.findroot(lambda z, v=v: mpmath.ncdf(z) - v, float(g)))
                                for v, g in zip(p, ember.special.ndtri(ember.tensor(p)).numpy())], rtol=1e-12)
    np.testing.assert_allclose(ember.special.log_ndtr(ember.tensor(x)).numpy(),
                               [float(mpmath.log(mpmath.ncdf(v)) if v < 0 else mpmath.log1p(-mpmath.ncdf(-v)))
                                for v in x], rtol=2e-13)
    y = np.array([1 - 1e-12, -0.9999, 0.3])
    np.testing.assert_allclose(ember.special.erfinv(ember.tensor(y)).numpy(),
                               [float(mpmath.erfinv(v)) for v in y], rtol=1e-11)
    big = np.array([31.0, 100.0, 700.0])
    np.testing.assert_allclose(ember.special.i0e(ember.tensor(big)).numpy(),
                               [float(mpmath.besseli(0, v) * mpmath.exp(-v)) for v in big], rtol=1e-14)


def test_binary_and_parametrised_functions_match_torch():
    x, y = rng.uniform(-2, 3, 50), rng.uniform(-0.9, 4, 50)
    x[:5] = 0.0
    y[0] = np.nan
    compare(ember.special.xlog1py(ember.tensor(x), ember.tensor(y)).numpy(),
            torch.special.xlog1py(torch.tensor(x), torch.tensor(y)).numpy(), 1e-14)
    compare(ember.special.xlogy(ember.tensor(x), ember.tensor(y)).numpy(),
            torch.special.xlogy(torch.tensor(x), torch.tensor(y)).numpy(), 1e-14)
    compare(ember.special.xlog1py(2.0, ember.tensor(y)).numpy(), torch.special.xlog1py(2.0, torch.tensor(y)).numpy(),
            1e-14)
    a = rng.uniform(2.5, 9, 30)
    for p in (1, 2, 4):
        compare(ember.special.multigammaln(ember.tensor(a), p).numpy(),
                torch.special.multigammaln(torch.tensor(a), p).numpy(), 1e-12)
    s, q = rng.uniform(1.1, 8, 40), rng.uniform(0.05, 6, 40)
    compare(ember.special.zeta(ember.tensor(s), ember.tensor(q)).numpy(),
            torch.special.zeta(torch.tensor(s), torch.tensor(q)).numpy(), 1e-10)
    for n in (0, 1, 3):   # PyTorch's float64 polygamma is good to ~5e-10 (see test_special_parity.py)
        compare(ember.special.polygamma(n, ember.tensor(POSITIVE)).numpy(),
                torch.special.polygamma(n, torch.tensor(POSITIVE)).numpy(), 1e-8)
    compare(ember.special.logit(ember.tensor(PROB), eps=1e-6).numpy(),
            torch.special.logit(torch.tensor(PROB), eps=1e-6).numpy(), 1e-12)
    m = rng.standard_normal((3, 4))
    for name in ("softmax", "log_softmax"):
        compare(getattr(ember.special, name)(ember.tensor(m), 1).numpy(),
                getattr(torch.special, name)(torch.tensor(m), 1).numpy(), 1e-13)
    compare(ember.special.logsumexp(ember.tensor(m), 1).numpy(), torch.special.logsumexp(torch.tensor(m), 1).numpy(),
            1e-14)


def test_argument_errors_match_torch():
    with pytest.raises(RuntimeError, match="greater than or equal to 1"):
        ember.special.multigammaln(ember.tensor([2.0]), 0)
    with pytest.raises(RuntimeError):
        torch.special.multigammaln(torch.tensor([2.0]), 0)
    with pytest.raises(RuntimeError, match="not implemented for Long"):
        ember.special.multigammaln(ember.tensor([2]), 2)
    with pytest.raises(TypeError):
        ember.special.erfc([1.0])


@pytest.mark.parametrize("n", [0, 1, 4, 5, 8])
@pytest.mark.parametrize("d", [1.0, 0.25])
def test_fft_frequencies_match_torch(n, d):
    np.testing.assert_allclose(ember.fft.fftfreq(n, d).numpy(), torch.fft.fftfreq(n, d).numpy(), rtol=1e-7)
    np.testing.assert_allclose(ember.fft.rfftfreq(n, d).numpy(), torch.fft.rfftfreq(n, d).numpy(), rtol=1e-7)
    assert ember.fft.fftfreq(n, d, dtype=ember.float64).dtype == ember.float64


@pytest.mark.parametrize("dim", [None, 0, 1, (0, 2), -1])
def test_fftshift_matches_torch(dim):
    x = np.arange(3 * 4 * 5, dtype=np.float32).reshape(3, 4, 5)
    for name in ("fftshift", "ifftshift"):
        mine = getattr(ember.fft, name)(ember.tensor(x), dim=dim).numpy()
        ref = getattr(torch.fft, name)(torch.tensor(x), dim=dim).numpy()
        np.testing.assert_array_equal(mine, ref)


def test_fftshift_round_trip_and_gradient():
    import ember.autograd
    x = ember.tensor(rng.standard_normal((5, 6)), requires_grad=True)
    np.testing.assert_array_equal(ember.fft.ifftshift(ember.fft.fftshift(x)).detach().numpy(), x.detach().numpy())
    assert ember.autograd.gradcheck(lambda v: ember.fft.fftshift(v, dim=0) * ember.fft.fftfreq(6, dtype=ember.float64),
                                    (ember.tensor(rng.standard_normal((5, 6)), requires_grad=True),))


POLYNOMIALS = [name for name in dir(torch.special) if name.endswith(("_polynomial_t", "_polynomial_u", "_polynomial_v",
                                                                       "_polynomial_w", "_polynomial_h",
                                                                       "_polynomial_he", "_polynomial_l",
                                                                       "_polynomial_p"))]


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_orthogonal_polynomials_match_torch(name):
    x = np.linspace(-1.5, 1.5, 13)
    for n in (-1, 0, 1, 2, 5, 9):
        compare(getattr(ember.special, name)(ember.tensor(x), n).numpy(),
                getattr(torch.special, name)(torch.tensor(x), n).numpy(), 1e-10, atol=1e-10)
    degrees = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 2, 3, -1, 1])
    compare(getattr(ember.special, name)(ember.tensor(x), ember.tensor(degrees)).numpy(),
            getattr(torch.special, name)(torch.tensor(x), torch.tensor(degrees)).numpy(), 1e-10, atol=1e-10)
    assert getattr(ember.special, name)(ember.tensor(x, dtype=ember.float32), 3).dtype == ember.float32


def test_bessel_aliases_match_torch():
    for name in ("modified_bessel_i0", "modified_bessel_i1", "spherical_bessel_j0"):
        compare(getattr(ember.special, name)(ember.tensor(WIDE)).numpy(),
                getattr(torch.special, name)(torch.tensor(WIDE)).numpy(), 1e-13)


def test_polynomial_gradient_is_its_derivative():
    import ember.autograd
    x = ember.tensor(np.linspace(-0.9, 0.9, 7), requires_grad=True)
    assert ember.autograd.gradcheck(lambda v: ember.special.legendre_polynomial_p(v, 4), (x,))
    assert ember.autograd.gradcheck(lambda v: ember.special.spherical_bessel_j0(v), (x,))
    ember.special.chebyshev_polynomial_t(x, 3).sum().backward()   # T3' = 12 x^2 - 3
    np.testing.assert_allclose(x.grad.numpy(), 12 * x.detach().numpy() ** 2 - 3, rtol=1e-12)


def test_incomplete_gamma_against_mpmath_and_torch():
    mpmath.mp.dps = 30
    a, x = rng.uniform(0.01, 50, 80), rng.uniform(0, 80, 80)
    lower = [float(mpmath.gammainc(ai, 0, xi, regularized=True)) for ai, xi in zip(a, x)]
    upper = [float(mpmath.gammainc(ai, xi, mpmath.inf, regularized=True)) for ai, xi in zip(a, x)]
    np.testing.assert_allclose(ember.special.gammainc(ember.tensor(a), ember.tensor(x)).numpy(), lower, rtol=1e-12,
                               atol=1e-300)
    np.testing.assert_allclose(ember.special.gammaincc(ember.tensor(a), ember.tensor(x)).numpy(), upper, rtol=1e-12,
                               atol=1e-300)
    # PyTorch's are good to ~2e-9 relative; its edge cases (x = 0, inf, NaN, a <= 0) exactly
    a = np.concatenate([a, [1e-3, 1000.0, 0.5, 2.0, 0.0, -1.0, 3.0]])
    x = np.concatenate([x, [2.0, 1010.0, 0.0, np.inf, 1.0, 1.0, np.nan]])
    for name in ("gammainc", "gammaincc"):
        compare(getattr(ember.special, name)(ember.tensor(a), ember.tensor(x)).numpy(),
                getattr(torch.special, name)(torch.tensor(a), torch.tensor(x)).numpy(), 1e-8, atol=1e-300)
    assert ember.special.gammainc(ember.tensor([2.0], dtype=ember.float32), 1.0).dtype == ember.float32


def test_incomplete_gamma_gradients():
    import ember.autograd
    x = ember.tensor([0.5, 2.0, 7.0], dtype=ember.float64, requires_grad=True)
    a = ember.tensor([1.5, 3.0, 4.0], dtype=ember.float64)
    assert ember.autograd.gradcheck(lambda v: ember.special.gammainc(a, v), (x,))
    assert ember.autograd.gradcheck(lambda v: ember.special.gammaincc(a, v), (x,))
    with pytest.raises(NotImplementedError, match="with respect to 'input'"):
        ember.special.gammainc(a.clone().requires_grad_(True), x.detach()).sum().backward()


def test_igamma_aliases_and_methods():
    a, x = rng.uniform(0.5, 5, 6), rng.uniform(0, 8, 6)
    np.testing.assert_allclose(ember.igamma(ember.tensor(a), ember.tensor(x)).numpy(),
                               torch.igamma(torch.tensor(a), torch.tensor(x)).numpy(), rtol=1e-8)
    np.testing.assert_allclose(ember.tensor(a).igammac(ember.tensor(x)).numpy(),
                               torch.tensor(a).igammac(torch.tensor(x)).numpy(), rtol=1e-8)
    mine = ember.tensor(a)
    mine.igamma_(ember.tensor(x))
    np.testing.assert_allclose(mine.numpy(), torch.special.gammainc(torch.tensor(a), torch.tensor(x)).numpy(),
                               rtol=1e-8)


BESSEL = {
    "bessel_j0": lambda v: mpmath.besselj(0, v), "bessel_j1": lambda v: mpmath.besselj(1, v),
    "bessel_y0": lambda v: mpmath.bessely(0, v) if v > 0 else mpmath.nan,
    "bessel_y1": lambda v: mpmath.bessely(1, v) if v > 0 else mpmath.nan,
    "modified_bessel_k0": lambda v: mpmath.besselk(0, v) if v > 0 else mpmath.nan,
    "modified_bessel_k1": lambda v: mpmath.besselk(1, v) if v > 0 else mpmath.nan,
    "scaled_modified_bessel_k0": lambda v: mpmath.besselk(0, v) * mpmath.exp(v) if v > 0 else mpmath.nan,
    "scaled_modified_bessel_k1": lambda v: mpmath.besselk(1, v) * mpmath.exp(v) if v > 0 else mpmath.nan,
}


@pytest.mark.parametrize("name", sorted(BESSEL))
def test_bessel_functions_against_mpmath_and_torch(name):
    mpmath.mp.dps = 30
    x = np.concatenate([rng.uniform(-40, 40, 60), [1e-6, 0.5, 29.99, 30.01, 100.0, 1e4, 700.0]])
    mine = getattr(ember.special, name)(ember.tensor(x)).numpy()
    exact = np.array([float(BESSEL[name](v)) for v in x])
    np.testing.assert_array_equal(np.isnan(mine), np.isnan(exact))
    ok = ~np.isnan(exact)
    # absolute near the zeros of J and Y, relative where the value is large (K near 0, Y near 0)
    np.testing.assert_allclose(mine[ok], exact[ok], rtol=1e-12, atol=1e-14)
    # PyTorch's float64 J/Y are good to ~1e-7 absolute; its K to ~1e-15
    theirs = getattr(torch.special, name)(torch.tensor(x)).numpy()
    compare(mine, theirs, 1e-6, atol=1e-6)
    edges = getattr(ember.special, name)(ember.tensor([0.0, np.nan])).numpy()
    np.testing.assert_array_equal(edges, getattr(torch.special, name)(torch.tensor([0.0, np.nan])).numpy())
    # at +inf ember gives the limit 0 (PyTorch: NaN for J and Y, 0 for K)
    assert getattr(ember.special, name)(ember.tensor([np.inf])).item() == 0.0


@pytest.mark.parametrize("name", sorted(BESSEL))
def test_bessel_gradients(name):
    import ember.autograd
    x = ember.tensor([0.3, 1.7, 4.0, 12.5, 33.0], dtype=ember.float64, requires_grad=True)
    assert ember.autograd.gradcheck(getattr(ember.special, name), (x,))
