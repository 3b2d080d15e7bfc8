"""Anomaly detection's state: whether it is on, the forward stack of each node, NaN checks.

The node, recorder and engine read it; ``anomaly_mode`` (``detect_anomaly``) switches it and
installs the recorder that keeps forward stacks, so this module imports nothing of autograd's.
"""

from __future__ import annotations

import traceback
import warnings
import weakref

_state = {"enabled": False, "check_nan": True}
FORWARD_TRACES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on."""
    return _state["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    """True while anomaly detection also checks backward results for NaN."""
    return _state["check_nan"]


def remember_forward(node) -> None:
    FORWARD_TRACES[node] = "".join(traceback.format_stack()[:-3])


def report_failure(node) -> None:
    """Warn with the forward stack of ``node``, whose backward just failed."""
    trace = FORWARD_TRACES.get(node)
    if trace is None:
        warnings.warn(f"Error detected in {node.name()}. No forward pass information available. Enable detect "
                      f"anomaly during forward pass for more information.", stacklevel=2)
    else:
        warnings.warn(f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{trace}",
                      stacklevel=2)


def check_nan(node, grads) -> None:
    """Raise if ``node`` returned a gradient with NaN in it."""
    from ember.ops.pointwise import isnan
    if not isinstance(grads, (tuple, list)):
        grads = (grads,)
    for i, g in enumerate(grads):
        if g is not None and bool(isnan(g).any()):
            raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
