"""The layers of ``ember.nn``, one family per module."""

from ember.nn.modules import torch_layout  # noqa: E402
from ember.nn.modules.activation import *  # noqa: F403
from ember.nn.modules.adaptive import *  # noqa: F403
from ember.nn.modules.attention import *  # noqa: F403
from ember.nn.modules.batchnorm import *  # noqa: F403
from ember.nn.modules.batchnorm3d import *  # noqa: F403
from ember.nn.modules.channelshuffle import *  # noqa: F403
from ember.nn.modules.container import *  # noqa: F403
from ember.nn.modules.conv import *  # noqa: F403
from ember.nn.modules.conv3d import *  # noqa: F403
from ember.nn.modules.ctc_loss import *  # noqa: F403
from ember.nn.modules.distance import *  # noqa: F403
from ember.nn.modules.dropout import *  # noqa: F403
from ember.nn.modules.dropout3d import *  # noqa: F403
from ember.nn.modules.embedding_bag import *  # noqa: F403
from ember.nn.modules.flatten import *  # noqa: F403
from ember.nn.modules.fractional_pooling import *  # noqa: F403
from ember.nn.modules.lazy import *  # noqa: F403
from ember.nn.modules.linear import *  # noqa: F403
from ember.nn.modules.linear import NonDynamicallyQuantizableLinear
from ember.nn.modules.loss import *  # noqa: F403
from ember.nn.modules.margin_loss import *  # noqa: F403
from ember.nn.modules.module import *  # noqa: F403
from ember.nn.modules.normalization import *  # noqa: F403
from ember.nn.modules.padding import *  # noqa: F403
from ember.nn.modules.padding3d import *  # noqa: F403
from ember.nn.modules.pooling import *  # noqa: F403
from ember.nn.modules.pooling3d import *  # noqa: F403
from ember.nn.modules.rms_norm import *  # noqa: F403
from ember.nn.modules.rnn import *  # noqa: F403
from ember.nn.modules.rrelu import *  # noqa: F403
from ember.nn.modules.sparse import *  # noqa: F403
from ember.nn.modules.transformer import *  # noqa: F403
from ember.nn.modules.unpooling import *  # noqa: F403
from ember.nn.modules.upsampling import *  # noqa: F403

torch_layout.place()
