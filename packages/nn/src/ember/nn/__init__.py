"""``ember.nn``: modules, layers, losses, initialisation and functional ops, with PyTorch's API.

``import ember.nn as nn`` replaces ``import torch.nn as nn``.
"""

from ember.nn import functional, init, parallel, utils
from ember.nn.modules import *  # noqa: F403
from ember.nn.modules import NonDynamicallyQuantizableLinear
from ember.nn.modules.module import Module
from ember.nn.parallel import DataParallel
from ember.nn.parameter import Buffer, Parameter
