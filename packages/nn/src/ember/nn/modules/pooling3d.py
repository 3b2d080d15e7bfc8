"""3-D pooling layers over (N, C, D, H, W) volumes: max, average, adaptive and power-average."""

from __future__ import annotations

from ember.nn import functional as F
from ember.nn.modules.pooling import AvgPool2d, _AdaptiveMaxPool, _AdaptivePool, _LPPool, _MaxPoolNd

__all__ = ["MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "LPPool3d"]


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over (N, C, D, H, W); arguments as ``MaxPool2d`` with triples; with
    ``return_indices`` also the flat index (d*H*W + h*W + w) of each maximum.

    Example::

        >>> nn.MaxPool3d(2)(ember.randn(1, 3, 8, 8, 8)).shape
        ember.Size([1, 3, 4, 4, 4])
    """

    def forward(self, input):
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(AvgPool2d):
    """3-D average pooling over (N, C, D, H, W); arguments as ``AvgPool2d`` with triples."""

    def forward(self, input):
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool3d(_AdaptivePool):
    """Average pooling of (N, C, D, H, W) to ``output_size`` (an int, a triple; None keeps that dim)."""

    def forward(self, input):
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptiveMaxPool):
    """Max pooling of (N, C, D, H, W) to ``output_size``."""

    def forward(self, input):
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class LPPool3d(_LPPool):
    """Power-average pooling over (N, C, D, H, W)."""

    def forward(self, input):
        return F.lp_pool3d(input, float(self.norm_type), self.kernel_size, self.stride, self.ceil_mode)
