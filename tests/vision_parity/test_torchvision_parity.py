"""ember.vision against real torchvision on the two photos scikit-learn ships.

Runs in the tox env ``vision-parity`` (torch 2.14.1 + torchvision 0.29.1, test-only).
Pillow paths must agree exactly (the same Pillow calls); tensor paths within 1 grey level.
"""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import ember

torch = pytest.importorskip("torch")
tv = pytest.importorskip("torchvision")
sklearn_datasets = pytest.importorskip("sklearn.datasets")

import torchvision.transforms as TT  # noqa: E402
import torchvision.transforms.functional as TF  # noqa: E402

import ember.vision.transforms as ET  # noqa: E402
import ember.vision.transforms.functional as EF  # noqa: E402

PHOTOS = sorted((Path(sklearn_datasets.__file__).parent / "images").glob("*.jpg"))


@pytest.fixture(params=PHOTOS, ids=lambda p: p.name, scope="module")
def photo(request):
    with Image.open(request.param) as img:
        return img.convert("RGB").resize((320, 214))  # smaller: same code paths, faster tests


def as_array(x):
    if isinstance(x, Image.Image):
        return np.asarray(x)
    if isinstance(x, ember.Tensor):
        return x.numpy()
    return x.numpy()


def same(ours, theirs, tol=0):
    a, b = as_array(ours).astype(np.float64), as_array(theirs).astype(np.float64)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, atol=tol, rtol=0)


PIL_CASES = {
    "resize-bilinear": lambda F, I: F.resize(photo_, [150]),
    "resize-nearest-tuple": lambda F, I: F.resize(photo_, [100, 77], interpolation=I.NEAREST),
    "resize-bicubic-max": lambda F, I: F.resize(photo_, [120], interpolation=I.BICUBIC, max_size=150),
    "center_crop": lambda F, I: F.center_crop(photo_, [100, 150]),
    "crop-outside": lambda F, I: F.crop(photo_, -10, 250, 60, 100),
    "resized_crop": lambda F, I: F.resized_crop(photo_, 10, 20, 150, 200, [96, 96]),
    "pad-reflect": lambda F, I: F.pad(photo_, [5, 7, 3, 2], padding_mode="reflect"),
    "pad-edge": lambda F, I: F.pad(photo_, 4, padding_mode="edge"),
    "pad-fill": lambda F, I: F.pad(photo_, [2, 3], fill=(10, 20, 30)),
    "hflip": lambda F, I: F.hflip(photo_),
    "vflip": lambda F, I: F.vflip(photo_),
    "rotate": lambda F, I: F.rotate(photo_, 30.0, interpolation=I.BILINEAR),
    "rotate-expand": lambda F, I: F.rotate(photo_, -47.0, expand=True, fill=[9, 9, 9]),
    "affine": lambda F, I: F.affine(photo_, angle=15.0, translate=[10, 5], scale=1.2, shear=[5.0, 3.0]),
    "perspective": lambda F, I: F.perspective(photo_, [[0, 0], [319, 0], [319, 213], [0, 213]],
                                              [[10, 5], [300, 0], [319, 200], [5, 213]]),
    "brightness": lambda F, I: F.adjust_brightness(photo_, 1.4),
    "contrast": lambda F, I: F.adjust_contrast(photo_, 0.6),
    "saturation": lambda F, I: F.adjust_saturation(photo_, 1.7),
    "hue": lambda F, I: F.adjust_hue(photo_, 0.2),
    "gamma": lambda F, I: F.adjust_gamma(photo_, 0.8, 1.1),
    "sharpness": lambda F, I: F.adjust_sharpness(photo_, 2.0),
    "posterize": lambda F, I: F.posterize(photo_, 3),
    "solarize": lambda F, I: F.solarize(photo_, 100),
    "autocontrast": lambda F, I: F.autocontrast(photo_),
    "equalize": lambda F, I: F.equalize(photo_),
    "invert": lambda F, I: F.invert(photo_),
    "grayscale3": lambda F, I: F.to_grayscale(photo_, 3),
    "gaussian_blur": lambda F, I: F.gaussian_blur(photo_, [5, 7], [1.5, 2.0]),
}
photo_ = None
# torchvision blurs PIL images through a float tensor convolution: rounding may differ by one level
VIA_TENSORS = {"gaussian_blur"}


@pytest.mark.parametrize("case", list(PIL_CASES))
def test_pil_functional_matches(case, photo):
    global photo_
    photo_ = photo
    same(PIL_CASES[case](EF, EF.InterpolationMode), PIL_CASES[case](TF, TF.InterpolationMode),
         tol=1 if case in VIA_TENSORS else 0)


def test_to_tensor_normalize_match(photo):
    mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
    ours = ET.Compose([ET.ToTensor(), ET.Normalize(mean, std)])(photo)
    theirs = TT.Compose([TT.ToTensor(), TT.Normalize(mean, std)])(photo)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-6)


