"""``ember.cuda``: ask about CUDA devices, the way ``torch.cuda`` does.

CUDA comes from a plugin (the ember-cuda distribution). Without it ``is_available()`` is
False, ``device_count()`` is 0 and seeding is silently ignored, as in a CPU build of
PyTorch; calls that need a device raise an error that says what to install. Nothing here
loads a plugin until one of these functions is called.
"""

from __future__ import annotations

import contextlib

from ember import _core
from ember.backends.base import Backend
from ember.backends.registry import registry

__all__ = [
    "is_available", "device_count", "current_device", "set_device", "device", "synchronize",
    "manual_seed", "manual_seed_all", "get_device_name", "memory_allocated", "empty_cache",
    "is_initialized", "OutOfMemoryError", "max_memory_allocated", "memory_reserved", "max_memory_reserved",
    "reset_peak_memory_stats", "memory_stats", "mem_get_info", "Stream", "Event", "current_stream",
    "default_stream", "stream",
]

from ember.cuda._devices import (  # noqa: E402,F401  (shared with memory and streams)
    _TYPE,
    OutOfMemoryError,
    _backend,
    _index,
    _require,
    is_available,
)


def is_initialized() -> bool:
    """True once the CUDA backend has been loaded and found available."""
    return _TYPE in registry.backends and registry.backends[_TYPE].is_available()


def device_count() -> int:
    """The number of CUDA devices (0 without a working CUDA backend)."""
    backend = _backend()
    return backend.device_count() if backend is not None and backend.is_available() else 0


def current_device() -> int:
    """The index of the device that ``"cuda"`` means (0 unless ``set_device`` changed it)."""
    _require()
    return registry.current_device(_TYPE)


def set_device(device) -> None:
    """Make ``"cuda"`` mean device ``device`` (an int, ``"cuda:1"`` or an ``ember.device``)."""
    _require()
    index = device if isinstance(device, int) else _core.device(device).index
    if index is None or index < 0:
        return  # PyTorch ignores a negative index, and "cuda" alone changes nothing
    registry.set_current_device(_TYPE, index)


@contextlib.contextmanager
def device(device):
    """Context manager that makes ``"cuda"`` mean ``device`` inside the block."""
    if device is None:
        yield
        return
    previous = current_device()
    set_device(device)
    try:
        yield
    finally:
        set_device(previous)


def synchronize(device=None) -> None:
    """Wait for all queued work on a CUDA device (the current one by default) to finish."""
    _require().synchronize(_index(device))


def manual_seed(seed: int) -> None:
    """Seed the random generator of the current CUDA device; ignored without CUDA."""
    if is_available():
        _require().manual_seed(int(seed), registry.current_device(_TYPE))


def manual_seed_all(seed: int) -> None:
    """Seed the random generators of every CUDA device; ignored without CUDA."""
    if is_available():
        _require().manual_seed(int(seed), None)


def get_device_name(device=None) -> str:
    """The name of a CUDA device (the current one by default)."""
    return _require().device_name(_index(device))


def memory_allocated(device=None) -> int:
    """Bytes held by tensors on a CUDA device; 0 without CUDA (as in PyTorch)."""
    if not is_available():
        return 0
    return _require().memory_allocated(_index(device))


def empty_cache() -> None:
    """Release cached memory no tensor uses, so other programs can have it; no-op without CUDA."""
    if is_available():
        _require().empty_cache()


from ember.cuda.memory import (  # noqa: E402
    max_memory_allocated,
    max_memory_reserved,
    mem_get_info,
    memory_reserved,
    memory_stats,
    reset_peak_memory_stats,
)
from ember.cuda.streams import Event, Stream, current_stream, default_stream, stream  # noqa: E402
