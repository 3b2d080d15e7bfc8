"""Fixtures for ember-cuda's tests: the CPU-simulated device standing in for a GPU."""

import pytest

from ember.backends.registry import registry


@pytest.fixture
def sim_cuda():
    """Devices ``cuda:0`` and ``cuda:1`` emulated on the CPU (ember-cuda's SimRuntime), in place of
    the installed ``cuda`` backend (which has no GPU here) for the duration of a test."""
    from ember_cuda.plugin import make_sim_backend

    registry.load_plugins()
    original = registry.backends.get("cuda")
    owner = registry._owner.get("cuda")  # the distribution ember.backends.list() names
    if original is not None:
        registry.unregister_backend("cuda")
    backend = make_sim_backend("cuda")
    registry.register_backend(backend)
    try:
        yield backend
    finally:
        registry.unregister_backend("cuda")
        if original is not None:
            registry.register_backend(original)
            registry._owner["cuda"] = owner
