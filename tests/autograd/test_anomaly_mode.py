"""Anomaly detection: forward stacks of failing nodes, NaN checks, and the version-error hint."""

import pytest

import ember
from ember.autograd import detect_anomaly, is_anomaly_enabled, set_detect_anomaly


def test_nan_gradient_is_caught_with_forward_trace():
    x = ember.zeros(3, requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        mode = detect_anomaly()
    with mode:
        assert is_anomaly_enabled()
        y = x.log() * 0
        with pytest.warns(UserWarning, match="Error detected in LogBackward0. Traceback of forward call") as w:
            with pytest.raises(RuntimeError, match="^Function 'LogBackward0' returned nan values in its 0th output.$"):
                y.sum().backward()
        assert any("y = x.log() * 0" in str(r.message) for r in w)
    assert not is_anomaly_enabled()
    (x.log() * 0).sum().backward()     # off again: no check, NaN gradients pass
    assert x.grad is not None


def test_check_nan_false_and_set_detect_anomaly():
    x = ember.zeros(2, requires_grad=True)
    with set_detect_anomaly(True, check_nan=False):
        assert is_anomaly_enabled()
        (x.log() * 0).sum().backward()
    assert not is_anomaly_enabled()
    set_detect_anomaly(True)
    try:
        assert is_anomaly_enabled()
    finally:
        set_detect_anomaly(False)
    assert not is_anomaly_enabled()


def test_version_error_hint_depends_on_mode():
    x = ember.ones(2, requires_grad=True)
    h = x * 1
    y = h * h
    h.add_(1)
    with pytest.raises(RuntimeError, match="Hint: enable anomaly detection to find the operation"):
        y.sum().backward(retain_graph=True)
    with set_detect_anomaly(True):
        with pytest.warns(UserWarning, match="Error detected in MulBackward0. No forward pass information available"):
            with pytest.raises(RuntimeError, match="Hint: the backtrace further above shows the operation"):
                y.sum().backward()


def test_decorator_form():
    x = ember.zeros(1, requires_grad=True)
    with pytest.warns(UserWarning):
        decorated = detect_anomaly()(lambda: (x.sqrt() * 0).sum().backward())
    with pytest.warns(UserWarning, match="Error detected in SqrtBackward0"):
        with pytest.raises(RuntimeError, match="SqrtBackward0' returned nan values"):
            decorated()
