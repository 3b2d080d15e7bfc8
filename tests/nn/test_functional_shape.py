"""pad, interpolate, one_hot, pixel_shuffle, normalize and the padding/upsampling layers."""

import numpy as np
import pytest

import ember
import ember.nn as nn
import ember.nn.functional as F
from ember.autograd import gradcheck

rng = np.random.default_rng(7)


@pytest.mark.parametrize(("mode", "np_mode"), [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")])
def test_pad_modes_against_numpy(mode, np_mode):
    x = rng.standard_normal((2, 3, 4, 5))
    out = F.pad(ember.tensor(x), (1, 2, 3, 0), mode=mode)
    np.testing.assert_array_equal(out.numpy(), np.pad(x, ((0, 0), (0, 0), (3, 0), (1, 2)), mode=np_mode))
    assert gradcheck(lambda t: F.pad(t, (1, 2, 2, 1), mode=mode), (ember.tensor(x[:1, :1], requires_grad=True),))


def test_pad_constant_and_negative():
    x = rng.standard_normal((2, 3))
    out = F.pad(ember.tensor(x), (1, 1, 0, 2), value=7.0)
    np.testing.assert_array_equal(out.numpy(), np.pad(x, ((0, 2), (1, 1)), constant_values=7.0))
    np.testing.assert_array_equal(F.pad(ember.tensor(x), (-1, 1)).numpy(), np.pad(x[:, 1:], ((0, 0), (0, 1))))
    assert gradcheck(lambda t: F.pad(t, (2, -1, 1, 1)), (ember.tensor(x, requires_grad=True),))


def test_pad_errors():
    with pytest.raises(RuntimeError, match="Padding length must be divisible by 2"):
        F.pad(ember.ones(2, 2), (1,))
    with pytest.raises(RuntimeError, match="Padding size should be less than the corresponding input dimension"):
        F.pad(ember.ones(1, 1, 3), (3, 0), mode="reflect")
    with pytest.raises(NotImplementedError, match="Only 2D, 3D, 4D, 5D padding with non-constant padding"):
        F.pad(ember.ones(3), (1, 1), mode="reflect")


def test_padding_layers():
    x = ember.ones(1, 1, 2, 2)
    assert nn.ZeroPad2d(1)(x).shape == (1, 1, 4, 4)
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    assert repr(nn.ReflectionPad2d((1, 2, 3, 4))) == "ReflectionPad2d((1, 2, 3, 4))"
    assert repr(nn.ConstantPad1d(2, 3.5)) == "ConstantPad1d(padding=(2, 2), value=3.5)"
    assert float(nn.ConstantPad2d(1, 2.0)(x).sum()) == 4 + 12 * 2.0
    assert nn.ReplicationPad1d((0, 3))(ember.ones(1, 2, 3)).shape == (1, 2, 6)


def test_interpolate_nearest_matches_index_rule():
    x = rng.standard_normal((1, 2, 3, 5))
    out = F.interpolate(ember.tensor(x), size=(7, 4)).numpy()
    rows = np.minimum(np.floor(np.arange(7, dtype=np.float32) * np.float32(3 / 7)).astype(int), 2)
    cols = np.minimum(np.floor(np.arange(4, dtype=np.float32) * np.float32(5 / 4)).astype(int), 4)
    np.testing.assert_array_equal(out, x[:, :, rows][:, :, :, cols])
    up = F.interpolate(ember.tensor(x), scale_factor=2).numpy()
    np.testing.assert_array_equal(up, x.repeat(2, axis=2).repeat(2, axis=3))
    exact = F.interpolate(ember.tensor(x), size=(3, 3), mode="nearest-exact").numpy()
    cols = np.minimum(np.floor((np.arange(3) + 0.5) * 5 / 3).astype(int), 4)
    np.testing.assert_array_equal(exact, x[:, :, :, cols])


def bilinear_ref(x, out_h, out_w, align_corners):
    def coords(n_in, n_out):
        if align_corners:
            src = np.arange(n_out) * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0)
        else:
            src = np.maximum((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0)
        i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0

    h0, h1, lh = coords(x.shape[2], out_h)
    w0, w1, lw = coords(x.shape[3], out_w)
    rows = x[:, :, h0] * (1 - lh)[:, None] + x[:, :, h1] * lh[:, None]
    return rows[:, :, :, w0] * (1 - lw) + rows[:, :, :, w1] * lw


@pytest.mark.parametrize("align_corners", [False, True])
def test_interpolate_bilinear(align_corners):
    x = rng.standard_normal((2, 3, 4, 5))
    out = F.interpolate(ember.tensor(x), size=(7, 3), mode="bilinear", align_corners=align_corners)
    np.testing.assert_allclose(out.numpy(), bilinear_ref(x, 7, 3, align_corners), atol=1e-12)
    assert gradcheck(lambda t: F.interpolate(t, scale_factor=1.5, mode="bilinear", align_corners=align_corners),
                     (ember.tensor(x[:1, :1], requires_grad=True),))


def test_interpolate_linear_area_and_errors():
    x = rng.standard_normal((1, 2, 6))
    lin = F.interpolate(ember.tensor(x), size=9, mode="linear", align_corners=True).numpy()
    np.testing.assert_allclose(lin, bilinear_ref(x[:, :, None], 1, 9, True)[:, :, 0], atol=1e-12)
    area = F.interpolate(ember.tensor(rng.standard_normal((1, 1, 4, 4))), size=(2, 2), mode="area")
    assert area.shape == (1, 1, 2, 2)
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(ember.tensor(x), size=3, align_corners=True)
    with pytest.raises(ValueError, match="only one of size or scale_factor should be defined"):
        F.interpolate(ember.tensor(x), size=3, scale_factor=2)
    up = nn.Upsample(scale_factor=2, mode="bilinear")
    assert up(ember.ones(1, 1, 2, 2)).shape == (1, 1, 4, 4)
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"


def test_one_hot():
    out = F.one_hot(ember.tensor([[0, 2], [1, 0]]))
    assert out.dtype is ember.int64
    np.testing.assert_array_equal(out.numpy(), np.eye(3, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert F.one_hot(ember.tensor([1]), num_classes=5).shape == (1, 5)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes."):
        F.one_hot(ember.tensor([3]), 3)
    with pytest.raises(RuntimeError, match="Class values must be non-negative."):
        F.one_hot(ember.tensor([-1]))
    with pytest.raises(RuntimeError, match="one_hot is only applicable to index tensor of type LongTensor."):
        F.one_hot(ember.tensor([1.0]))


def test_pixel_shuffle_round_trip():
    x = rng.standard_normal((2, 8, 3, 3))
    up = F.pixel_shuffle(ember.tensor(x), 2)
    assert up.shape == (2, 2, 6, 6)
    np.testing.assert_array_equal(up.numpy()[0, 1, 2 * 1 + 1, 2 * 2 + 0], x[0, 1 * 4 + 1 * 2 + 0, 1, 2])
    np.testing.assert_array_equal(F.pixel_unshuffle(up, 2).numpy(), x)


def test_normalize_and_distances():
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(F.normalize(ember.tensor(x)).numpy(), x / np.linalg.norm(x, axis=1, keepdims=True))
    y = rng.standard_normal((3, 4))
    cos = (x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)
    np.testing.assert_allclose(F.cosine_similarity(ember.tensor(x), ember.tensor(y)).numpy(), cos)
    np.testing.assert_allclose(nn.PairwiseDistance()(ember.tensor(x), ember.tensor(y)).numpy(),
                               np.linalg.norm(x - y + 1e-6, axis=1))
