"""Pooling: values and indices against NumPy loops, gradients, options, errors, modules."""

import nn_refs as ref
import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck, gradgradcheck

rng = np.random.default_rng(1)


def distinct(*shape):
    """Values without ties, so max-pool gradients are well defined for finite differences."""
    return rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64) / 7.0


def t64(arr, requires_grad=True):
    return ember.tensor(arr, dtype=ember.float64, requires_grad=requires_grad)


@pytest.mark.parametrize(("k", "s", "p", "d", "ceil"), [
    ((2, 2), (2, 2), (0, 0), (1, 1), False), ((3, 2), (1, 2), (1, 1), (1, 1), True),
    ((3, 3), (2, 2), (1, 0), (2, 1), False), ((2, 3), (3, 2), (1, 1), (1, 2), True)])
def test_max_pool2d_values_indices_and_grad(k, s, p, d, ceil):
    x = distinct(2, 3, 9, 8)
    out, idx = F.max_pool2d(ember.tensor(x), k, s, p, d, ceil_mode=ceil, return_indices=True)
    exp_out, exp_idx = ref.max_pool2d(x, k, s, p, d, ceil)
    np.testing.assert_array_equal(out.numpy(), exp_out)
    np.testing.assert_array_equal(idx.numpy(), exp_idx)
    assert idx.dtype is ember.int64
    assert gradcheck(lambda t: F.max_pool2d(t, k, s, p, d, ceil_mode=ceil), (t64(distinct(1, 2, 7, 6)),))


def _scan_max_pool2x2(x):
    """2x2 stride-2 max pool scanning each window as PyTorch does: a later value wins if greater, or if NaN."""
    n, c, h, w = x.shape
    out = np.empty((n, c, h // 2, w // 2), dtype=x.dtype)
    idx = np.empty(out.shape, dtype=np.int64)
    for p in np.ndindex(out.shape):
        best, at = -np.inf, -1
        for i in range(2):
            for j in range(2):
                y, z = 2 * p[2] + i, 2 * p[3] + j
                v = x[p[0], p[1], y, z]
                if at < 0 or v > best or np.isnan(v):
                    best, at = v, y * w + z
        out[p], idx[p] = best, at
    return out, idx


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize("size", [(6, 8), (7, 9), (2, 3)])
def test_max_pool2d_2x2_values_indices_nans_and_ties(dtype, size):
    x = rng.integers(-3, 4, (2, 3) + size).astype(np.float64)    # many ties: the first maximum is kept
    x[0, 0].flat[rng.choice(x[0, 0].size, 3, replace=False)] = np.nan    # NaNs win, the last one in the scan
    x[1, 2, :2, :2] = np.nan
    x[1, 1, 0, 1] = -np.inf
    out, idx = F.max_pool2d(ember.tensor(x, dtype=dtype), 2, return_indices=True)
    exp_out, exp_idx = _scan_max_pool2x2(x)
    np.testing.assert_array_equal(out.numpy(), exp_out.astype(out.numpy().dtype))
    np.testing.assert_array_equal(idx.numpy(), exp_idx)
    assert out.dtype is dtype
    xt = ember.tensor(distinct(2, 3, *size), dtype=dtype, requires_grad=True)
    out = F.max_pool2d(xt, 2)
    g = rng.standard_normal(tuple(out.shape))
    out.backward(ember.tensor(g, dtype=dtype))
    _, idx = _scan_max_pool2x2(xt.detach().numpy().astype(np.float64))
    expected = np.zeros((2, 3, size[0] * size[1]))
    np.put_along_axis(expected, idx.reshape(2, 3, -1), g.reshape(2, 3, -1), axis=2)
    np.testing.assert_allclose(xt.grad.numpy(), expected.reshape(xt.shape), rtol=1e-6)


def test_max_pool_double_backward_and_grad_fn():
    x = t64(distinct(1, 2, 6, 6))
    out = F.max_pool2d(x, 2)
    assert type(out.grad_fn).__name__ == "MaxPool2DWithIndicesBackward0"
    assert gradgradcheck(lambda t: F.max_pool2d(t, 3, 2, 1), (x,))


def test_max_pool_nan_propagates_and_stride_default():
    x = ember.tensor([[[[1.0, float("nan"), 2.0, 3.0]]]])
    out = F.max_pool2d(x, (1, 2))
    assert np.isnan(out.numpy()[0, 0, 0, 0]) and out.numpy()[0, 0, 0, 1] == 3.0


def test_max_pool1d_and_unbatched():
    x = distinct(2, 3, 11)
    out, idx = F.max_pool1d(ember.tensor(x), 3, 2, 1, return_indices=True)
    exp_out, exp_idx = ref.max_pool2d(x[:, :, None], (1, 3), (1, 2), (0, 1))
    np.testing.assert_array_equal(out.numpy(), exp_out[:, :, 0])
    np.testing.assert_array_equal(idx.numpy(), exp_idx[:, :, 0])
    assert F.max_pool2d(ember.tensor(distinct(3, 6, 6)), 2).shape == (3, 3, 3)
    assert gradcheck(lambda t: F.max_pool1d(t, 2), (t64(distinct(1, 2, 6)),))


@pytest.mark.parametrize(("k", "s", "p", "ceil", "include", "divisor"), [
    ((2, 2), (2, 2), (0, 0), False, True, None), ((3, 3), (2, 2), (1, 1), True, False, None),
    ((3, 2), (1, 2), (1, 1), False, True, None), ((2, 2), (1, 1), (1, 0), True, True, 3)])
def test_avg_pool2d_values_and_grad(k, s, p, ceil, include, divisor):
    x = rng.standard_normal((2, 3, 7, 6))
    out = F.avg_pool2d(ember.tensor(x), k, s, p, ceil, include, divisor)
    np.testing.assert_allclose(out.numpy(), ref.avg_pool2d(x, k, s, p, ceil, include, divisor), atol=1e-12)
    assert gradcheck(lambda t: F.avg_pool2d(t, k, s, p, ceil, include, divisor),
                     (t64(rng.standard_normal((1, 2, 5, 6))),))
    assert gradgradcheck(lambda t: F.avg_pool2d(t, k, s, p, ceil, include, divisor),
                         (t64(rng.standard_normal((1, 1, 5, 5))),))


def test_avg_pool1d():
    x = rng.standard_normal((2, 3, 9))
    out = F.avg_pool1d(ember.tensor(x), 3, 2, 1, count_include_pad=False)
    expected = ref.avg_pool2d(x[:, :, None], (1, 3), (1, 2), (0, 1), False, False)[:, :, 0]
    np.testing.assert_allclose(out.numpy(), expected)
    assert gradcheck(lambda t: F.avg_pool1d(t, 2), (t64(rng.standard_normal((1, 2, 6))),))


@pytest.mark.parametrize("out_size", [(1, 1), (3, 2), (5, 7), (4, 4)])
def test_adaptive_pools(out_size):
    x = distinct(2, 3, 5, 7)
    avg = F.adaptive_avg_pool2d(ember.tensor(x), out_size)
    np.testing.assert_allclose(avg.numpy(), ref.adaptive_pool2d(x, out_size, np.mean), atol=1e-12)
    mx, idx = F.adaptive_max_pool2d(ember.tensor(x), out_size, return_indices=True)
    np.testing.assert_array_equal(mx.numpy(), ref.adaptive_pool2d(x, out_size, np.max))
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(2, 3, -1), idx.numpy().reshape(2, 3, -1), 2),
                                  mx.numpy().reshape(2, 3, -1))
    small = distinct(1, 2, 5, 7)
    assert gradcheck(lambda t: F.adaptive_avg_pool2d(t, out_size), (t64(small),))
    assert gradcheck(lambda t: F.adaptive_max_pool2d(t, out_size), (t64(small),))
    assert gradgradcheck(lambda t: F.adaptive_avg_pool2d(t, out_size), (t64(small),))


