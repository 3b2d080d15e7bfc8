"""``pin_memory``: put batches in page-locked host memory, if the accelerator backend wants that.

Pinning belongs to the device backend: a backend that benefits from page-locked buffers
(CUDA) provides ``pin_memory(array) -> array``. On a machine with only the CPU backend, or
with a backend that has no such method, pinning is a no-op.
"""

from __future__ import annotations

import collections.abc
import copy

import ember
from ember.backends.registry import registry


def accelerator_backend(device: str = ""):
    """The backend that pins memory: the one for ``device``, else the first available one that can.

    None when no such backend is installed (only the CPU backend, say).
    """
    if device:
        backend = registry.backend(ember.device(device).type)
        return backend if hasattr(backend, "pin_memory") else None
    registry.load_plugins()
    for backend in registry.backends.values():
        if hasattr(backend, "pin_memory") and backend.is_available():
            return backend
    return None


def pin_memory(data, backend):
    """``data`` with every CPU tensor copied to page-locked memory by ``backend.pin_memory``."""
    pin = backend.pin_memory
    if isinstance(data, ember.Tensor):
        if data.device.type != "cpu":
            return data
        return ember.from_numpy(pin(data.numpy()))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({k: pin_memory(v, backend) for k, v in data.items()})
                return clone
            return type(data)({k: pin_memory(v, backend) for k, v in data.items()})
        except TypeError:
            return {k: pin_memory(v, backend) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(pin_memory(d, backend) for d in data))
    if isinstance(data, tuple):
        return [pin_memory(d, backend) for d in data]
    if isinstance(data, collections.abc.Sequence):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = pin_memory(d, backend)
                return clone
            return type(data)([pin_memory(d, backend) for d in data])
        except TypeError:
            return [pin_memory(d, backend) for d in data]
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data
