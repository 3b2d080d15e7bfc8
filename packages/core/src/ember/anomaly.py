"""``ember.is_anomaly_enabled``, ``is_anomaly_check_nan_enabled`` and ``set_anomaly_enabled``: anomaly
detection's switches at the top level, as in PyTorch. The detection lives in ember-autograd (imported on
first call); without it nothing records a graph, so there is nothing to check."""

from __future__ import annotations

import importlib

__all__ = ["is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled"]


def _autograd():
    try:
        return importlib.import_module("ember.autograd")
    except ModuleNotFoundError:
        return None


def is_anomaly_enabled() -> bool:
    """Whether autograd's anomaly detection is on."""
    autograd = _autograd()
    return bool(autograd and autograd.is_anomaly_enabled())


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection also checks backward results for NaN."""
    autograd = _autograd()
    return bool(autograd.is_anomaly_check_nan_enabled()) if autograd else True


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off for the rest of the program (``autograd.set_detect_anomaly``)."""
    autograd = _autograd()
    if autograd is None:
        raise RuntimeError("anomaly detection is part of ember.autograd: pip install ember-autograd")
    autograd.set_detect_anomaly(enabled, check_nan)
