"""Transforms on real photos give the pixels of the Pillow calls torchvision makes for them."""

import math

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageOps

import ember
import ember.vision.transforms as T
import ember.vision.transforms.functional as F


def same(a: Image.Image, b: Image.Image, tol: int = 0):
    assert a.mode == b.mode and a.size == b.size
    diff = np.abs(np.asarray(a, dtype=np.int64) - np.asarray(b, dtype=np.int64))
    assert diff.max() <= tol


def test_resize_int_keeps_aspect_ratio_like_torchvision(photo):
    w, h = photo.size
    out = F.resize(photo, 100)
    short, long = (w, h) if w <= h else (h, w)
    new_long = int(100 * long / short)
    expect = (100, new_long) if w <= h else (new_long, 100)
    same(out, photo.resize(expect, Image.BILINEAR))


@pytest.mark.parametrize("mode,pil", [(T.InterpolationMode.NEAREST, Image.NEAREST),
                                      (T.InterpolationMode.BICUBIC, Image.BICUBIC),
                                      (T.InterpolationMode.LANCZOS, Image.LANCZOS),
                                      (T.InterpolationMode.BOX, Image.BOX),
                                      (T.InterpolationMode.HAMMING, Image.HAMMING)])
def test_resize_tuple_every_filter(photo, mode, pil):
    same(T.Resize((50, 70), interpolation=mode)(photo), photo.resize((70, 50), pil))


def test_resize_accepts_pil_int_constants(photo):
    same(F.resize(photo, [40, 60], interpolation=Image.BICUBIC), photo.resize((60, 40), Image.BICUBIC))


def test_resize_max_size(china):
    out = F.resize(china, 200, max_size=250)  # 640x427: long edge would be 299 > 250
    assert out.size == (250, int(250 * 200 / 299))
    assert F.resize(china, None, max_size=100).size == (100, int(100 * 427 / 640))
    with pytest.raises(ValueError, match="max_size = 100 must be strictly greater"):
        F.resize(china, 100, max_size=100)
    with pytest.raises(ValueError, match="max_size should only be passed"):
        F.resize(china, [10, 20], max_size=30)


def test_resize_same_size_returns_input(china):
    assert F.resize(china, [427, 640]) is china


def test_center_crop_matches_pil_crop(photo):
    w, h = photo.size
    top, left = int(round((h - 100) / 2.0)), int(round((w - 120) / 2.0))
    same(T.CenterCrop((100, 120))(photo), photo.crop((left, top, left + 120, top + 100)))


def test_center_crop_larger_than_image_pads_with_zeros():
    img = Image.new("RGB", (4, 3), (200, 100, 50))
    out = np.asarray(F.center_crop(img, (5, 8)))
    assert out.shape == (5, 8, 3)
    assert (out[1:4, 2:6] == [200, 100, 50]).all() and out[0].sum() == 0 and out[:, :2].sum() == 0


def test_five_and_ten_crop(china):
    crops = F.five_crop(china, 100)
    w, h = china.size
    boxes = [(0, 0), (w - 100, 0), (0, h - 100), (w - 100, h - 100)]
    for crop, (x, y) in zip(crops[:4], boxes):
        same(crop, china.crop((x, y, x + 100, y + 100)))
    same(crops[4], F.center_crop(china, 100))
    ten = T.TenCrop(100)(china)
    assert len(ten) == 10
    same(ten[5], china.transpose(Image.FLIP_LEFT_RIGHT).crop((0, 0, 100, 100)))
    with pytest.raises(ValueError, match=r"Requested crop size \(500, 500\) is bigger than input size \(427, 640\)"):
        F.five_crop(china, 500)


@pytest.mark.parametrize("padding_mode", ["edge", "reflect", "symmetric"])
def test_pad_modes_match_numpy(photo, padding_mode):
    out = F.pad(photo, [1, 2, 3, 4], padding_mode=padding_mode)
    expect = np.pad(np.asarray(photo), ((2, 4), (1, 3), (0, 0)), padding_mode)
    np.testing.assert_array_equal(np.asarray(out), expect)


