"""Anomaly detection: remember where each node was recorded, and stop at NaN gradients.

While it is on, a recorder that also stores the forward stack of every node replaces the
plain one (so the normal path pays nothing), and the engine reports the forward stack of a
node whose backward failed, and raises when a node returns NaN (``check_nan``). The state
the engine reads lives in ``anomaly_state``.
"""

from __future__ import annotations

import functools
import warnings

from ember import _core
from ember.autograd.anomaly_state import _state, is_anomaly_check_nan_enabled, is_anomaly_enabled
from ember.autograd.recorder import AnomalyRecorder, Recorder


def _set(enabled: bool, check_nan: bool) -> None:
    _state["enabled"] = bool(enabled)
    _state["check_nan"] = bool(check_nan)
    _core.set_recorder(AnomalyRecorder() if enabled else Recorder())


class detect_anomaly:
    """Context manager and decorator that turns anomaly detection on.

    Errors raised while computing a node's gradient then show the forward call that recorded
    it, and (``check_nan=True``) a node returning NaN raises at once.

    Example::

        >>> with ember.autograd.detect_anomaly():
        ...     (x.log() * 0).sum().backward()     # x holds a 0
        RuntimeError: Function 'LogBackward0' returned nan values in its 0th output.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)

    def __enter__(self) -> None:
        self.prev = (_state["enabled"], _state["check_nan"])
        _set(True, self.check_nan)

    def __exit__(self, *exc) -> None:
        _set(*self.prev)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off: at once, or for a ``with`` block (restored after)."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (_state["enabled"], _state["check_nan"])
        _set(mode, check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc) -> None:
        _set(*self.prev)


__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled"]
