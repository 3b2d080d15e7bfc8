"""``ember.special``: PyTorch's ``torch.special`` — error, gamma, Bessel and normal-distribution
functions, and the numerically careful forms of common expressions (``xlogy``, ``logit``,
``logsumexp``). Every function is differentiable."""

from ember.ops.special import *  # noqa: F401,F403
from ember.ops.special import __all__  # noqa: F401
