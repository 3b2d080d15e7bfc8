"""``FakeData``: random images, the same ones for the same index on every run."""

from __future__ import annotations

import ember
from ember.vision.datasets.vision import VisionDataset
from ember.vision.transforms.functional import to_pil_image


class FakeData(VisionDataset):
    """Random PIL images (standard normal noise, as ``ToPILImage`` renders it) with random labels.

    Sample ``i`` is drawn from a generator seeded with ``i + random_offset``, so it is the same on
    every access and in every worker, and the global random state is not touched.

    Args:
        size (int): number of images. image_size (tuple): (C, H, W). num_classes (int).
        transform, target_transform (callable, optional). random_offset (int): shifts the seeds.
    """

    def __init__(self, size: int = 1000, image_size=(3, 224, 224), num_classes: int = 10, transform=None,
                 target_transform=None, random_offset: int = 0) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int):
        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        g = ember.Generator().manual_seed(index + self.random_offset)
        img = ember.randn(*self.image_size, generator=g)
        target = int(ember.randint(0, self.num_classes, (1,), generator=g).item())
        img = to_pil_image(img.numpy().transpose(1, 2, 0) if img.ndim == 3 else img.numpy())
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return self.size
