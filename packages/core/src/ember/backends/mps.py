"""``ember.backends.mps``: is Apple's Metal (MPS) device usable?

ember has MPS only through a plugin that registers the ``"mps"`` device type; without one
``is_available()`` and ``is_built()`` are False, as in a PyTorch build without MPS.
"""

from __future__ import annotations

from ember.backends.registry import registry

__all__ = ["is_available", "is_built"]


def is_built() -> bool:
    """True if an installed plugin provides the ``"mps"`` device type (it may still not run here)."""
    return registry.find("mps") is not None


def is_available() -> bool:
    """True if the ``"mps"`` device can run tensors in this process."""
    backend = registry.find("mps")
    return backend is not None and backend.is_available() and backend.device_count() > 0
