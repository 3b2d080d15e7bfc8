"""``ember.distributions.utils``: PyTorch's module name for the parameter helpers, kept so that
``from torch.distributions.utils import probs_to_logits`` ports by renaming. They live in
``parameters.py``."""

from ember.distributions.parameters import (
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
)

__all__ = ["broadcast_all", "clamp_probs", "lazy_property", "logits_to_probs", "probs_to_logits"]
