"""Synthetic images of every PIL mode through the conversions and the geometric transforms."""

import numpy as np
import pytest
from conftest import synthetic
from PIL import Image

import ember
import ember.vision.transforms as T
import ember.vision.transforms.functional as F

MODES = ["L", "LA", "RGB", "RGBA", "P", "CMYK", "I;16", "I", "F", "1"]
CHANNELS = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "P": 1, "CMYK": 4, "I;16": 1, "I": 1, "F": 1, "1": 1}


@pytest.mark.parametrize("mode", MODES)
def test_to_tensor_every_mode(mode):
    img = synthetic(mode)
    t = F.to_tensor(img)
    assert tuple(t.shape) == (CHANNELS[mode], 9, 13)
    raw = np.asarray(img)
    if mode in ("I;16", "I"):
        assert t.dtype == ember.int32
        np.testing.assert_array_equal(t.numpy()[0], raw.astype(np.int64))
    elif mode == "F":
        assert t.dtype == ember.float32
        np.testing.assert_array_equal(t.numpy()[0], raw)
    elif mode == "1":
        np.testing.assert_array_equal(t.numpy()[0], raw.astype(np.float32))
    else:
        assert t.dtype == ember.float32
        expect = raw.reshape(9, 13, -1).transpose(2, 0, 1).astype(np.float32) / 255
        np.testing.assert_array_equal(t.numpy(), expect)


def test_16_bit_images_keep_their_range():
    img = Image.fromarray(np.array([[0, 1, 40000, 65535]], dtype=np.uint16))
    assert F.to_tensor(img).numpy().ravel().tolist() == [0, 1, 40000, 65535]
    assert F.pil_to_tensor(img).numpy().ravel().tolist() == [0, 1, 40000, 65535]
    resized = F.resize(img, [1, 8], T.InterpolationMode.NEAREST)
    assert resized.mode == "I;16" and max(np.asarray(resized).ravel()) == 65535


@pytest.mark.parametrize("mode", MODES)
def test_pil_to_tensor_every_mode(mode):
    img = synthetic(mode)
    t = F.pil_to_tensor(img)
    assert tuple(t.shape) == (CHANNELS[mode], 9, 13)
    if mode == "1":
        assert t.dtype == ember.bool
    raw = np.asarray(img).reshape(9, 13, -1).transpose(2, 0, 1)
    np.testing.assert_array_equal(t.numpy(), raw.astype(t.numpy().dtype))


@pytest.mark.parametrize("mode", ["L", "LA", "RGB", "RGBA", "P", "CMYK", "I;16", "I", "F"])
@pytest.mark.parametrize("transform", [
    T.Resize((5, 7), interpolation=T.InterpolationMode.NEAREST), T.CenterCrop(5), T.RandomCrop(4, padding=2),
    T.RandomHorizontalFlip(1.0), T.RandomVerticalFlip(1.0), T.Pad(2, padding_mode="reflect"), T.Pad(1),
    T.RandomRotation(45), T.RandomAffine(15, translate=(0.1, 0.1)), T.RandomPerspective(p=1.0),
], ids=lambda t: repr(t).split("(")[0])
def test_geometric_transforms_keep_the_mode(mode, transform):
    img = synthetic(mode)
    out = transform(img)
    assert out.mode == mode
    if mode == "P":
        assert out.getpalette() == img.getpalette()


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_color_transforms_on_l_and_rgb(mode):
    img = synthetic(mode, size=(32, 24))
    for t in (T.ColorJitter(0.5, 0.5, 0.5, 0.2), T.GaussianBlur(3), T.AutoAugment(), T.RandAugment(),
              T.TrivialAugmentWide(), T.RandomEqualize(1.0), T.RandomAdjustSharpness(3, 1.0)):
        assert t(img).mode == mode


@pytest.mark.parametrize("channels,dtype,mode", [(1, np.uint8, "L"), (2, np.uint8, "LA"), (3, np.uint8, "RGB"),
                                                 (4, np.uint8, "RGBA"), (1, np.int32, "I"), (1, np.float32, "F"),
                                                 (1, np.int16, "I;16")])
def test_to_pil_image_picks_the_mode(channels, dtype, mode):
    arr = np.ones((channels, 3, 4), dtype=dtype)
    img = F.to_pil_image(ember.from_numpy(arr), mode="F" if mode == "F" else None)
    assert img.mode == mode and img.size == (4, 3)


def test_to_pil_image_errors():
    with pytest.raises(ValueError, match="pic should not have > 4 channels. Got 5 channels."):
        F.to_pil_image(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(ValueError, match=r"Incorrect mode \(RGB\) supplied for input type uint8. Should be L"):
        F.to_pil_image(np.zeros((2, 2), np.uint8), mode="RGB")
    with pytest.raises(TypeError, match="pic should be Tensor or ndarray"):
        F.to_pil_image([1, 2])
    with pytest.raises(ValueError, match=r"Only modes \['RGBA', 'CMYK', 'RGBX'\] are supported for 4D inputs"):
        F.to_pil_image(np.zeros((2, 2, 4), np.uint8), mode="RGB")


def test_to_tensor_from_numpy_and_errors():
    arr = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    np.testing.assert_allclose(F.to_tensor(arr).numpy(), arr.transpose(2, 0, 1) / 255, rtol=1e-6)
    floats = np.ones((2, 2), np.float64)
    assert F.to_tensor(floats).dtype == ember.float64
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        F.to_tensor([1, 2, 3])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 1 dimensions."):
        F.to_tensor(np.zeros(3))
