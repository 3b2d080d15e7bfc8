"""The 1000 ImageNet-1K class names in class-index order, as torchvision's ``weights.meta["categories"]``
(torchvision's spelling, including its two renamed duplicates: "crane bird" (134) and "maillot tank suit" (639)).

The names ship as package data, ``imagenet_categories.txt``: one name a line.
"""

from importlib.resources import files

_IMAGENET_CATEGORIES = files(__package__).joinpath("imagenet_categories.txt").read_text(encoding="utf-8").splitlines()
