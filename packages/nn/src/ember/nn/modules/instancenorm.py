"""``InstanceNorm1d`` and ``InstanceNorm2d``, importable from PyTorch's module path
``nn.modules.instancenorm`` (ember defines them next to batch norm, whose statistics code they share)."""

from ember.nn.modules.batchnorm import InstanceNorm1d, InstanceNorm2d

__all__ = ["InstanceNorm1d", "InstanceNorm2d"]
