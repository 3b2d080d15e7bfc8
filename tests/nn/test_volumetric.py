"""3-D conv, pooling and norm layers: gradients by finite differences, values against NumPy loops."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck


def t(shape, seed=0):
    return ember.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=True)


def test_conv3d_matches_a_numpy_loop():
    x, w = np.random.default_rng(0).standard_normal((1, 2, 4, 5, 3)), np.random.default_rng(1).standard_normal(
        (3, 2, 2, 3, 2))
    ref = np.zeros((1, 3, 3, 3, 2))
    for o in range(3):
        for d in range(3):
            for h in range(3):
                for k in range(2):
                    ref[0, o, d, h, k] = (x[0, :, d:d + 2, h:h + 3, k:k + 2] * w[o]).sum()
    np.testing.assert_allclose(F.conv3d(ember.tensor(x), ember.tensor(w)).numpy(), ref, rtol=1e-12)


def test_max_pool3d_matches_a_numpy_loop():
    x = np.random.default_rng(0).standard_normal((1, 1, 4, 4, 4))
    ref = x.reshape(1, 1, 2, 2, 2, 2, 2, 2).max(axis=(3, 5, 7))
    np.testing.assert_array_equal(F.max_pool3d(ember.tensor(x), 2).numpy(), ref)
    np.testing.assert_allclose(F.avg_pool3d(ember.tensor(x), 2).numpy(),
                               x.reshape(1, 1, 2, 2, 2, 2, 2, 2).mean(axis=(3, 5, 7)), rtol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda x, w: F.conv3d(x, w, stride=(2, 1, 1), padding=1, dilation=(1, 2, 1)),
    lambda x, w: F.conv_transpose3d(x, w.transpose(0, 1), stride=2, padding=1, output_padding=1),
], ids=["conv3d", "conv_transpose3d"])
def test_conv_gradients(fn):
    assert gradcheck(fn, (t((1, 2, 3, 4, 3)), t((2, 2, 2, 2, 2), 1)))


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool3d(x, 2, stride=1, padding=1),
    lambda x: F.avg_pool3d(x, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    lambda x: F.adaptive_avg_pool3d(x, (2, 3, 2)),
    lambda x: F.adaptive_max_pool3d(x, (2, 1, 3)),
    lambda x: F.interpolate(x, scale_factor=1.5, mode="trilinear"),
], ids=["max", "avg", "adaptive-avg", "adaptive-max", "trilinear"])
def test_pool_gradients(fn):
    assert gradcheck(fn, (t((1, 2, 3, 4, 5)),))


def test_batch_norm3d_normalises_each_channel():
    bn = nn.BatchNorm3d(3)
    y = bn(ember.randn(4, 3, 2, 3, 3) * 5 + 2)
    np.testing.assert_allclose(y.detach().numpy().mean(axis=(0, 2, 3, 4)), 0, atol=1e-5)
    with pytest.raises(ValueError, match="expected 5D input"):
        bn(ember.randn(4, 3, 2, 2))


def test_unbatched_input_keeps_its_shape():
    assert tuple(nn.Conv3d(2, 3, 2)(ember.randn(2, 4, 4, 4)).shape) == (3, 3, 3, 3)
    assert tuple(nn.MaxPool3d(2)(ember.randn(2, 4, 4, 4)).shape) == (2, 2, 2, 2)
    assert tuple(nn.AdaptiveAvgPool3d(1)(ember.randn(2, 4, 4, 4)).shape) == (2, 1, 1, 1)
