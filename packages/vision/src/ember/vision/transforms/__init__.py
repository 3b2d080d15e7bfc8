"""Image transforms: ``ember.vision.transforms`` (``torchvision.transforms``).

Transforms work on PIL images (the fast path) and on ember tensor images (..., C, H, W), draw
their random parameters from ember's generator (``ember.manual_seed`` makes a pipeline
reproducible), and accept masks: ``img, mask = t(img, mask)`` (see ``Transform``).
"""

from ember.vision.transforms import functional
from ember.vision.transforms._interpolation import InterpolationMode
from ember.vision.transforms._transform import Transform
from ember.vision.transforms.autoaugment import AutoAugment, AutoAugmentPolicy, RandAugment, TrivialAugmentWide
from ember.vision.transforms.color import (
    ColorJitter,
    GaussianBlur,
    Grayscale,
    RandomAdjustSharpness,
    RandomAutocontrast,
    RandomEqualize,
    RandomGrayscale,
    RandomInvert,
    RandomPosterize,
    RandomSolarize,
)
from ember.vision.transforms.container import Compose, Lambda, RandomApply, RandomChoice, RandomOrder
from ember.vision.transforms.conversion import ConvertImageDtype, Normalize, PILToTensor, ToPILImage, ToTensor
from ember.vision.transforms.erasing import RandomErasing
from ember.vision.transforms.geometry import (
    CenterCrop,
    FiveCrop,
    Pad,
    RandomCrop,
    RandomHorizontalFlip,
    RandomResizedCrop,
    RandomVerticalFlip,
    Resize,
    TenCrop,
)
from ember.vision.transforms.warp import RandomAffine, RandomPerspective, RandomRotation

__all__ = [
    "functional", "InterpolationMode", "Transform", "Compose", "Lambda", "RandomApply", "RandomChoice",
    "RandomOrder", "ToTensor", "PILToTensor", "ToPILImage", "ConvertImageDtype", "Normalize", "Resize",
    "CenterCrop", "RandomCrop", "RandomResizedCrop", "FiveCrop", "TenCrop", "Pad", "RandomHorizontalFlip",
    "RandomVerticalFlip", "RandomRotation", "RandomAffine", "RandomPerspective", "ColorJitter", "Grayscale",
    "RandomGrayscale", "GaussianBlur", "RandomInvert", "RandomPosterize", "RandomSolarize",
    "RandomAdjustSharpness", "RandomAutocontrast", "RandomEqualize", "RandomErasing", "AutoAugment",
    "AutoAugmentPolicy", "RandAugment", "TrivialAugmentWide",
]
