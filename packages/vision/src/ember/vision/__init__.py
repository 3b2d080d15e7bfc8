"""ember.vision: image pipelines for ember (``torchvision`` -> ``ember.vision``).

``transforms`` (Pillow and tensor image transforms), ``io`` (reading and writing images),
``datasets`` (ImageFolder, MNIST, CIFAR, ...), ``utils`` (``make_grid``, ``save_image``) and
``models`` and ``ops`` (both need ember-nn).
"""

import importlib

__version__ = "0.1.0"

from ember.vision import io, transforms  # noqa: E402

_LAZY = ("datasets", "utils", "models", "ops")


def __getattr__(name):
    # datasets need ember-data and models need ember-nn: import them on first use
    if name in _LAZY:
        return importlib.import_module(f"ember.vision.{name}")
    raise AttributeError(f"module 'ember.vision' has no attribute '{name}'")
