"""The tensor path: torchvision's tensor algorithms, checked by hand and against the PIL path."""

import numpy as np
import pytest
from PIL import Image

import ember
import ember.vision.transforms as T
import ember.vision.transforms.functional as F


def t(arr):
    return ember.from_numpy(np.ascontiguousarray(arr))


def test_normalize_by_hand():
    x = ember.rand(3, 4, 5)
    out = F.normalize(x, [0.1, 0.2, 0.3], [0.5, 0.25, 2.0]).numpy()
    m = np.array([0.1, 0.2, 0.3], np.float32)[:, None, None]
    s = np.array([0.5, 0.25, 2.0], np.float32)[:, None, None]
    np.testing.assert_allclose(out, (x.numpy() - m) / s, rtol=1e-6)
    batch = ember.rand(2, 3, 4, 5)
    np.testing.assert_allclose(T.Normalize([0.5] * 3, [0.5] * 3)(batch).numpy(), (batch.numpy() - 0.5) / 0.5)


def test_normalize_inplace_writes_the_input():
    x = ember.ones(3, 2, 2)
    assert F.normalize(x, [1, 1, 1], [1, 1, 1], inplace=True) is x
    assert x.numpy().sum() == 0


def test_normalize_channel_mismatch_is_a_clear_error():
    gray = ember.rand(1, 8, 8)
    with pytest.raises(ValueError, match=r"Normalize got an image with 1 channel\(s\) but mean has 3 values"):
        T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])(gray)
    with pytest.raises(ValueError, match="std has 2 values"):
        F.normalize(ember.rand(3, 2, 2), [0.5], [0.5, 0.5])


def test_normalize_errors():
    with pytest.raises(TypeError, match="Input tensor should be a float tensor. Got ember.uint8."):
        F.normalize(ember.zeros(3, 2, 2, dtype=ember.uint8), [0.5], [0.5])
    with pytest.raises(ValueError, match="std evaluated to zero"):
        F.normalize(ember.rand(3, 2, 2), [0.5], [0.0])
    with pytest.raises(ValueError, match=r"Expected tensor to be a tensor image of size \(..., C, H, W\)"):
        F.normalize(ember.rand(2, 2), [0.5], [0.5])
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        F.normalize(Image.new("L", (2, 2)), [0.5], [0.5])


def test_convert_image_dtype_by_hand():
    u8 = t(np.array([[[0, 1, 128, 255]]], np.uint8))
    np.testing.assert_allclose(F.convert_image_dtype(u8, ember.float32).numpy(), [[[0, 1 / 255, 128 / 255, 1]]],
                               rtol=1e-6)
    f = t(np.array([[[0.0, 0.5, 1.0]]], np.float32))
    assert F.convert_image_dtype(f, ember.uint8).numpy().tolist() == [[[0, 127, 255]]]
    assert F.convert_image_dtype(u8, ember.int16).numpy().tolist() == [[[0, 128, 16384, 32640]]]
    i16 = F.convert_image_dtype(u8, ember.int32).numpy()
    assert i16.tolist() == [[[0, 1 << 23, 128 << 23, 255 << 23]]]
    back = F.convert_image_dtype(t(np.array([[[0, 1 << 23, 255 << 23]]], np.int32)), ember.uint8)
    assert back.numpy().tolist() == [[[0, 1, 255]]]
    with pytest.raises(RuntimeError, match="The cast from ember.float32 to ember.int32 cannot be performed safely."):
        F.convert_image_dtype(f, ember.int32)


def test_flips_crop_pad_on_tensors_match_numpy():
    a = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    x = t(a)
    np.testing.assert_array_equal(F.hflip(x).numpy(), a[..., ::-1])
    np.testing.assert_array_equal(F.vflip(x).numpy(), a[..., ::-1, :])
    np.testing.assert_array_equal(F.crop(x, 1, 2, 2, 3).numpy(), a[..., 1:3, 2:5])
    out = F.crop(x, -1, 3, 3, 4).numpy()  # partly outside: zeros there
    assert out.shape == (2, 3, 3, 4) and (out[..., 0, :] == 0).all() and (out[..., 1:, 2:] == 0).all()
    np.testing.assert_array_equal(out[..., 1:, :2], a[..., 0:2, 3:5])
    np.testing.assert_array_equal(F.pad(x, [1, 2], padding_mode="reflect").numpy(),
                                  np.pad(a, ((0, 0), (0, 0), (2, 2), (1, 1)), "reflect"))
    np.testing.assert_array_equal(F.pad(x, 1, fill=7).numpy(),
                                  np.pad(a, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=7))
    np.testing.assert_array_equal(F.pad(x, [1, 0, 0, 0], padding_mode="edge").numpy()[..., 0], a[..., 0])
    np.testing.assert_array_equal(F.center_crop(x, 2).numpy(), a[..., 1:3, 2:4])


