"""``ember.vision.ops`` (``torchvision.ops``): the building blocks that the models share.

Needs ember-nn, as the models do.
"""

from ember.vision.ops.misc import Conv2dNormActivation, SqueezeExcitation
from ember.vision.ops.stochastic_depth import StochasticDepth, stochastic_depth

__all__ = ["Conv2dNormActivation", "SqueezeExcitation", "StochasticDepth", "stochastic_depth"]
