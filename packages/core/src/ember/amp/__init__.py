"""``ember.amp``: automatic mixed precision, as ``torch.amp``.

``autocast`` runs the ops that gain from lower precision (matmul, linear, convolutions) in
float16 and those that need range (losses, 3-D pooling, decompositions) in float32;
``GradScaler`` scales the loss so that float16 gradients do not underflow.
"""

from ember.amp.autocast_mode import autocast, custom_bwd, custom_fwd, is_autocast_available
from ember.amp.grad_scaler import GradScaler

__all__ = ["autocast", "custom_bwd", "custom_fwd", "is_autocast_available", "GradScaler"]