def test_tensor_resize_antialias_matches_pil_float(china):
    arr = np.asarray(china).transpose(2, 0, 1).astype(np.float32) / 255
    out = F.resize(t(arr), [100, 150]).numpy()
    expect = np.stack([np.asarray(Image.fromarray(c).resize((150, 100), Image.BILINEAR)) for c in arr])
    np.testing.assert_allclose(out, expect, atol=1e-5)
    out = F.resize(t(arr), [100, 150], T.InterpolationMode.BICUBIC).numpy()
    expect = np.stack([np.asarray(Image.fromarray(c).resize((150, 100), Image.BICUBIC)) for c in arr])
    np.testing.assert_allclose(out, expect, atol=1e-5)


def test_tensor_resize_uint8_within_one_of_pil(photo):
    u8 = F.pil_to_tensor(photo)
    out = F.resize(u8, [120, 90]).numpy().astype(int)
    expect = np.asarray(photo.resize((90, 120), Image.BILINEAR)).transpose(2, 0, 1).astype(int)
    assert np.abs(out - expect).max() <= 1 and out.dtype == int


def test_tensor_resize_without_antialias_by_hand():
    # 4 -> 2 bilinear, half-pixel centres: output i samples at 2i + 0.5 -> mean of pixels 2i, 2i+1
    x = t(np.array([[[0.0, 10.0, 20.0, 30.0]]], np.float32))
    assert F.resize(x, [1, 2], antialias=False).numpy().tolist() == [[[5.0, 25.0]]]
    # nearest 4 -> 2 takes floor(i * 2): pixels 0 and 2
    assert F.resize(x, [1, 2], T.InterpolationMode.NEAREST).numpy().tolist() == [[[0.0, 20.0]]]
    # nearest-exact takes floor((i + 0.5) * 2): pixels 1 and 3
    assert F.resize(x, [1, 2], T.InterpolationMode.NEAREST_EXACT).numpy().tolist() == [[[10.0, 30.0]]]
    # upsampling 2 -> 4 bilinear: sample positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped)
    y = t(np.array([[[0.0, 8.0]]], np.float32))
    assert F.resize(y, [1, 4], antialias=False).numpy().tolist() == [[[0.0, 2.0, 6.0, 8.0]]]
    with pytest.raises(ValueError, match="Tensors do not support interpolation mode 'lanczos'"):
        F.resize(x, [1, 3], T.InterpolationMode.LANCZOS)


def test_tensor_rotate_90_is_rot90():
    a = np.arange(3 * 5 * 5, dtype=np.float32).reshape(3, 5, 5)
    out = F.rotate(t(a), 90.0).numpy()
    np.testing.assert_array_equal(out, np.rot90(a, 1, axes=(1, 2)))
    wide = np.arange(2 * 4, dtype=np.float32).reshape(1, 2, 4)  # even sizes: odd ones land between pixels
    np.testing.assert_array_equal(F.rotate(t(wide), 90.0, expand=True).numpy(), np.rot90(wide, 1, axes=(1, 2)))


def test_tensor_affine_translation_and_fill():
    a = np.arange(1, 1 + 4 * 6, dtype=np.float32).reshape(1, 4, 6)
    out = F.affine(t(a), 0.0, [2, 1], 1.0, [0.0, 0.0], fill=[-1.0]).numpy()
    np.testing.assert_array_equal(out[:, 1:, 2:], a[:, :3, :4])
    assert (out[:, 0, :] == -1).all() and (out[:, :, :2] == -1).all()


