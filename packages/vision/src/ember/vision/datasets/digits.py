"""``Digits``: scikit-learn's bundled 8x8 handwritten digits (1,797 images), for examples and
tests that must run offline. Needs scikit-learn (``pip install ember-vision[digits]``)."""

from __future__ import annotations

import numpy as np
from PIL import Image

import ember
from ember.vision.datasets.vision import VisionDataset

TRAIN_SIZE = 1437  # the first 80 % train, the last 20 % test


class Digits(VisionDataset):
    """The UCI optical-recognition digits shipped with scikit-learn: 8x8 mode-L images, labels 0-9.

    Pixel values (0-16 in the source) are scaled to 0-255: ``round(v * 255 / 16)``. The first
    1,437 images are the training set and the remaining 360 the test set.

    Args:
        root (optional): unused (the data ships with scikit-learn); kept for a uniform signature.
        train (bool): the training set, else the test set.
        transform, target_transform (callable, optional): applied to the PIL image / label.

    Attributes:
        data (uint8 Tensor, N x 8 x 8), targets (int64 Tensor, N), classes (list of str).
    """

    classes = [str(d) for d in range(10)]

    def __init__(self, root=None, train: bool = True, transform=None, target_transform=None) -> None:
        super().__init__(root, transform=transform, target_transform=target_transform)
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise ImportError("Digits needs scikit-learn, which ships the data: pip install scikit-learn "
                              "(or ember-vision[digits])") from None
        bunch = load_digits()
        images = np.round(bunch.images * (255.0 / 16.0)).astype(np.uint8)
        labels = bunch.target.astype(np.int64)
        part = slice(0, TRAIN_SIZE) if train else slice(TRAIN_SIZE, None)
        self.train = train
        self._images = np.ascontiguousarray(images[part])
        self._labels = np.ascontiguousarray(labels[part])
        self.data = ember.from_numpy(self._images)
        self.targets = ember.from_numpy(self._labels)

    def __getitem__(self, index: int):
        img = Image.fromarray(self._images[index], mode="L")
        target = int(self._labels[index])
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self._images)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"
