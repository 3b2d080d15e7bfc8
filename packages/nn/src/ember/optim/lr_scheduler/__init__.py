"""Learning-rate schedules: ``ember.optim.lr_scheduler``, with PyTorch's formulas and state dicts.

One module per family: ``base`` (``LRScheduler``), ``decay``, ``lambdas``, ``warmup``, ``cosine``,
``cyclic``, ``plateau`` and ``composite`` (schedules built from other schedules).
"""

from ember.optim.lr_scheduler.base import LRScheduler
from ember.optim.lr_scheduler.composite import ChainedScheduler, SequentialLR
from ember.optim.lr_scheduler.cosine import CosineAnnealingLR, CosineAnnealingWarmRestarts
from ember.optim.lr_scheduler.cyclic import CyclicLR, OneCycleLR
from ember.optim.lr_scheduler.decay import ExponentialLR, MultiStepLR, PolynomialLR, StepLR
from ember.optim.lr_scheduler.lambdas import LambdaLR, MultiplicativeLR
from ember.optim.lr_scheduler.plateau import ReduceLROnPlateau
from ember.optim.lr_scheduler.warmup import ConstantLR, LinearLR

_LRScheduler = LRScheduler  # PyTorch's older name, still exported by torch.optim.lr_scheduler

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "LambdaLR", "MultiplicativeLR", "ConstantLR", "LinearLR", "CyclicLR",
           "OneCycleLR", "ReduceLROnPlateau", "SequentialLR", "ChainedScheduler"]
