"""``ember.cuda`` memory statistics, as ``torch.cuda.memory`` reports them.

They come from the CUDA backend's caching allocator (``backend.memory_stats(index)``, a dict
with PyTorch's keys). Without CUDA every statistic is 0 and ``reset_peak_memory_stats`` does
nothing, as in a CPU build of PyTorch; ``mem_get_info`` needs a device.
"""

from __future__ import annotations


def _stat(key: str, device) -> int:
    from ember.cuda._devices import _index, _require, is_available

    if not is_available():
        return 0
    backend = _require()
    stats = getattr(backend, "memory_stats", None)
    return int(stats(_index(device)).get(key, 0)) if stats is not None else 0


def memory_stats(device=None) -> dict[str, int]:
    """The caching allocator's counters for a device (``allocated_bytes.all.current``, ...); {} without CUDA."""
    from ember.cuda._devices import _index, _require, is_available

    if not is_available():
        return {}
    stats = getattr(_require(), "memory_stats", None)
    return dict(stats(_index(device))) if stats is not None else {}


def max_memory_allocated(device=None) -> int:
    """The most bytes tensors held on a device since the start or ``reset_peak_memory_stats``."""
    return _stat("allocated_bytes.all.peak", device)


def memory_reserved(device=None) -> int:
    """Bytes the caching allocator holds from a device: what tensors use plus its cache."""
    return _stat("reserved_bytes.all.current", device)


def max_memory_reserved(device=None) -> int:
    """The peak of ``memory_reserved``."""
    return _stat("reserved_bytes.all.peak", device)


def reset_peak_memory_stats(device=None) -> None:
    """Start the peaks (``max_memory_allocated``, ``max_memory_reserved``) again from now."""
    from ember.cuda._devices import _index, _require, is_available

    if is_available():
        reset = getattr(_require(), "reset_peak_memory_stats", None)
        if reset is not None:
            reset(_index(device))


def mem_get_info(device=None) -> tuple[int, int]:
    """(free bytes, total bytes) of a device, as the driver reports them."""
    from ember.cuda._devices import _index, _require

    return _require().runtime.mem_get_info(_index(device))
