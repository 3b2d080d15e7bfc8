"""``ember.distributions``: probability distributions with sampling, reparameterized sampling,
log-densities, entropies and KL divergences, as ``torch.distributions``.

Random numbers come from ember's default generator, so ``ember.manual_seed`` makes sampling
reproducible (the streams are not PyTorch's).
"""

from ember.distributions import constraints
from ember.distributions.bernoulli import Bernoulli
from ember.distributions.beta import Beta
from ember.distributions.categorical import Categorical
from ember.distributions.dirichlet import Dirichlet
from ember.distributions.distribution import Distribution
from ember.distributions.gamma import Gamma
from ember.distributions.independent import Independent
from ember.distributions.kl import kl_divergence, register_kl
from ember.distributions.multivariate_normal import MultivariateNormal
from ember.distributions.normal import Normal
from ember.distributions.one_hot_categorical import OneHotCategorical
from ember.distributions.uniform import Uniform

__all__ = ["Distribution", "Bernoulli", "Beta", "Categorical", "Dirichlet", "Gamma", "Independent",
           "MultivariateNormal", "Normal", "OneHotCategorical", "Uniform", "constraints", "kl_divergence",
           "register_kl"]
