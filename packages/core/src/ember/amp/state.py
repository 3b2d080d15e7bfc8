"""Autocast's per-thread state: per device type, whether it is on and its dtype; the nesting depth and
the cache of casted weights (as ``torch.is_autocast_enabled``, ``get_autocast_dtype``, ...)."""

from __future__ import annotations

import threading

from ember import dtypes

__all__ = ["is_autocast_enabled", "set_autocast_enabled", "get_autocast_dtype", "set_autocast_dtype",
           "is_autocast_cache_enabled", "set_autocast_cache_enabled", "clear_autocast_cache",
           "autocast_increment_nesting", "autocast_decrement_nesting", "is_autocast_cpu_enabled",
           "set_autocast_cpu_enabled", "get_autocast_cpu_dtype", "set_autocast_cpu_dtype", "get_autocast_gpu_dtype",
           "set_autocast_gpu_dtype"]

# ember has no bfloat16 (NumPy has none), so float16 is the lower precision on every device
_DEFAULT_DTYPES = {"cpu": dtypes.float16, "cuda": dtypes.float16}


class _State(threading.local):
    def __init__(self) -> None:
        self.enabled: dict[str, bool] = {}
        self.dtype: dict[str, object] = dict(_DEFAULT_DTYPES)
        self.cache_enabled = True
        self.nesting = 0
        self.cache: dict[int, tuple] = {}   # id(weight) -> (weight, its cast): keeps the weight alive
        self.inside_op = False              # an autocast op runs its body without casting again


STATE = _State()


def _device_type(device_type) -> str:
    if not isinstance(device_type, str):
        raise TypeError(f"device_type must be a str, got {type(device_type).__name__}")
    return device_type


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` (the CUDA one if omitted, as in PyTorch)."""
    return STATE.enabled.get("cuda" if device_type is None else _device_type(device_type), False)


def set_autocast_enabled(*args) -> None:
    """``set_autocast_enabled(device_type, enabled)``, or ``set_autocast_enabled(enabled)`` for CUDA."""
    device_type, enabled = ("cuda", args[0]) if len(args) == 1 else args
    STATE.enabled[_device_type(device_type)] = bool(enabled)


def get_autocast_dtype(device_type: str):
    """The lower-precision dtype autocast uses on ``device_type``."""
    return STATE.dtype.get(_device_type(device_type), dtypes.float16)


def set_autocast_dtype(device_type: str, dtype) -> None:
    STATE.dtype[_device_type(device_type)] = dtype


def is_autocast_cpu_enabled() -> bool:
    return is_autocast_enabled("cpu")


def set_autocast_cpu_enabled(enabled: bool) -> None:
    set_autocast_enabled("cpu", enabled)


def get_autocast_cpu_dtype():
    return get_autocast_dtype("cpu")


def set_autocast_cpu_dtype(dtype) -> None:
    set_autocast_dtype("cpu", dtype)


def get_autocast_gpu_dtype():
    return get_autocast_dtype("cuda")


def set_autocast_gpu_dtype(dtype) -> None:
    set_autocast_dtype("cuda", dtype)


def is_autocast_cache_enabled() -> bool:
    """Whether autocast keeps the lower-precision copies of weights for the rest of the region."""
    return STATE.cache_enabled


def set_autocast_cache_enabled(enabled: bool) -> None:
    STATE.cache_enabled = bool(enabled)


def clear_autocast_cache() -> None:
    """Forget the cached casts of weights (autocast does it on leaving its outermost region)."""
    STATE.cache.clear()


def autocast_increment_nesting() -> int:
    STATE.nesting += 1
    return STATE.nesting


def autocast_decrement_nesting() -> int:
    STATE.nesting -= 1
    return STATE.nesting