def test_adaptive_none_and_1d():
    x = rng.standard_normal((1, 2, 6, 4))
    assert F.adaptive_avg_pool2d(ember.tensor(x), (None, 2)).shape == (1, 2, 6, 2)
    assert F.adaptive_avg_pool2d(ember.tensor(x), 3).shape == (1, 2, 3, 3)
    x1 = rng.standard_normal((2, 3, 10))
    np.testing.assert_allclose(F.adaptive_avg_pool1d(ember.tensor(x1), 4).numpy(),
                               ref.adaptive_pool2d(x1[:, :, None], (1, 4), np.mean)[:, :, 0])
    np.testing.assert_allclose(F.adaptive_max_pool1d(ember.tensor(x1), 3).numpy(),
                               ref.adaptive_pool2d(x1[:, :, None], (1, 3), np.max)[:, :, 0])


def test_lp_pool():
    x = np.abs(rng.standard_normal((1, 2, 6, 6))) + 0.1
    out = F.lp_pool2d(ember.tensor(x), 2, 2)
    np.testing.assert_allclose(out.numpy(), np.sqrt(ref.avg_pool2d(x ** 2, (2, 2), (2, 2), (0, 0)) * 4), rtol=1e-12)


def test_pool_errors():
    with pytest.raises(RuntimeError, match="pad should be at most half of effective kernel size, but got pad=2, "
                                           "kernel_size=3 and dilation=1"):
        F.max_pool2d(ember.ones(1, 1, 8, 8), 3, padding=2)
    with pytest.raises(RuntimeError, match=r"Given input size: \(1x2x2\). Calculated output size: \(1x0x0\). "
                                           r"Output size is too small"):
        F.max_pool2d(ember.ones(1, 1, 2, 2), 3)
    with pytest.raises(RuntimeError, match="divisor must be not zero"):
        F.avg_pool2d(ember.ones(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(RuntimeError, match="\"max_pool2d\" not implemented for 'Long'"):
        F.max_pool2d(ember.ones(1, 1, 4, 4, dtype=ember.int64), 2)


def test_pool_modules_and_reprs():
    x = ember.randn(2, 3, 8, 8)
    assert nn.MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    assert idx.shape == (2, 3, 4, 4)
    assert nn.AvgPool2d(3, 1, 1)(x).shape == (2, 3, 8, 8)
    assert nn.AdaptiveAvgPool2d((5, 7))(x).shape == (2, 3, 5, 7)
    assert repr(nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.MaxPool2d((2, 3), 1, 1)) == ("MaxPool2d(kernel_size=(2, 3), stride=1, padding=1, dilation=1, "
                                                "ceil_mode=False)")
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d((None, 3))) == "AdaptiveAvgPool2d(output_size=(None, 3))"
    assert repr(nn.AdaptiveMaxPool2d(2)) == "AdaptiveMaxPool2d(output_size=2)"
