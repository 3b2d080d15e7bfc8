"""ember-vision: seconds per image (images/second printed too) for the ImageNet training pipeline
ImageFolder + RandomResizedCrop(224) + RandomHorizontalFlip + ToTensor + Normalize.

Against torchvision itself when it is importable (torch 2.14.1 + torchvision 0.29.1, e.g. the
``vision-parity`` tox env's venv: ``.tox/vision-parity/bin/python bench/run.py vision``), and
always against a plain Pillow + NumPy reimplementation of the same pipeline (the same Pillow
calls torchvision makes, without any of its Python layers), a lower bound on torchvision's time.
In the DataLoader case the baselines run in torch's DataLoader (2 workers, batch 32), ember's
in ember's DataLoader. The images are JPEGs made from scikit-learn's two
bundled photos (640x427), written to a temporary ImageFolder tree.
"""

from __future__ import annotations

import math
import os
import random
import tempfile
import time

import numpy as np
import torch
import torch.utils.data
from PIL import Image
from run import Case
from sklearn.datasets import load_sample_images

import ember
import ember.utils.data
import ember.vision.transforms as T
from ember.vision.datasets import ImageFolder

N_IMAGES = 128
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)[:, None, None]
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)[:, None, None]


def make_tree(root: str) -> None:
    photos = [Image.fromarray(p) for p in load_sample_images().images]
    for i in range(N_IMAGES):
        cls = os.path.join(root, f"class{i % 2}")
        os.makedirs(cls, exist_ok=True)
        img = photos[i % 2]
        if i % 4 >= 2:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
        img.save(os.path.join(cls, f"{i:04d}.jpg"), quality=90)


def ember_dataset(root: str) -> ImageFolder:
    return ImageFolder(root, transform=T.Compose([
        T.RandomResizedCrop(224), T.RandomHorizontalFlip(), T.ToTensor(),
        T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])]))


class PlainPipeline(torch.utils.data.Dataset):
    """The same pipeline in plain Pillow + NumPy: the baseline."""

    def __init__(self, root: str) -> None:
        self.samples = [(os.path.join(root, c, f), k) for k, c in enumerate(sorted(os.listdir(root)))
                        for f in sorted(os.listdir(os.path.join(root, c)))]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, target = self.samples[index]
        with open(path, "rb") as f:
            img = Image.open(f).convert("RGB")
        width, height = img.size
        for _ in range(10):
            area = width * height * random.uniform(0.08, 1.0)
            ratio = math.exp(random.uniform(math.log(3 / 4), math.log(4 / 3)))
            w, h = int(round(math.sqrt(area * ratio))), int(round(math.sqrt(area / ratio)))
            if 0 < w <= width and 0 < h <= height:
                i, j = random.randint(0, height - h), random.randint(0, width - w)
                break
        else:
            i, j, h, w = 0, 0, height, width
        img = img.crop((j, i, j + w, i + h)).resize((224, 224), Image.BILINEAR)
        if random.random() < 0.5:
            img = img.transpose(Image.FLIP_LEFT_RIGHT)
        arr = np.asarray(img).transpose(2, 0, 1).astype(np.float32) / np.float32(255)
        return torch.from_numpy((arr - MEAN) / STD), target


def per_image(run, repeat: int = 3) -> float:
    """Best seconds per image over ``repeat`` passes over the dataset (after one warm-up pass)."""
    run()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, (time.perf_counter() - start) / N_IMAGES)
    return best


def cases():
    root = tempfile.mkdtemp(prefix="ember-bench-vision-")
    make_tree(root)
    ours, plain = ember_dataset(root), PlainPipeline(root)

    def one_process(ds):
        return lambda: [ds[i] for i in range(len(ds))]

    a, b = per_image(one_process(ours)), per_image(one_process(plain))
    print(f"vision   one process: ember {1 / a:7.1f} images/s, Pillow+NumPy {1 / b:7.1f} images/s")
    yield Case("ImageFolder+RRC224+flip+ToTensor+Normalize, 1 process (s/image)", a, b, target=1.0,
               against="pil+np")

    ember_loader = ember.utils.data.DataLoader(ours, batch_size=32, shuffle=True, num_workers=2,
                                               persistent_workers=True)
    torch_loader = torch.utils.data.DataLoader(plain, batch_size=32, shuffle=True, num_workers=2,
                                               persistent_workers=True)
    a, b = per_image(lambda: list(ember_loader)), per_image(lambda: list(torch_loader))
    print(f"vision   2-worker DataLoader, batch 32: ember {1 / a:7.1f} images/s, Pillow+NumPy in torch's DataLoader "
          f"{1 / b:7.1f} images/s")
    yield Case("same, 2-worker DataLoader batch 32 (s/image)", a, b, target=1.0, against="pil+np")
    yield from torchvision_cases(root, ours, ember_loader)


def torchvision_cases(root: str, ours, ember_loader):
    try:
        import torchvision
        import torchvision.transforms as TT
    except Exception:  # not installable beside torch 2.13; see the module docstring
        print("vision   torchvision not importable here: compared with Pillow+NumPy only")
        return
    theirs = torchvision.datasets.ImageFolder(root, transform=TT.Compose([
        TT.RandomResizedCrop(224), TT.RandomHorizontalFlip(), TT.ToTensor(),
        TT.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])]))
    a = per_image(lambda: [ours[i] for i in range(len(ours))])
    b = per_image(lambda: [theirs[i] for i in range(len(theirs))])
    yield Case("same pipeline vs torchvision, 1 process (s/image)", a, b, target=1.0, against="tv")
    loader = torch.utils.data.DataLoader(theirs, batch_size=32, shuffle=True, num_workers=2, persistent_workers=True)
    a, b = per_image(lambda: list(ember_loader)), per_image(lambda: list(loader))
    yield Case("same pipeline vs torchvision, 2-worker DataLoader b32 (s/image)", a, b, target=1.0, against="tv")
