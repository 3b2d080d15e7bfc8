"""``set_multithreading_enabled``: whether backward may run on per-device worker threads."""

from __future__ import annotations

import functools
import threading

__all__ = ["set_multithreading_enabled", "is_multithreading_enabled"]

_state = threading.local()


def is_multithreading_enabled() -> bool:
    """Whether backward may use worker threads (ember's engine always runs backward on the calling thread,
    so the flag only records the request)."""
    return getattr(_state, "enabled", True)


class set_multithreading_enabled:
    """Enable or disable multithreaded backward in this thread (a context manager, a decorator, or called
    as a function). ember's engine runs backward on the calling thread either way."""

    def __init__(self, mode: bool) -> None:
        self.prev = is_multithreading_enabled()
        self.mode = bool(mode)
        _state.enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _state.enabled = self.prev

    def __call__(self, func):
        @functools.wraps(func)
        def run(*args, **kwargs):
            with set_multithreading_enabled(self.mode):
                return func(*args, **kwargs)
        return run

    def clone(self) -> set_multithreading_enabled:
        return self.__class__(self.mode)
