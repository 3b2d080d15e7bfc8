"""The helpers every part of ``ember.cuda`` shares: the CUDA backend from the registry, the
error when there is none, and device indices."""

from __future__ import annotations

from ember.backends.base import Backend
from ember.backends.registry import registry

_TYPE = "cuda"


class OutOfMemoryError(RuntimeError):
    """A CUDA device has no memory left for a request (``torch.cuda.OutOfMemoryError``); the
    message names the request and how the device's memory is used."""


def _backend() -> Backend | None:
    return registry.find(_TYPE)


def _require() -> Backend:
    """The CUDA backend, or the registry's error that says why there is none."""
    backend = registry.backend(_TYPE)
    if not backend.is_available():
        raise RuntimeError(f"CUDA is not available: {backend.unavailable_reason()}")
    return backend


def _index(dev) -> int:
    """A device index from None (the current device), an int, a string or a device."""
    if dev is None:
        return registry.current_device(_TYPE)
    if isinstance(dev, int):
        return dev
    return registry.canonical(dev).index


def is_available() -> bool:
    """True if a CUDA backend is installed and can run in this process.

    Example::

        >>> device = "cuda" if ember.cuda.is_available() else "cpu"
    """
    backend = _backend()
    return backend is not None and backend.is_available() and backend.device_count() > 0
