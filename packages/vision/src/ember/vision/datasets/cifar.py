"""``CIFAR10`` and ``CIFAR100``: 32x32 colour images from the standard Python batches.

The batches are pickles. They are read with an unpickler that only rebuilds NumPy arrays and
plain Python data, so a tampered file cannot run code.
"""

from __future__ import annotations

import os
import pickle

import numpy as np
from PIL import Image

from ember.vision.datasets.download import check_integrity, download_and_extract_archive
from ember.vision.datasets.vision import VisionDataset

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.numeric", "_frombuffer"), ("_codecs", "encode"),
}
# NumPy 2 renamed numpy.core to numpy._core; pickles name either
_CORE = "numpy._core" if int(np.__version__.split(".")[0]) >= 2 else "numpy.core"


class _BatchUnpickler(pickle.Unpickler):
    """Rebuilds NumPy arrays, dicts, lists, strings and numbers; refuses every other global."""

    def __init__(self, file, path: str) -> None:
        super().__init__(file, encoding="latin1")
        self.path = path

    def find_class(self, module: str, name: str):
        key = module.replace("numpy._core", "numpy.core", 1)
        if (key, name) in _ALLOWED:
            return super().find_class(key.replace("numpy.core", _CORE, 1), name)
        raise pickle.UnpicklingError(f"'{self.path}' asks to load {module}.{name}, which a CIFAR batch never "
                                     f"contains; refusing to run code from the file")


def load_batch(path) -> dict:
    """The dict stored in a CIFAR Python batch file, loaded without executing code from it."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            entry = _BatchUnpickler(f, path).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as e:
        raise RuntimeError(f"Could not read CIFAR batch '{path}': {e}") from None
    if not isinstance(entry, dict):
        raise RuntimeError(f"CIFAR batch '{path}' should hold a dict, got {type(entry).__name__}")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in entry.items()}


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 training and 10,000 test 32x32 RGB images of 10 classes.

    The files are ``root/cifar-10-batches-py/{data_batch_1..5, test_batch, batches.meta}``.

    Args:
        root (str or PathLike): the folder holding ``cifar-10-batches-py``.
        train (bool): the training set, else the test set.
        transform, target_transform (callable, optional): applied to the PIL image / label.
        download (bool): download and extract the archive if files are missing (checking its
            published checksum).

    Attributes:
        data (ndarray uint8, N x 32 x 32 x 3), targets (list of int), classes, class_to_idx.
    """

    base_folder = "cifar-10-batches-py"
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    filename = "cifar-10-python.tar.gz"
    tgz_md5 = "c58f30108f718f92721af3b95e74349a"
    train_list = [
        ["data_batch_1", "c99cafc152244af753f735de768cd75f"],
        ["data_batch_2", "d4bba439e000b95fd0a9bffe97cbabec"],
        ["data_batch_3", "54ebc095f3ab1f0389bbae665268c751"],
        ["data_batch_4", "634d18415352ddfa80567beed471001a"],
        ["data_batch_5", "482c414d41f54cd18b22e5b47cb7c3cb"],
    ]
    test_list = [["test_batch", "40351d587109b95175f43aff81a1287e"]]
    meta = {"filename": "batches.meta", "key": "label_names", "md5": "5ff9c542aee3614f3951f8cda6e48888"}

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        folder = os.path.join(self.root, self.base_folder)
        names = [name for name, _ in (self.train_list if train else self.test_list)] + [self.meta["filename"]]
        missing = [n for n in names if not os.path.isfile(os.path.join(folder, n))]
        if missing:
            raise RuntimeError(f"Dataset not found: {type(self).__name__} needs {', '.join(missing)} in {folder} "
                               f"(extract {self.filename} into {self.root}), or use download=True to download it.")
        data, targets = [], []
        for name in names[:-1]:
            path = os.path.join(folder, name)
            entry = load_batch(path)
            labels = entry.get("labels", entry.get("fine_labels"))
            batch = np.asarray(entry.get("data"))
            if labels is None or batch.dtype != np.uint8 or batch.ndim != 2 or batch.shape[1] != 3072:
                raise RuntimeError(f"CIFAR batch '{path}' should hold 'data' (uint8, N x 3072) and 'labels'; got "
                                   f"keys {sorted(entry)} and data {batch.dtype} {batch.shape}")
            if len(labels) != len(batch):
                raise RuntimeError(f"CIFAR batch '{path}' has {len(batch)} images but {len(labels)} labels")
            data.append(batch)
            targets.extend(int(t) for t in labels)
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
        self.targets = targets
        self._load_meta(folder)

    def _load_meta(self, folder: str) -> None:
        path = os.path.join(folder, self.meta["filename"])
        entry = load_batch(path)
        if self.meta["key"] not in entry:
            raise RuntimeError(f"CIFAR meta file '{path}' has no '{self.meta['key']}' entry")
        self.classes = [c.decode() if isinstance(c, bytes) else c for c in entry[self.meta["key"]]]
        self.class_to_idx = {name: i for i, name in enumerate(self.classes)}

    def _check_integrity(self) -> bool:
        """True if every batch and the meta file are present with their published checksums."""
        folder = os.path.join(self.root, self.base_folder)
        files = self.train_list + self.test_list + [[self.meta["filename"], self.meta["md5"]]]
        return all(check_integrity(os.path.join(folder, name), md5) for name, md5 in files)

    def download(self) -> None:
        """Download and extract the archive unless all the batch files are already there."""
        folder = os.path.join(self.root, self.base_folder)
        names = [n for n, _ in self.train_list + self.test_list] + [self.meta["filename"]]
        if all(os.path.isfile(os.path.join(folder, n)) for n in names):
            return
        download_and_extract_archive(self.url, self.root, filename=self.filename, md5=self.tgz_md5)

    def __getitem__(self, index: int):
        img, target = Image.fromarray(self.data[index]), self.targets[index]
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return len(self.data)

    def extra_repr(self) -> str:
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100: like ``CIFAR10`` with 100 fine classes (``root/cifar-100-python/{train, test, meta}``)."""

    base_folder = "cifar-100-python"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    filename = "cifar-100-python.tar.gz"
    tgz_md5 = "eb9058c3a382ffc7106e4002c42a8d85"
    train_list = [["train", "16019d7e3df5f24257cddd939b257f8d"]]
    test_list = [["test", "f0ef6b0ae62326f3e7ffdfab6717acfc"]]
    meta = {"filename": "meta", "key": "fine_label_names", "md5": "7973b15100ade9c7d40fb424638fde48"}
