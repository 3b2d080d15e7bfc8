"""``MNIST`` and ``FashionMNIST``: 28x28 grayscale images read from the standard IDX files."""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np
from PIL import Image

import ember
from ember.vision.datasets.download import check_integrity, download_url
from ember.vision.datasets.vision import VisionDataset

_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path) -> np.ndarray:
    """The array stored in an IDX file (gzip-compressed if the name ends with .gz).

    Raises:
        RuntimeError: naming the file, if it is not an IDX file or is truncated.
    """
    path = os.fspath(path)
    try:
        opener = gzip.open if path.endswith(".gz") else open
        with opener(path, "rb") as f:
            data = f.read()
    except (EOFError, gzip.BadGzipFile, zlib.error) as e:
        raise RuntimeError(f"'{path}' is a truncated or corrupt gzip file ({e}); download it again") from None
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] not in _IDX_TYPES:
        raise RuntimeError(f"'{path}' is not an IDX file (its first bytes are {data[:4]!r}, expected "
                           f"0x00 0x00 <type> <ndim>)")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise RuntimeError(f"IDX file '{path}' is truncated: its header needs {header} bytes, it has {len(data)}")
    dims = struct.unpack(f">{ndim}i", data[4:header])
    dtype = np.dtype(_IDX_TYPES[data[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    if len(data) - header != expected:
        raise RuntimeError(f"IDX file '{path}' is truncated or corrupt: its header says shape {tuple(dims)} "
                           f"({expected} bytes of data) but it holds {len(data) - header} bytes")
    return np.frombuffer(data, dtype=dtype, offset=header).astype(dtype.newbyteorder("="), copy=True).reshape(dims)


class MNIST(VisionDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28, mode L.

    The files are ``root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte``, gzip-compressed
    (``.gz``) or not.

    Args:
        root (str or PathLike): the folder holding ``MNIST/raw``.
        train (bool): the training set, else the test set.
        transform, target_transform (callable, optional): applied to the PIL image / label.
        download (bool): download the missing files (checking their published checksums).

    Attributes:
        data (uint8 Tensor, N x 28 x 28), targets (int64 Tensor, N), classes (list of str).
    """

    mirrors = ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        ("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
        ("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
        ("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
    ]
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven",
               "8 - eight", "9 - nine"]

    def __init__(self, root, train: bool = True, transform=None, target_transform=None, download: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        images, labels = self._load_data()
        self._images = images
        self.data = ember.from_numpy(images)
        self.targets = ember.from_numpy(labels.astype(np.int64))
        self._labels = labels.astype(np.int64)

    @property
    def raw_folder(self) -> str:
        return os.path.join(self.root, type(self).__name__, "raw")

    @property
    def class_to_idx(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.classes)}

    def _split_files(self) -> list[str]:
        prefix = "train" if self.train else "t10k"
        return [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"]

    def _find(self, name: str) -> str | None:
        for candidate in (name, name + ".gz"):
            path = os.path.join(self.raw_folder, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _check_exists(self) -> bool:
        return all(self._find(os.path.splitext(name)[0]) for name, _ in self.resources)

    def _load_data(self):
        paths = [self._find(name) for name in self._split_files()]
        if None in paths:
            missing = [n for n, p in zip(self._split_files(), paths) if p is None]
            raise RuntimeError(f"Dataset not found: {type(self).__name__} needs {' and '.join(missing)} (or the "
                               f"same names with .gz) in {self.raw_folder}. Put the files there, or use "
                               f"download=True to download them.")
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or images.dtype != np.uint8:
            raise RuntimeError(f"'{paths[0]}' should hold uint8 images of shape (N, H, W), got {images.dtype} "
                               f"{images.shape}")
        if labels.ndim != 1 or len(labels) != len(images):
            raise RuntimeError(f"'{paths[1]}' should hold one label per image ({len(images)}), got shape "
                               f"{labels.shape}")
        return images, labels

    def download(self) -> None:
        """Download the files that are missing into ``raw_folder``, trying each mirror in turn."""
        if self._check_exists():
            return
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if self._find(os.path.splitext(filename)[0]) is not None:
                continue
            errors = []
            for mirror in self.mirrors:
                try:
                    download_url(mirror + filename, self.raw_folder, filename, md5)
                    break
                except RuntimeError as e:
                    errors.append(str(e))
            else:
                raise RuntimeError(f"Could not download {filename} from any mirror:\n" + "\n".join(errors)
                                   + f"\nPut {filename} (md5 {md5}) in {self.raw_folder} by hand.")
            if not check_integrity(os.path.join(self.raw_folder, filename), md5):  # a check, kept under -O
                raise RuntimeError(f"The downloaded file {os.path.join(self.raw_folder, filename)} does not match "
                                   f"its published md5 {md5}: delete it and download again")

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


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 grayscale pictures of 10 kinds of clothing, in MNIST's format
    (``root/FashionMNIST/raw``)."""

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    resources = [
        ("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        ("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
        ("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
        ("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
    ]
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot"]
