"""Device backends: the registry, the backend contract and the built-in CPU backend."""

from ember.backends.base import Backend
from ember.backends.registry import list_backends as list  # noqa: A004
from ember.backends.registry import registry

__all__ = ["Backend", "list", "registry"]