def test_pad_constant_fill_matches_imageops(photo):
    same(T.Pad((3, 5), fill=(10, 20, 30))(photo), ImageOps.expand(photo, border=(3, 5, 3, 5), fill=(10, 20, 30)))
    same(F.pad(photo, 2, fill=7), ImageOps.expand(photo, border=2, fill=(7, 7, 7)))


def test_pad_keeps_palette():
    img = Image.new("P", (4, 4), 3)
    img.putpalette([0, 0, 0, 10, 10, 10, 20, 20, 20, 30, 40, 50] + [0] * 756)
    out = F.pad(img, 1, padding_mode="edge")
    assert out.mode == "P" and out.getpalette()[9:12] == [30, 40, 50]
    assert np.asarray(out).tolist()[0][0] == 3


def test_flips(photo):
    same(F.hflip(photo), photo.transpose(Image.FLIP_LEFT_RIGHT))
    same(F.vflip(photo), photo.transpose(Image.FLIP_TOP_BOTTOM))
    same(T.RandomHorizontalFlip(p=1.0)(photo), photo.transpose(Image.FLIP_LEFT_RIGHT))
    assert T.RandomVerticalFlip(p=0.0)(photo) is photo


def test_rotate_calls_pil_rotate(photo):
    same(F.rotate(photo, 30.0), photo.rotate(30.0, Image.NEAREST, False, None, fillcolor=(0, 0, 0)))
    same(F.rotate(photo, -12.5, T.InterpolationMode.BILINEAR, expand=True, center=[10, 20], fill=[1, 2, 3]),
         photo.rotate(-12.5, Image.BILINEAR, True, [10, 20], fillcolor=(1, 2, 3)))


def test_affine_inverse_matrix_by_hand(photo):
    # a pure translation by (tx, ty): the inverse map is x - tx, y - ty
    out = F.affine(photo, 0.0, [7, -4], 1.0, [0.0, 0.0])
    same(out, photo.transform(photo.size, Image.AFFINE, (1, 0, -7, 0, 1, 4), Image.NEAREST, fillcolor=(0, 0, 0)))
    # rotation by a about the centre, scale s: inverse is R(-a)/s around the centre
    w, h = photo.size
    a, s = math.radians(30.0), 1.25
    cx, cy = w * 0.5, h * 0.5
    m = [math.cos(a) / s, math.sin(a) / s, 0.0, -math.sin(a) / s, math.cos(a) / s, 0.0]
    m[2] = cx - m[0] * cx - m[1] * cy
    m[5] = cy - m[3] * cx - m[4] * cy
    out = F.affine(photo, 30.0, [0, 0], s, 0.0, T.InterpolationMode.BILINEAR)
    same(out, photo.transform(photo.size, Image.AFFINE, m, Image.BILINEAR, fillcolor=(0, 0, 0)), tol=1)


def test_perspective_identity_and_shift(china):
    corners = [[0, 0], [639, 0], [639, 426], [0, 426]]
    same(F.perspective(china, corners, corners), china, tol=1)  # bilinear, coefficients ~1e-15 off
    shifted = [[x + 5, y + 3] for x, y in corners]
    out = F.perspective(china, corners, shifted, T.InterpolationMode.NEAREST)
    np.testing.assert_array_equal(np.asarray(out)[3:, 5:], np.asarray(china)[:-3, :-5])


@pytest.mark.parametrize("factor", [0.0, 0.5, 1.7])
def test_color_adjustments_use_imageenhance(photo, factor):
    same(F.adjust_brightness(photo, factor), ImageEnhance.Brightness(photo).enhance(factor))
    same(F.adjust_contrast(photo, factor), ImageEnhance.Contrast(photo).enhance(factor))
    same(F.adjust_saturation(photo, factor), ImageEnhance.Color(photo).enhance(factor))
    same(F.adjust_sharpness(photo, factor), ImageEnhance.Sharpness(photo).enhance(factor))


