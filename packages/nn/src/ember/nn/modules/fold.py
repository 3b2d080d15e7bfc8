"""``Fold`` and ``Unfold``, importable from PyTorch's module path ``nn.modules.fold`` (ember defines
them with the other resampling layers)."""

from ember.nn.modules.upsampling import Fold, Unfold

__all__ = ["Fold", "Unfold"]
