"""``Dropout3d`` (whole channels of volumes) and ``FeatureAlphaDropout`` (alpha dropout of whole channels)."""

from __future__ import annotations

from ember.nn import functional as F
from ember.nn.modules.dropout import _DropoutNd

__all__ = ["Dropout3d", "FeatureAlphaDropout"]


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) input with probability ``p`` in training."""

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels, for SELU networks."""

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training)