TENSOR_CASES = {
    "resize-antialias": lambda F, I, t: F.resize(t, [97, 131], antialias=True),
    "resize-no-antialias": lambda F, I, t: F.resize(t, [97, 131], antialias=False),
    "resize-nearest": lambda F, I, t: F.resize(t, [50, 60], interpolation=I.NEAREST),
    "rotate": lambda F, I, t: F.rotate(t, 33.0, interpolation=I.BILINEAR),
    "affine": lambda F, I, t: F.affine(t, angle=-12.0, translate=[4, -3], scale=0.9, shear=[2.0, 1.0]),
    "gaussian_blur": lambda F, I, t: F.gaussian_blur(t, [5, 5], [1.2, 1.2]),
    "hue": lambda F, I, t: F.adjust_hue(t, -0.15),
    "saturation": lambda F, I, t: F.adjust_saturation(t, 0.5),
    "equalize": lambda F, I, t: F.equalize(t),
    "grayscale": lambda F, I, t: F.rgb_to_grayscale(t, 1),
}


@pytest.mark.parametrize("case", list(TENSOR_CASES))
def test_tensor_functional_matches(case, photo):
    arr = np.ascontiguousarray(np.asarray(photo).transpose(2, 0, 1))
    ours = TENSOR_CASES[case](EF, EF.InterpolationMode, ember.from_numpy(arr.copy()))
    theirs = TENSOR_CASES[case](TF, TF.InterpolationMode, torch.from_numpy(arr.copy()))
    same(ours, theirs, tol=1)


def test_reprs_match():
    ours = ET.Compose([ET.RandomResizedCrop(224), ET.RandomHorizontalFlip(), ET.ColorJitter(0.4, 0.4, 0.4, 0.1),
                       ET.RandomRotation(10), ET.ToTensor(), ET.Normalize([0.5] * 3, [0.2] * 3),
                       ET.RandomErasing()])
    theirs = TT.Compose([TT.RandomResizedCrop(224), TT.RandomHorizontalFlip(), TT.ColorJitter(0.4, 0.4, 0.4, 0.1),
                         TT.RandomRotation(10), TT.ToTensor(), TT.Normalize([0.5] * 3, [0.2] * 3),
                         TT.RandomErasing()])
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("name", ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
                                  "efficientnet_b0", "densenet121", "squeezenet1_0", "squeezenet1_1",
                                  "resnext50_32x4d"])
def test_torchvision_weights_give_the_same_outputs(name, tmp_path):
    import ember.vision.models as EM
    torch.manual_seed(0)
    theirs = getattr(tv.models, name)(weights=None).eval()
    with torch.no_grad():  # non-trivial running statistics
        for m in theirs.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    path = tmp_path / f"{name}.pth"
    torch.save(theirs.state_dict(), path)
    ours = getattr(EM, name)()
    ours.load_state_dict(ember.load(path))
    ours.eval()
    x = np.random.default_rng(0).standard_normal((2, 3, 64, 64)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    with ember.no_grad():
        got = ours(ember.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-4)


def test_every_builder_has_torchvisions_names_shapes_and_weights():
    """State dict keys and shapes of every ember builder equal torchvision's, and the weights enums
    carry the same members, URLs and metadata numbers (the VGGs are built without their 100M-weight
    classifiers' initialisation to keep this quick)."""
    import ember.vision.models as EM
    for name in EM.list_models(exclude="lenet5"):
        ours = EM.get_model(name, **({"init_weights": False} if name.startswith("vgg") else {}))
        theirs = tv.models.get_model(name, **({"init_weights": False} if name.startswith("vgg") else {}))
        assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
               {k: tuple(v.shape) for k, v in theirs.state_dict().items()}, name
        our_enum, their_enum = EM.get_model_weights(name), tv.models.get_model_weights(name)
        assert our_enum.__name__ == their_enum.__name__
        assert [m.name for m in our_enum] == [m.name for m in their_enum], name
        assert our_enum.DEFAULT.name == their_enum.DEFAULT.name
        for ours_w, theirs_w in zip(our_enum, their_enum):
            assert ours_w.url == theirs_w.url
            for key in ("num_params", "min_size", "recipe"):
                assert ours_w.meta[key] == theirs_w.meta[key], (name, key)
            metrics = theirs_w.meta["_metrics"]["ImageNet-1K"]
            if not any(v != v for v in metrics.values()):  # VGG16's feature-only weights have NaN metrics
                assert ours_w.meta["_metrics"]["ImageNet-1K"] == metrics
            assert ours_w.transforms().crop_size == theirs_w.transforms().crop_size
            assert ours_w.transforms().resize_size == theirs_w.transforms().resize_size
