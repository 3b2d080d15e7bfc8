"""ember.distributions: densities and entropies by hand, argument and value validation, shapes,
seeded sampling statistics, and gradients (gradcheck, and finite differences of expectations
for the implicitly reparameterized gamma family)."""

import math

import numpy as np
import pytest

import ember
import ember.distributions as D
from ember.autograd import gradcheck


def f64(x):
    return ember.tensor(np.asarray(x, dtype=np.float64))


# -- values by hand ---------------------------------------------------------------------------
def test_normal_by_hand():
    d = D.Normal(1.0, 2.0)
    want = -0.5 * 0.25 - math.log(2) - 0.5 * math.log(2 * math.pi)
    assert d.log_prob(ember.tensor(2.0)).item() == pytest.approx(want)
    assert d.entropy().item() == pytest.approx(0.5 + 0.5 * math.log(2 * math.pi) + math.log(2))
    assert d.cdf(ember.tensor(1.0)).item() == pytest.approx(0.5)
    assert d.variance.item() == 4.0 and d.stddev.item() == 2.0


def test_uniform_by_hand():
    d = D.Uniform(f64([0.0, -1.0]), f64([4.0, 1.0]))
    assert d.log_prob(f64([1.0, 0.5])).tolist() == pytest.approx([-math.log(4), -math.log(2)])
    assert d.entropy().tolist() == pytest.approx([math.log(4), math.log(2)])
    assert d.variance.tolist() == pytest.approx([16 / 12, 4 / 12])
    outside = D.Uniform(0.0, 1.0, validate_args=False).log_prob(ember.tensor([1.5, 1.0]))
    assert outside.tolist() == [-math.inf, -math.inf]  # high is excluded


def test_bernoulli_and_categorical_by_hand():
    b = D.Bernoulli(probs=f64([0.25]))
    assert b.log_prob(f64([1.0])).item() == pytest.approx(math.log(0.25))
    assert b.log_prob(f64([0.0])).item() == pytest.approx(math.log(0.75))
    assert b.entropy().item() == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)))
    assert D.Bernoulli(logits=f64([0.0])).probs.item() == 0.5
    c = D.Categorical(probs=f64([1.0, 2.0, 1.0]))  # normalized to [0.25, 0.5, 0.25]
    assert c.probs.tolist() == [0.25, 0.5, 0.25]
    assert c.log_prob(ember.tensor([1, 2])).tolist() == pytest.approx([math.log(0.5), math.log(0.25)])
    assert c.entropy().item() == pytest.approx(1.5 * math.log(2))
    assert D.Categorical(probs=f64([0.0, 1.0])).entropy().item() == pytest.approx(0.0, abs=1e-15)  # 0 log 0 = 0


def test_gamma_beta_dirichlet_by_hand():
    g = D.Gamma(f64(3.0), f64(2.0))
    x = 1.5
    want = 3 * math.log(2) + 2 * math.log(x) - 2 * x - math.lgamma(3)
    assert g.log_prob(f64(x)).item() == pytest.approx(want, rel=1e-14)
    psi3 = 1.5 - 0.5772156649015329
    assert g.entropy().item() == pytest.approx(3 - math.log(2) + math.lgamma(3) - 2 * psi3, rel=1e-14)
    b = D.Beta(f64(2.0), f64(3.0))  # density 12 x (1-x)^2
    assert b.log_prob(f64(0.2)).item() == pytest.approx(math.log(12 * 0.2 * 0.64), rel=1e-14)
    assert b.mean.item() == pytest.approx(0.4) and b.variance.item() == pytest.approx(6 / (25 * 6))
    d = D.Dirichlet(f64([1.0, 1.0, 1.0]))  # uniform on the simplex: density 2
    assert d.log_prob(f64([0.2, 0.3, 0.5])).item() == pytest.approx(math.log(2), rel=1e-14)
    assert d.entropy().item() == pytest.approx(-math.log(2), rel=1e-14)


