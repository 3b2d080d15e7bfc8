"""Normalisation of (N, C, D, H, W) volumes: ``BatchNorm3d`` and ``InstanceNorm3d``."""

from __future__ import annotations

from ember.nn.modules.batchnorm import _BatchNorm, _InstanceNorm

__all__ = ["BatchNorm3d", "InstanceNorm3d"]


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W) input, per channel; arguments as ``BatchNorm1d``.

    Example::

        >>> nn.BatchNorm3d(8)(ember.randn(4, 8, 3, 5, 5)).shape
        ember.Size([4, 8, 3, 5, 5])
    """

    def _check_input_dim(self, input) -> None:
        if input.ndim != 5:
            raise ValueError(f"expected 5D input (got {input.ndim}D input)")


class InstanceNorm3d(_InstanceNorm):
    """Normalise each (sample, channel) volume of (N, C, D, H, W) over D, H and W."""

    _spatial = 3
