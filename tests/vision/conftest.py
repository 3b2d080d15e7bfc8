"""Shared fixtures: scikit-learn's two bundled JPEG photos and synthetic images of every mode."""

import os

import numpy as np
import pytest
from PIL import Image

import ember

PHOTOS = ("china.jpg", "flower.jpg")


def photo_path(name: str) -> str:
    import sklearn.datasets as sklearn_datasets  # the vision env installs scikit-learn
    return os.path.join(os.path.dirname(sklearn_datasets.__file__), "images", name)


@pytest.fixture(params=PHOTOS)
def photo(request) -> Image.Image:
    with Image.open(photo_path(request.param)) as img:
        return img.convert("RGB")


@pytest.fixture
def china() -> Image.Image:
    with Image.open(photo_path("china.jpg")) as img:
        return img.convert("RGB")


@pytest.fixture(autouse=True)
def _seed():
    ember.manual_seed(0)


def synthetic(mode: str, size=(13, 9)) -> Image.Image:
    """A deterministic image of ``mode`` with values spanning the mode's range."""
    w, h = size
    rng = np.random.default_rng(abs(hash(mode)) % 2**32)
    if mode in ("I;16",):
        return Image.fromarray(rng.integers(0, 65536, (h, w), dtype=np.uint16))  # infers I;16
    if mode == "I":
        return Image.fromarray(rng.integers(-2**31, 2**31 - 1, (h, w), dtype=np.int32), mode="I")
    if mode == "F":
        return Image.fromarray(rng.standard_normal((h, w)).astype(np.float32), mode="F")
    if mode == "1":
        return Image.fromarray(rng.integers(0, 2, (h, w), dtype=np.uint8) * 255, mode="L").convert("1")
    if mode == "P":
        img = Image.fromarray(rng.integers(0, 16, (h, w), dtype=np.uint8), mode="L").convert("P")
        img.putpalette(list(rng.integers(0, 256, 16 * 3, dtype=np.uint8)))
        return img
    bands = len(Image.new(mode, (1, 1)).getbands())
    arr = rng.integers(0, 256, (h, w, bands), dtype=np.uint8)
    return Image.fromarray(arr[:, :, 0] if bands == 1 else arr, mode=mode)