def test_tensor_perspective_shift_matches_pil_path(china):
    corners = [[0, 0], [639, 0], [639, 426], [0, 426]]
    shifted = [[x + 5, y + 3] for x, y in corners]
    u8 = F.pil_to_tensor(china)
    out = F.perspective(u8, corners, shifted, T.InterpolationMode.NEAREST).numpy()
    np.testing.assert_array_equal(out[:, 3:, 5:], u8.numpy()[:, :-3, :-5])
    assert (out[:, :3, :] == 0).all()


@pytest.mark.parametrize("name,fn", [
    ("brightness", lambda x: F.adjust_brightness(x, 1.3)), ("contrast", lambda x: F.adjust_contrast(x, 0.6)),
    ("saturation", lambda x: F.adjust_saturation(x, 1.5)), ("gamma", lambda x: F.adjust_gamma(x, 0.8)),
    ("sharpness", lambda x: F.adjust_sharpness(x, 2.0)), ("blur", lambda x: F.gaussian_blur(x, 5, 1.5)),
    ("autocontrast", F.autocontrast), ("equalize", F.equalize), ("grayscale", F.rgb_to_grayscale),
    ("posterize", lambda x: F.posterize(x, 3)), ("solarize", lambda x: F.solarize(x, 128)), ("invert", F.invert),
])
def test_uint8_tensor_color_ops_within_one_of_pil(china, name, fn):
    pil = np.asarray(fn(china))
    pil = pil if pil.ndim == 3 else pil[:, :, None]
    ten = fn(F.pil_to_tensor(china)).numpy().transpose(1, 2, 0)
    assert np.abs(pil.astype(int) - ten.astype(int)).max() <= 1


def test_adjust_hue_tensor_round_trip_and_gray():
    x = ember.rand(3, 6, 6)
    np.testing.assert_allclose(F.adjust_hue(F.adjust_hue(x, 0.2), -0.2).numpy(), x.numpy(), atol=1e-5)
    red = t(np.array([1.0, 0.0, 0.0], np.float32).reshape(3, 1, 1))
    np.testing.assert_allclose(F.adjust_hue(red, 1 / 3).numpy().ravel(), [0.0, 1.0, 0.0], atol=1e-6)


def test_color_ops_check_channels():
    with pytest.raises(TypeError, match=r"Input image tensor permitted channel values are \[1, 3\], but found 4"):
        F.adjust_brightness(ember.rand(4, 2, 2), 1.2)
    with pytest.raises(TypeError, match="Only torch.uint8 image tensors are supported"):
        F.equalize(ember.rand(3, 2, 2))


def test_erase():
    x = ember.zeros(3, 4, 4)
    out = F.erase(x, 1, 1, 2, 2, 5.0)
    assert out.numpy()[:, 1:3, 1:3].sum() == 5 * 12 and x.numpy().sum() == 0
    F.erase(x, 0, 0, 1, 1, 1.0, inplace=True)
    assert x.numpy().sum() == 3
    with pytest.raises(TypeError, match="img should be Tensor Image"):
        T.RandomErasing(p=1.0)(Image.new("RGB", (4, 4)))


def test_random_erasing_fills_a_rectangle():
    x = ember.ones(3, 32, 32)
    out = T.RandomErasing(p=1.0, value=(0.0, 0.5, 2.0))(x).numpy()
    changed = out[0] == 0
    assert changed.any() and (out[1][changed] == 0.5).all() and (out[2][changed] == 2.0).all()
    rows, cols = np.nonzero(changed)
    assert changed[rows.min():rows.max() + 1, cols.min():cols.max() + 1].all()
    noisy = T.RandomErasing(p=1.0, value="random")(x).numpy()
    assert (noisy != 1).any()
    with pytest.raises(ValueError, match="either a single value or 3"):
        T.RandomErasing(p=1.0, value=(1.0, 2.0))(x)


def test_tensor_transforms_in_a_pipeline_keep_batch_dims():
    batch = ember.rand(2, 3, 40, 50)
    out = T.Compose([T.RandomResizedCrop(16), T.RandomHorizontalFlip(), T.ColorJitter(0.3, 0.3, 0.3, 0.05),
                     T.RandomRotation(10), T.Normalize([0.5] * 3, [0.2] * 3)])(batch)
    assert tuple(out.shape) == (2, 3, 16, 16) and out.dtype == ember.float32
