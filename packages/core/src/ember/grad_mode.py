"""Grad mode: whether ops record history for autograd, per thread.

These live in ember-core (``ember.no_grad`` needs no other package); ember-autograd
re-exports them as ``ember.autograd.no_grad`` and friends.
"""

from __future__ import annotations

import functools

from ember import _core

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "is_inference_mode_enabled"]

is_grad_enabled = _core.is_grad_enabled
is_inference_mode_enabled = _core.is_inference_mode_enabled


class _GradModeContext:
    """Base of the grad-mode context managers, which also work as decorators."""

    _mode = True

    def __enter__(self) -> None:
        self._prev = _core.is_grad_enabled()
        _core._set_grad_enabled(self._mode)

    def __exit__(self, *exc) -> None:
        _core._set_grad_enabled(self._prev)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self._clone():
                return fn(*args, **kwargs)
        return wrapper

    def _clone(self):
        return type(self)()


class no_grad(_GradModeContext):
    """Context manager and decorator that turns off gradient recording.

    Example::

        >>> with ember.no_grad():
        ...     y = x * 2          # y.requires_grad is False
    """

    _mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator that turns gradient recording back on."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Turn gradient recording on or off: as a call (takes effect at once), a context
    manager (restored on exit) or a decorator."""

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = _core.is_grad_enabled()
        _core._set_grad_enabled(self._mode)

    def __enter__(self) -> None:
        pass

    def __call__(self, fn):
        _core._set_grad_enabled(self._prev)  # used as a decorator: undo the call's effect
        return super().__call__(fn)

    def _clone(self):
        return _Scoped(self._mode)


class _Scoped(_GradModeContext):
    def __init__(self, mode: bool) -> None:
        self._mode = mode


class inference_mode(_GradModeContext):
    """Like ``no_grad``, for code that will never need gradients of what it computes."""

    def __init__(self, mode: bool = True) -> None:
        self._mode = not mode
        self._inference = mode

    def __enter__(self) -> None:
        super().__enter__()
        self._prev_inference = _core.is_inference_mode_enabled()
        _core._set_inference_mode(self._inference)

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        _core._set_inference_mode(self._prev_inference)

    def _clone(self):
        return inference_mode(self._inference)