def test_adjust_hue_by_hand(china):
    h, s, v = china.convert("HSV").split()
    shifted = (np.asarray(h).astype(np.int64) + int(0.25 * 255)) % 256
    expect = Image.merge("HSV", (Image.fromarray(shifted.astype(np.uint8), "L"), s, v)).convert("RGB")
    same(F.adjust_hue(china, 0.25), expect)
    assert F.adjust_hue(china.convert("L"), 0.3).tobytes() == china.convert("L").tobytes()
    with pytest.raises(ValueError, match=r"hue_factor \(0.6\) is not in \[-0.5, 0.5\]."):
        F.adjust_hue(china, 0.6)


def test_adjust_gamma_by_hand(china):
    out = np.asarray(F.adjust_gamma(china, 2.2, gain=1.0)).astype(np.int64)
    src = np.asarray(china).astype(np.float64)
    expect = ((255 + 1 - 1e-3) * (src / 255.0) ** 2.2).astype(np.int64)
    np.testing.assert_array_equal(out, expect)


def test_grayscale(photo):
    same(T.Grayscale()(photo), photo.convert("L"))
    three = np.asarray(T.Grayscale(num_output_channels=3)(photo))
    assert three.shape[2] == 3 and (three == np.asarray(photo.convert("L"))[:, :, None]).all()
    assert T.RandomGrayscale(p=1.0)(photo).mode == "RGB"


def test_pixel_ops_use_imageops(photo):
    same(F.invert(photo), ImageOps.invert(photo))
    same(F.posterize(photo, 3), ImageOps.posterize(photo, 3))
    same(F.solarize(photo, 100), ImageOps.solarize(photo, 100))
    same(F.autocontrast(photo), ImageOps.autocontrast(photo))
    same(F.equalize(photo), ImageOps.equalize(photo))
    with pytest.raises(ValueError, match="between 0 and 8"):
        F.posterize(photo, 9)


def test_gaussian_blur_by_hand():
    img = Image.new("L", (9, 9), 0)
    img.putpixel((4, 4), 255)
    out = np.asarray(F.gaussian_blur(img, 3, 1.0)).astype(np.float64)
    k = np.exp(-0.5 * np.array([-1.0, 0.0, 1.0]) ** 2)
    k /= k.sum()
    np.testing.assert_allclose(out[3:6, 3:6], np.round(255 * np.outer(k, k)), atol=0)
    assert out.sum() == out[3:6, 3:6].sum()
    with pytest.raises(ValueError, match="kernel_size should have odd and positive integers"):
        F.gaussian_blur(img, 4)


def test_gaussian_blur_default_sigma_on_photo(china):
    out = F.gaussian_blur(china, [5, 3])
    assert out.size == china.size and out.mode == "RGB"
    assert not np.array_equal(np.asarray(out), np.asarray(china))


def test_to_tensor_divides_by_255(photo):
    t = T.ToTensor()(photo)
    assert t.dtype == ember.float32 and tuple(t.shape) == (3, photo.height, photo.width)
    expect = np.asarray(photo).transpose(2, 0, 1).astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(t.numpy(), expect)


def test_pil_to_tensor_and_back(photo):
    t = T.PILToTensor()(photo)
    assert t.dtype == ember.uint8
    np.testing.assert_array_equal(t.numpy(), np.asarray(photo).transpose(2, 0, 1))
    same(T.ToPILImage()(t), photo)


def test_to_pil_image_truncates_float_like_torchvision():
    t = ember.from_numpy(np.array([[[0.999, 0.5, 0.0039]]], dtype=np.float32))
    img = F.to_pil_image(t)
    assert img.mode == "L" and list(np.asarray(img)[0]) == [254, 127, 0]


def test_pipeline_on_photo_matches_pillow_numpy(china):
    pipeline = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                          T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])])
    out = pipeline(china).numpy()
    r = china.resize((int(256 * 640 / 427), 256), Image.BILINEAR)
    left, top = int(round((r.width - 224) / 2.0)), int(round((r.height - 224) / 2.0))
    arr = np.asarray(r.crop((left, top, left + 224, top + 224))).transpose(2, 0, 1).astype(np.float32) / 255
    mean = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
    std = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]
    np.testing.assert_allclose(out, (arr - mean) / std, rtol=0, atol=1e-6)
