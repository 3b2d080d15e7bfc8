"""``ember.special``: PyTorch's ``torch.special`` — error, gamma, Bessel and normal-distribution
functions, and the numerically careful forms of common expressions (``xlogy``, ``logit``,
``logsumexp``). Every function is differentiable."""

from ember.ops import special as _functions
from ember.ops import special_polynomials as _polynomials
from ember.ops.special import *  # noqa: F401,F403
from ember.ops.special_polynomials import *  # noqa: F401,F403

__all__ = _functions.__all__ + _polynomials.__all__