def test_multivariate_normal_by_hand():
    cov = np.array([[4.0, 2.0], [2.0, 3.0]])  # det 8, inverse [[3, -2], [-2, 4]] / 8
    m = D.MultivariateNormal(f64([1.0, -1.0]), covariance_matrix=f64(cov))
    x = np.array([2.0, 0.0])
    diff = x - np.array([1.0, -1.0])
    maha = diff @ (np.array([[3.0, -2.0], [-2.0, 4.0]]) / 8) @ diff
    assert m.log_prob(f64(x)).item() == pytest.approx(-math.log(2 * math.pi) - 0.5 * math.log(8) - 0.5 * maha)
    assert m.entropy().item() == pytest.approx(1 + math.log(2 * math.pi) + 0.5 * math.log(8))
    np.testing.assert_allclose(m.scale_tril.numpy(), np.linalg.cholesky(cov))
    np.testing.assert_allclose(m.precision_matrix.numpy(), np.linalg.inv(cov))
    p = D.MultivariateNormal(f64([1.0, -1.0]), precision_matrix=f64(np.linalg.inv(cov)))
    np.testing.assert_allclose(p.covariance_matrix.numpy(), cov, rtol=1e-12)
    assert p.log_prob(f64(x)).item() == pytest.approx(m.log_prob(f64(x)).item(), rel=1e-12)


def test_kl_by_hand_and_dispatch():
    kl = D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 2.0)).item()
    assert kl == pytest.approx(math.log(2) + (1 + 1) / 8 - 0.5)
    assert D.kl_divergence(D.Uniform(0.0, 1.0), D.Uniform(-1.0, 1.0)).item() == pytest.approx(math.log(2))
    assert D.kl_divergence(D.Uniform(-1.0, 1.0), D.Uniform(0.0, 1.0)).item() == math.inf
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p of type Normal and q "
                                                   "of type Gamma"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Gamma(1.0, 1.0))

    class Wide(D.Normal):
        pass

    assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(1.0, 2.0)).item() == pytest.approx(kl)  # subclasses dispatch

    @D.register_kl(Wide, D.Normal)
    def _(p, q):
        return ember.tensor(-1.0)

    assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(1.0, 2.0)).item() == -1.0  # the more specific pair wins
    with pytest.raises(TypeError, match="Expected type_p to be a Distribution subclass"):
        D.register_kl(int, D.Normal)


