"""Transforms made of transforms: ``Compose``, ``RandomApply``, ``RandomChoice``, ``RandomOrder``,
and ``Lambda`` for a user function."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

from ember.vision.transforms._transform import Transform, rand, randperm


def _run(transforms, inputs: tuple):
    """Apply ``transforms`` in turn to an image (one input) or to (image, *targets)."""
    if len(inputs) == 1:
        img = inputs[0]
        for t in transforms:
            img = t(img)
        return img
    for t in transforms:
        inputs = t(*inputs)
    return inputs


def _listing(name: str, transforms, head: str = "") -> str:
    s = name + "(" + head
    for t in transforms:
        s += f"\n    {t}"
    return s + "\n)"


class Compose(Transform):
    """Apply several transforms in sequence.

    ``Compose([...])(img, mask)`` passes (image, mask) through every transform; plain functions
    in the list then receive and must return all the inputs.

    Example::

        >>> transforms.Compose([
        >>>     transforms.CenterCrop(10),
        >>>     transforms.PILToTensor(),
        >>>     transforms.ConvertImageDtype(ember.float),
        >>> ])
    """

    def __init__(self, transforms) -> None:
        self.transforms = transforms

    def __call__(self, img, *targets):
        return _run(self.transforms, (img, *targets))

    def __repr__(self) -> str:
        return _listing(type(self).__name__, self.transforms)


class Lambda(Transform):
    """Apply a user-defined function to the image (masks and other inputs pass through)."""

    def __init__(self, lambd) -> None:
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def transform(self, img, params):
        return self.lambd(img)


class RandomTransforms:
    """Base class for a list of transforms applied with randomness."""

    def __init__(self, transforms) -> None:
        if not isinstance(transforms, Sequence):
            raise TypeError("Argument transforms should be a sequence")
        self.transforms = transforms

    def __call__(self, *args, **kwargs):
        raise NotImplementedError()

    def __repr__(self) -> str:
        return _listing(type(self).__name__, self.transforms)


class RandomApply(Transform):
    """Apply the list of transforms, all together, with probability ``p``."""

    def __init__(self, transforms, p: float = 0.5) -> None:
        self.transforms = transforms
        self.p = p

    def __call__(self, img, *targets):
        if self.p < rand():
            return (img, *targets) if targets else img
        return _run(self.transforms, (img, *targets))

    def __repr__(self) -> str:
        return _listing(type(self).__name__, self.transforms, head=f"\n    p={self.p}")


class RandomOrder(RandomTransforms):
    """Apply the list of transforms in a random order."""

    def __call__(self, img, *targets):
        return _run([self.transforms[i] for i in randperm(len(self.transforms))], (img, *targets))


class RandomChoice(RandomTransforms):
    """Apply one transform picked at random from the list (weighted by ``p`` if given)."""

    def __init__(self, transforms, p: Sequence[float] | None = None) -> None:
        super().__init__(transforms)
        if p is not None and not isinstance(p, Sequence):
            raise TypeError("Argument p should be a sequence")
        self.p = p

    def __call__(self, img, *targets):
        weights = self.p if self.p is not None else [1.0] * len(self.transforms)
        cumulative = list(itertools.accumulate(weights))
        k = min(bisect.bisect_right(cumulative, rand() * cumulative[-1]), len(self.transforms) - 1)
        return _run([self.transforms[k]], (img, *targets))

    def __repr__(self) -> str:
        return f"{super().__repr__()}(p={self.p})"
