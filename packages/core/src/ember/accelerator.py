"""``ember.accelerator``: the device a program should run on, whatever its type.

Recent PyTorch examples pick their device with::

    device = ember.accelerator.current_accelerator() if ember.accelerator.is_available() else "cpu"

The accelerator is a device type registered through ember's plugin registry (``ember-cuda``
registers ``"cuda"``; any third-party backend can register its own). The CPU is never the
accelerator, and neither is a backend that sets ``Backend.accelerator = False`` (a debugging
device such as ``ember-checked``). When several accelerators are registered, ``"cuda"`` comes
first, then the others in registration order; one that is available beats one that is not.
On a machine without one, ``current_accelerator()`` is None, as in a CPU build of PyTorch.
"""

from __future__ import annotations

import contextlib

from ember import _core
from ember.backends.base import Backend
from ember.backends.registry import registry

__all__ = [
    "current_accelerator", "current_device_idx", "current_device_index", "device_count", "device_index",
    "empty_cache", "is_available", "memory_allocated", "set_device_idx", "set_device_index", "synchronize",
]

_NONE_AVAILABLE = "Cannot access accelerator device when none is available."


def _backend() -> Backend | None:
    """The accelerator backend, or None (loads the installed plugins the first time)."""
    registry.load_plugins()
    candidates = [b for name, b in registry.backends.items() if name != "cpu" and b.accelerator]
    candidates.sort(key=lambda b: b.type != "cuda")  # stable: registration order otherwise
    for backend in candidates:
        if _usable(backend):
            return backend
    return candidates[0] if candidates else None


def _usable(backend: Backend) -> bool:
    return backend.is_available() and backend.device_count() > 0


def _require() -> Backend:
    backend = _backend()
    if backend is None or not _usable(backend):
        raise RuntimeError(_NONE_AVAILABLE)
    return backend


def _index(backend: Backend, device) -> int:
    """A device index of ``backend``'s type from None (current), an int, a string or a device."""
    if device is None:
        return registry.current_device(backend.type)
    if isinstance(device, int) and not isinstance(device, bool):
        return device
    if not isinstance(device, (str, _core.device)):
        raise TypeError(f"expected an ember.device, a device string or an int, but got {type(device).__name__}")
    dev = _core.device(device)
    if dev.type != backend.type:
        raise ValueError(f"{dev.type} doesn't match the current accelerator {backend.type}.")
    return registry.current_device(backend.type) if dev.index is None else dev.index


def is_available() -> bool:
    """True if an accelerator backend is installed, can run here and sees at least one device.

    Example::

        >>> device = ember.accelerator.current_accelerator() if ember.accelerator.is_available() else "cpu"
    """
    backend = _backend()
    return backend is not None and _usable(backend)


def current_accelerator(check_available: bool = False) -> _core.device | None:
    """The accelerator's device type as an ``ember.device`` (index None), or None.

    Args:
        check_available: also require that the accelerator can run now (``is_available()``);
            otherwise an installed but unusable accelerator (no driver) is still returned.
            Default: ``False``.

    Returns:
        ember.device or None: ``device(type='cuda')`` with ember-cuda installed, None on a
        machine with no accelerator backend. Use ``current_device_index()`` for the index.

    Example::

        >>> model = ember.nn.Linear(2, 2)
        >>> if (device := ember.accelerator.current_accelerator(check_available=True)) is not None:
        ...     model.to(device)
    """
    backend = _backend()
    if backend is None or (check_available and not _usable(backend)):
        return None
    return _core.device(backend.type)


def device_count() -> int:
    """The number of accelerator devices; 0 when there is no usable accelerator."""
    backend = _backend()
    return backend.device_count() if backend is not None and _usable(backend) else 0


def current_device_index() -> int:
    """The index of the device a bare accelerator type (``"cuda"``) means; 0 unless changed.

    Raises:
        RuntimeError: when no accelerator is available.
    """
    return registry.current_device(_require().type)


def set_device_index(device, /) -> None:
    """Make the accelerator's device ``device`` the current one.

    Args:
        device (ember.device, str, int): a device of the accelerator's type (``"cuda:1"``) or
            an index. A negative index changes nothing, as in PyTorch.

    Raises:
        RuntimeError: when no accelerator is available or the index is out of range.
        ValueError: when ``device`` is of another device type.
    """
    backend = _require()
    index = _index(backend, device)
    if index < 0:
        return
    registry.set_current_device(backend.type, index)


@contextlib.contextmanager
def device_index(device: int | None, /):
    """Context manager making accelerator device ``device`` current inside the block.

    ``None`` changes nothing (and needs no accelerator).

    Example::

        >>> with ember.accelerator.device_index(1):
        ...     x = ember.ones(3, device=ember.accelerator.current_accelerator())   # on device 1
    """
    if device is None:
        yield
        return
    previous = current_device_index()
    set_device_index(device)
    try:
        yield
    finally:
        set_device_index(previous)


def synchronize(device=None, /) -> None:
    """Wait until all work queued on an accelerator device (the current one by default) is done.

    Raises:
        RuntimeError: when no accelerator is available.
    """
    backend = _require()
    backend.synchronize(_index(backend, device))


def memory_allocated(device_index=None, /) -> int:
    """Bytes held by tensors on an accelerator device (the current one by default)."""
    backend = _require()
    return backend.memory_allocated(_index(backend, device_index))


def empty_cache() -> None:
    """Release cached accelerator memory that no tensor uses; does nothing without an accelerator."""
    backend = _backend()
    if backend is not None and _usable(backend):
        backend.empty_cache()


# PyTorch's older spellings
current_device_idx = current_device_index
set_device_idx = set_device_index
