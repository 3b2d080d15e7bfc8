"""Max unpooling layers: the partial inverse of ``MaxPool1d/2d/3d`` from their indices."""

from __future__ import annotations

from ember.nn import functional as F
from ember.nn.modules.module import Module
from ember.ops import nn_ops

__all__ = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d"]


class _MaxUnpoolNd(Module):
    _dims = 2

    def __init__(self, kernel_size, stride=None, padding=0) -> None:
        super().__init__()
        n = self._dims
        self.kernel_size = nn_ops._tuple(kernel_size, n, "kernel_size", type(self).__name__)
        self.stride = self.kernel_size if stride is None else nn_ops._tuple(stride, n, "stride", type(self).__name__)
        self.padding = nn_ops._tuple(padding, n, "padding", type(self).__name__)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Put the values of (N, C, L) back at the positions ``MaxPool1d`` took them from; zeros elsewhere."""

    _dims = 1

    def forward(self, input, indices, output_size=None):
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool2d(_MaxUnpoolNd):
    """Put the values of (N, C, H, W) back at the positions ``MaxPool2d`` took them from; zeros elsewhere.

    Example::

        >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
        >>> out, idx = pool(ember.randn(1, 1, 4, 4))
        >>> unpool(out, idx).shape
        ember.Size([1, 1, 4, 4])
    """

    _dims = 2

    def forward(self, input, indices, output_size=None):
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool3d(_MaxUnpoolNd):
    """Put the values of (N, C, D, H, W) back at the positions ``MaxPool3d`` took them from."""

    _dims = 3

    def forward(self, input, indices, output_size=None):
        return F.max_unpool3d(input, indices, self.kernel_size, self.stride, self.padding, output_size)
