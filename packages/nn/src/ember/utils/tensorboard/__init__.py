"""``ember.utils.tensorboard``: write TensorBoard event files (on tensorboardX).

Install with ``pip install 'ember-nn[tensorboard]'``.
"""

from ember.utils.tensorboard.writer import SummaryWriter

__all__ = ["SummaryWriter"]
