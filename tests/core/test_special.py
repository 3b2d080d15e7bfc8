"""lgamma, digamma and polygamma against closed forms and the standard library."""

import math

import numpy as np
import pytest

import ember

EULER = 0.5772156649015329
ZETA3 = 1.2020569031595943


def f64(values):
    return ember.tensor(values, dtype=ember.float64)


def test_lgamma_matches_math_lgamma_on_both_sides_of_zero():
    xs = [1e-8, 0.1, 0.5, 1.0, 1.5, 2.0, 3.7, 10.0, 171.5, 1e5, -0.5, -1.5, -2.25, -10.1]
    got = ember.lgamma(f64(xs)).numpy()
    np.testing.assert_allclose(got, [math.lgamma(x) for x in xs], rtol=1e-14, atol=1e-15)
    f32 = ember.lgamma(ember.tensor(xs[:8])).numpy()
    assert f32.dtype == np.float32
    np.testing.assert_allclose(f32, [math.lgamma(x) for x in xs[:8]], rtol=2e-6, atol=1e-6)


def test_digamma_closed_forms():
    got = ember.digamma(f64([1.0, 0.5, 2.0, -0.5, 1.5, 100.0])).numpy()
    want = [-EULER, -EULER - 2 * math.log(2), 1 - EULER, -EULER - 2 * math.log(2) + 2,
            -EULER - 2 * math.log(2) + 2, math.log(100) - 1 / 200 - 1 / 120000 + 1 / 120 / 1e8]
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def test_digamma_recurrence_over_a_wide_range():
    x = np.concatenate([np.linspace(-9.7, -0.1, 40), np.linspace(0.05, 60, 80)])
    lhs = ember.digamma(f64(x + 1)).numpy()
    rhs = ember.digamma(f64(x)).numpy() + 1 / x
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_polygamma_closed_forms():
    one = f64([1.0])
    assert ember.polygamma(1, one).item() == pytest.approx(math.pi ** 2 / 6, rel=1e-14)
    assert ember.polygamma(1, f64([0.5])).item() == pytest.approx(math.pi ** 2 / 2, rel=1e-14)
    assert ember.polygamma(2, one).item() == pytest.approx(-2 * ZETA3, rel=1e-14)
    assert ember.polygamma(3, one).item() == pytest.approx(math.pi ** 4 / 15, rel=1e-13)
    assert ember.polygamma(0, f64([3.0])).item() == pytest.approx(1.5 - EULER, rel=1e-14)
    # reflection side: psi1(x) + psi1(1 - x) = pi^2 / sin^2(pi x)
    x = np.array([-3.3, -0.7, 0.2, 0.45])
    total = ember.polygamma(1, f64(x)).numpy() + ember.polygamma(1, f64(1 - x)).numpy()
    np.testing.assert_allclose(total, np.pi ** 2 / np.sin(np.pi * x) ** 2, rtol=1e-12)


def test_poles_and_special_values():
    x = f64([0.0, -1.0, -4.0, math.inf, math.nan])
    assert ember.digamma(x).tolist()[:2] == [-math.inf, pytest.approx(math.nan, nan_ok=True)]
    assert math.isnan(ember.digamma(x).tolist()[2]) and ember.digamma(x).tolist()[3] == math.inf
    assert ember.polygamma(1, x).tolist()[:4] == [math.inf, math.inf, math.inf, 0.0]
    assert ember.polygamma(2, x).tolist()[:3] == [-math.inf] * 3
    assert ember.lgamma(x).tolist()[:4] == [math.inf] * 4
    assert all(math.isnan(v[-1]) for v in (ember.lgamma(x).tolist(), ember.polygamma(2, x).tolist()))


def test_dtypes_methods_and_errors():
    assert ember.digamma(ember.tensor([1, 2])).dtype == ember.float32  # integers lift to the default float
    assert ember.polygamma(1, ember.tensor([1, 2])).dtype == ember.float32
    assert ember.lgamma(ember.tensor([1.0], dtype=ember.float16)).dtype == ember.float16
    x = f64([2.5])
    assert x.lgamma().item() == pytest.approx(math.lgamma(2.5))
    assert x.polygamma(1).item() == ember.polygamma(1, x).item()
    y = f64([2.5])
    y.digamma_()
    assert y.item() == ember.digamma(x).item()
    with pytest.raises(RuntimeError, match="does not support negative n"):
        ember.polygamma(-1, x)
    with pytest.raises(TypeError, match="argument 'n' must be int"):
        ember.polygamma(1.5, x)
    with pytest.raises(TypeError, match="must be Tensor"):
        ember.polygamma(1, [1.0])
