"""``ember.nn.functional``: the stateless functions behind the layers (``import ember.nn.functional as F``)."""

from ember.nn.functional import autocast_policy  # noqa: E402,F401  (registers with ember.amp)
from ember.nn.functional.activation import *  # noqa: F403
from ember.nn.functional.attention import *  # noqa: F403
from ember.nn.functional.conv import *  # noqa: F403
from ember.nn.functional.conv3d import *  # noqa: F403
from ember.nn.functional.ctc import *  # noqa: F403
from ember.nn.functional.dropout import *  # noqa: F403
from ember.nn.functional.dropout3d import *  # noqa: F403
from ember.nn.functional.embedding_bag import *  # noqa: F403
from ember.nn.functional.fractional_pooling import *  # noqa: F403
from ember.nn.functional.grid_sampling import *  # noqa: F403
from ember.nn.functional.linear import *  # noqa: F403
from ember.nn.functional.loss import *  # noqa: F403
from ember.nn.functional.margin_loss import *  # noqa: F403
from ember.nn.functional.normalization import *  # noqa: F403
from ember.nn.functional.pdist import *  # noqa: F403
from ember.nn.functional.pooling import *  # noqa: F403
from ember.nn.functional.pooling3d import *  # noqa: F403
from ember.nn.functional.rms_norm import *  # noqa: F403
from ember.nn.functional.shape import *  # noqa: F403
from ember.nn.functional.sparse import *  # noqa: F403
from ember.nn.functional.stochastic_activation import *  # noqa: F403
from ember.nn.functional.unpooling import *  # noqa: F403

autocast_policy.register_functionals()
