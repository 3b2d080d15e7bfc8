"""Process-wide settings with PyTorch's names: the inter-op thread count (``ember.num_threads`` has the
kernels' thread budget), flushing denormals, ``warn_always``,
the memory-format type, and ember's error classes for device failures."""

from __future__ import annotations

__all__ = ["get_num_interop_threads", "set_num_interop_threads",
           "init_num_threads", "set_flush_denormal", "set_warn_always", "is_warn_always_enabled", "memory_format",
           "OutOfMemoryError", "AcceleratorError", "FatalError"]

_settings = {"interop_threads": 1, "warn_always": False, "interop_set": False}


def get_num_interop_threads() -> int:
    """The number of threads for running independent ops side by side (ember runs ops in order: 1)."""
    return _settings["interop_threads"]


def set_num_interop_threads(nthreads: int) -> None:
    """Record the inter-op thread count (once, as in PyTorch); ember runs ops in order whatever it is."""
    if not isinstance(nthreads, int) or nthreads <= 0:
        raise RuntimeError(f"set_num_interop_threads expects a positive integer, got {nthreads!r}")
    if _settings["interop_set"]:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has started or "
                           "set_num_interop_threads called")
    _settings["interop_threads"] = nthreads
    _settings["interop_set"] = True


def init_num_threads() -> None:
    """Apply the thread settings to the calling thread (ember's kernels read them on every call)."""
    from ember.num_threads import get_num_threads, set_num_threads
    set_num_threads(get_num_threads())


def set_flush_denormal(mode: bool) -> bool:
    """Whether flushing denormal floats to zero could be set: False, NumPy offers no such mode (as PyTorch
    answers on CPUs without SSE3)."""
    return False


def set_warn_always(b: bool) -> None:
    """Repeat warnings that ember would otherwise give once per process."""
    _settings["warn_always"] = bool(b)


def is_warn_always_enabled() -> bool:
    return _settings["warn_always"]


class memory_format:
    """A memory layout name (``ember.contiguous_format``, ``channels_last``, ...). ember's CPU tensors are
    row-major; layouts are accepted where PyTorch takes them and give row-major results."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __repr__(self) -> str:
        return f"ember.{self._name}"

    def __reduce__(self):
        return self._name


contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")
preserve_format = memory_format("preserve_format")


class OutOfMemoryError(RuntimeError):
    """A device ran out of memory."""


class AcceleratorError(RuntimeError):
    """An accelerator (a non-CPU backend) reported an error."""


class FatalError(Exception):
    """An unrecoverable error of the runtime."""