# -- validation -------------------------------------------------------------------------------
def test_parameters_are_validated_with_pytorch_messages():
    with pytest.raises(ValueError, match=r"Expected parameter scale \(Tensor of shape \(\)\) of distribution "
                                         r"Normal\(loc: 0.0, scale: -1.0\) to satisfy the constraint "
                                         r"GreaterThan\(lower_bound=0.0\), but found invalid values"):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError, match="Expected parameter probs"):
        D.Categorical(probs=ember.tensor([0.5, -0.1]))
    with pytest.raises(ValueError, match="Expected parameter concentration"):
        D.Gamma(ember.tensor([1.0, 0.0]), 1.0)
    with pytest.raises(ValueError, match="Expected parameter low"):
        D.Uniform(1.0, 0.0)
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
        D.Bernoulli(probs=ember.tensor([0.5]), logits=ember.tensor([0.5]))
    with pytest.raises(ValueError, match="`probs` parameter must be at least one-dimensional."):
        D.Categorical(probs=ember.tensor(1.0))
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix or precision_matrix or scale_tril"):
        D.MultivariateNormal(ember.zeros(2))
    with pytest.raises(ValueError, match="Expected parameter covariance_matrix"):
        D.MultivariateNormal(ember.zeros(2), ember.tensor([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match="loc must be at least one-dimensional."):
        D.MultivariateNormal(ember.tensor(0.0), ember.eye(1))
    with pytest.raises(ValueError, match="Expected reinterpreted_batch_ndims <= len"):
        D.Independent(D.Normal(ember.zeros(2), 1.0), 2)
    D.Normal(0.0, -1.0, validate_args=False)  # no check when asked not to


def test_values_are_validated():
    with pytest.raises(ValueError, match="The value argument to log_prob must be a Tensor"):
        D.Normal(0.0, 1.0).log_prob(0.5)
    with pytest.raises(ValueError, match=r"Value is not broadcastable with batch_shape\+event_shape: \(3,\) vs \(2,\)"):
        D.Normal(ember.zeros(2), 1.0).log_prob(ember.zeros(3))
    with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
        D.Dirichlet(ember.ones(3)).log_prob(ember.ones(2) / 2)
    with pytest.raises(ValueError, match="to be within the support"):
        D.Beta(1.0, 1.0).log_prob(ember.tensor([1.5]))
    with pytest.raises(ValueError, match="to be within the support"):
        D.Categorical(probs=ember.ones(3)).log_prob(ember.tensor([3]))
    with pytest.raises(ValueError, match="to be within the support"):
        D.Bernoulli(0.3).log_prob(ember.tensor(0.5))


def test_default_validation_can_be_switched_off():
    try:
        D.Distribution.set_default_validate_args(False)
        assert math.isnan(D.Normal(0.0, -1.0).log_prob(ember.tensor(0.0)).item())
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)


# -- shapes -----------------------------------------------------------------------------------
def test_shapes_of_samples_log_probs_and_expand():
    d = D.Dirichlet(ember.ones(4, 3))
    assert d.batch_shape == (4,) and d.event_shape == (3,)
    assert d.sample((2, 5)).shape == (2, 5, 4, 3)
    assert d.log_prob(d.sample((2,))).shape == (2, 4)
    e = d.expand((6, 4))
    assert e.batch_shape == (6, 4) and e.sample().shape == (6, 4, 3)
    i = D.Independent(D.Normal(ember.zeros(4, 3), 1.0), 1)
    assert i.batch_shape == (4,) and i.event_shape == (3,) and i.log_prob(ember.zeros(4, 3)).shape == (4,)
    c = D.Categorical(logits=ember.zeros(2, 5))
    assert c.sample((7,)).shape == (7, 2) and c.sample().dtype == ember.int64
    assert c.enumerate_support().shape == (5, 2)
    o = D.OneHotCategorical(logits=ember.zeros(2, 5))
    assert o.sample((3,)).shape == (3, 2, 5) and o.sample().sum(-1).tolist() == [1.0, 1.0]
    m = D.MultivariateNormal(ember.zeros(3, 2), scale_tril=ember.eye(2))
    assert m.batch_shape == (3,) and m.rsample((4,)).shape == (4, 3, 2)
    assert m.log_prob(ember.zeros(5, 1, 2)).shape == (5, 3)


def test_seeded_sampling_is_reproducible():
    dists = [D.Normal(0.0, 1.0), D.Gamma(0.5, 1.0), D.Dirichlet(ember.ones(3)), D.Categorical(ember.ones(4)),
             D.Bernoulli(0.3), D.MultivariateNormal(ember.zeros(2), ember.eye(2)), D.Uniform(0.0, 2.0)]
    ember.manual_seed(123)
    first = [d.sample((5,)).numpy() for d in dists]
    ember.manual_seed(123)
    second = [d.sample((5,)).numpy() for d in dists]
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


# seeded, with 6-standard-error tolerances: the test is deterministic and far from its bounds
N = 20000


def _close(sample_mean, want, sd):
    assert abs(sample_mean - want) < 6 * sd / math.sqrt(N)


def test_sampling_statistics():
    ember.manual_seed(0)
    x = D.Normal(1.0, 2.0).sample((N,)).numpy()
    _close(x.mean(), 1.0, 2.0)
    _close(((x - 1.0) ** 2).mean(), 4.0, math.sqrt(2 * 16))
    g = D.Gamma(ember.tensor([0.3, 4.0]), ember.tensor([2.0, 0.5])).sample((N,)).numpy()
    for k, (a, b) in enumerate([(0.3, 2.0), (4.0, 0.5)]):
        _close(g[:, k].mean(), a / b, math.sqrt(a) / b)
    assert (g > 0).all()
    be = D.Beta(0.5, 1.5).sample((N,)).numpy()
    _close(be.mean(), 0.25, math.sqrt(0.25 * 0.75 / 3))
    di = D.Dirichlet(ember.tensor([1.0, 2.0, 5.0])).sample((N,)).numpy()
    np.testing.assert_allclose(di.sum(-1), 1.0, rtol=1e-6)
    for k, a in enumerate([1.0, 2.0, 5.0]):
        _close(di[:, k].mean(), a / 8, math.sqrt(a / 8 * (1 - a / 8) / 9))
    c = D.Categorical(ember.tensor([0.1, 0.6, 0.3])).sample((N,)).numpy()
    for k, p in enumerate([0.1, 0.6, 0.3]):
        _close((c == k).mean(), p, math.sqrt(p * (1 - p)))
    bern = D.Bernoulli(0.3).sample((N,)).numpy()
    _close(bern.mean(), 0.3, math.sqrt(0.21))
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    mv = D.MultivariateNormal(f64([1.0, -1.0]), f64(cov)).sample((N,)).numpy()
    _close(mv[:, 0].mean(), 1.0, math.sqrt(2.0))
    _close(((mv[:, 0] - 1) * (mv[:, 1] + 1)).mean(), 0.8, math.sqrt(2.0 * 1.0 + 0.8 ** 2))
    u = D.Uniform(-1.0, 3.0).sample((N,)).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0
    _close(u.mean(), 1.0, 4 / math.sqrt(12))


# -- gradients --------------------------------------------------------------------------------
def _seeded(fn):
    def run(*args):
        ember.manual_seed(7)
        return fn(*args)
    return run


def test_rsample_gradcheck_location_scale_families():
    loc, scale = f64([0.5, -1.0]).requires_grad_(), f64([1.5, 0.3]).requires_grad_()
    assert gradcheck(_seeded(lambda a, b: D.Normal(a, b).rsample((3,))), (loc, scale))
    low, high = f64([0.0, -2.0]).requires_grad_(), f64([1.0, 0.5]).requires_grad_()
    assert gradcheck(_seeded(lambda a, b: D.Uniform(a, b).rsample((3,))), (low, high))
    tril = f64(np.tril(np.random.default_rng(0).standard_normal((3, 3))) + 2 * np.eye(3)).requires_grad_()
    loc3 = f64([0.1, 0.2, 0.3]).requires_grad_()
    assert gradcheck(_seeded(lambda m, t: D.MultivariateNormal(m, scale_tril=t.tril()).rsample((2,))), (loc3, tril))


def test_multivariate_normal_log_prob_gradcheck_through_cholesky_and_solves():
    rng = np.random.default_rng(1)
    a = f64(rng.standard_normal((3, 3))).requires_grad_()
    loc = f64(rng.standard_normal(3)).requires_grad_()
    x = f64(rng.standard_normal((2, 3)))

    def by_covariance(m, root):
        return D.MultivariateNormal(m, covariance_matrix=root @ root.mT + ember.eye(3, dtype=ember.float64)).log_prob(x)

    def by_precision(m, root):
        return D.MultivariateNormal(m, precision_matrix=root @ root.mT + ember.eye(3, dtype=ember.float64)).log_prob(x)

    def kl(m, root):
        p = D.MultivariateNormal(m, covariance_matrix=root @ root.mT + ember.eye(3, dtype=ember.float64))
        return D.kl_divergence(p, D.MultivariateNormal(ember.zeros(3, dtype=ember.float64),
                                                       scale_tril=2 * ember.eye(3, dtype=ember.float64)))

    for fn in (by_covariance, by_precision, kl):
        assert gradcheck(fn, (loc, a))


def test_gamma_family_log_prob_and_entropy_gradcheck():
    a, b = f64([0.7, 2.5]).requires_grad_(), f64([1.3, 0.4]).requires_grad_()
    assert gradcheck(lambda c, r: D.Gamma(c, r).log_prob(f64([0.5, 3.0])), (a, b))
    assert gradcheck(lambda c, r: D.Gamma(c, r).entropy(), (a, b))
    assert gradcheck(lambda c, r: D.Beta(c, r).log_prob(f64([0.2, 0.9])) + D.Beta(c, r).entropy(), (a, b))
    assert gradcheck(lambda c, r: D.kl_divergence(D.Beta(c, r), D.Beta(r, c)), (a, b))
    conc = f64([[0.7, 2.5, 1.1]]).requires_grad_()
    assert gradcheck(lambda c: D.Dirichlet(c).log_prob(f64([0.2, 0.3, 0.5])) + D.Dirichlet(c).entropy(), (conc,))


def _expectation(log_density, f, grid):
    """``E[f(x)]`` by the trapezoid rule on a fine grid (NumPy only)."""
    w = np.exp(log_density(grid)) * f(grid)
    return float(np.sum((w[1:] + w[:-1]) * np.diff(grid)) / 2)


def _gamma_log_density(a, b):
    return lambda x: a * math.log(b) + (a - 1) * np.log(x) - b * x - math.lgamma(a)


def _beta_log_density(a, b):
    return lambda x: (a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - (math.lgamma(a) + math.lgamma(b)
                                                                         - math.lgamma(a + b))


@pytest.mark.parametrize("family", ["Gamma", "Beta"])
def test_rsample_gradient_matches_finite_differences_of_the_expectation(family):
    """d/dtheta E[exp(-x)]: the mean pathwise gradient over seeded samples against a central
    difference of the expectation computed by quadrature, within 6 standard errors."""
    params = (2.5, 1.5) if family == "Gamma" else (1.5, 2.5)
    density = _gamma_log_density if family == "Gamma" else _beta_log_density
    grid = np.linspace(1e-9, 40.0, 400001) if family == "Gamma" else np.linspace(1e-12, 1 - 1e-12, 400001)
    h = 1e-4
    want = []
    for i in range(2):
        up, down = list(params), list(params)
        up[i] += h
        down[i] -= h
        want.append((_expectation(density(*up), lambda x: np.exp(-x), grid)
                     - _expectation(density(*down), lambda x: np.exp(-x), grid)) / (2 * h))
    ember.manual_seed(3)
    chunks = []
    for _ in range(10):
        p = [f64(v).requires_grad_() for v in params]
        dist = getattr(D, family)(*p)
        ember.exp(-dist.rsample((4000,))).mean().backward()
        chunks.append([t.grad.item() for t in p])
    chunks = np.array(chunks)
    se = chunks.std(0, ddof=1) / math.sqrt(len(chunks))
    np.testing.assert_array_less(np.abs(chunks.mean(0) - np.array(want)), 6 * se)


def test_dirichlet_rsample_gradient_of_the_mean():
    """E[x_0] = a_0 / sum(a): its gradient (1 - m0, -m0, -m0) / sum(a) from the pathwise estimator."""
    ember.manual_seed(5)
    conc = f64([0.8, 1.5, 3.0]).requires_grad_()
    D.Dirichlet(conc).rsample((40000,))[:, 0].mean().backward()
    total, m0 = 5.3, 0.8 / 5.3
    want = np.array([1 - m0, -m0, -m0]) / total
    np.testing.assert_allclose(conc.grad.numpy(), want, atol=0.01)


def test_gamma_rsample_gradient_is_exact_per_sample():
    """The implicit derivative dz/da = -(dP/da)/p against central differences of the regularized
    incomplete gamma P (its series, summed in float64 with NumPy)."""
    from ember.distributions.gamma_sampling import standard_gamma_grad

    def lower_regularized(a, x, terms=400):
        n = np.arange(terms)
        log_terms = (a + n) * math.log(x) - x - np.array([math.lgamma(a + k + 1) for k in n])
        return float(np.exp(log_terms).sum())

    for a, x in [(0.3, 0.05), (0.3, 1.2), (2.0, 0.7), (2.0, 4.0), (9.0, 8.5), (40.0, 47.0)]:
        h = 1e-5 * a
        dp = (lower_regularized(a + h, x) - lower_regularized(a - h, x)) / (2 * h)
        pdf = math.exp((a - 1) * math.log(x) - x - math.lgamma(a))
        assert standard_gamma_grad(np.array([a]), np.array([x]))[0] == pytest.approx(-dp / pdf, rel=1e-6)


def test_distributions_run_on_another_backend():
    import ember_checked  # noqa: F401  (the nn env installs it: missing, it must fail, not skip)
    dev = "checked:1"

    def on(values):
        return ember.tensor(values, device=dev)

    cov = ember.tensor([[2.0, 0.5], [0.5, 1.0]], device=dev)
    dists = [D.Normal(on([0.0, 1.0]), 2.0), D.Uniform(on([0.0, 1.0]), 3.0), D.Bernoulli(on([0.3, 0.6])),
             D.Categorical(on([0.2, 0.8])), D.OneHotCategorical(on([0.2, 0.8])), D.Gamma(on([0.5, 2.0]), 1.5),
             D.Beta(on([0.5, 2.0]), 1.5), D.Dirichlet(on([0.5, 2.0])), D.MultivariateNormal(on([0.0, 1.0]), cov)]
    ember.manual_seed(0)
    for d in dists:
        x = d.sample((3,))
        assert x.device == ember.device(dev), type(d).__name__
        assert d.log_prob(x).device == ember.device(dev) and d.entropy().device == ember.device(dev)
        assert np.isfinite(d.log_prob(x).cpu().numpy()).all(), type(d).__name__
    conc = on([0.5, 2.0]).requires_grad_()
    D.Gamma(conc, 1.0).rsample().sum().backward()
    assert conc.grad.device == ember.device(dev)
    loc, root = on([0.0, 1.0]).requires_grad_(), on([[1.0, 0.0], [0.3, 1.0]]).requires_grad_()
    D.MultivariateNormal(loc, root @ root.mT).log_prob(on([0.5, 0.5])).backward()
    assert root.grad.device == ember.device(dev)
    kl = D.kl_divergence(D.MultivariateNormal(loc, cov), D.MultivariateNormal(on([1.0, 1.0]), cov))
    assert kl.device == ember.device(dev)


def test_ambiguous_kl_registrations_warn_and_independent_dims_must_agree():
    class A(D.Normal):
        pass

    class B(D.Normal):
        pass

    @D.register_kl(A, D.Normal)
    def _left(p, q):
        return ember.tensor(1.0)

    @D.register_kl(D.Normal, B)
    def _right(p, q):
        return ember.tensor(2.0)

    with pytest.warns(RuntimeWarning, match="Ambiguous kl_divergence\\(A, B\\)"):
        assert D.kl_divergence(A(0.0, 1.0), B(0.0, 1.0)).item() == 1.0
    p = D.Independent(D.Normal(ember.zeros(2, 3), 1.0), 1)
    q = D.Independent(D.Normal(ember.zeros(2, 3), 1.0), 2)
    with pytest.raises(NotImplementedError, match="different reinterpreted_batch_ndims"):
        D.kl_divergence(p, q)
    assert D.Normal(0.0, 1.0).perplexity().item() == pytest.approx(math.sqrt(2 * math.pi * math.e))
    assert D.Bernoulli(0.5).sample_n(4).shape == (4,)


def test_utils_module_has_pytorchs_helpers():
    from ember.distributions.utils import broadcast_all, clamp_probs, logits_to_probs, probs_to_logits
    probs = f64([0.2, 0.8])
    np.testing.assert_allclose(logits_to_probs(probs_to_logits(probs)).numpy(), [0.2, 0.8])
    np.testing.assert_allclose(logits_to_probs(probs_to_logits(probs, True), True).numpy(), [0.2, 0.8])
    assert clamp_probs(f64([0.0, 1.0])).tolist() == [np.finfo(np.float64).eps, 1 - np.finfo(np.float64).eps]
    a, b = broadcast_all(f64([1.0, 2.0]), 3.0)
    assert b.tolist() == [3.0, 3.0] and b.dtype == ember.float64
    with pytest.raises(ValueError, match="must all be instances of numbers.Number or Tensor"):
        broadcast_all(f64([1.0]), "x")
