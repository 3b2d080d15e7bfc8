"""no_grad, enable_grad, set_grad_enabled, inference_mode: context managers, decorators, threads."""

import threading

import pytest

import ember
import ember.autograd as autograd


def leaf():
    return ember.ones(2, requires_grad=True)


def test_reexported_from_core():
    assert autograd.no_grad is ember.no_grad and autograd.enable_grad is ember.enable_grad
    assert autograd.set_grad_enabled is ember.set_grad_enabled and autograd.inference_mode is ember.inference_mode


def test_no_grad_and_enable_grad_nest():
    x = leaf()
    with ember.no_grad():
        assert not ember.is_grad_enabled()
        assert not (x * 2).requires_grad
        with ember.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert ember.is_grad_enabled() and (x * 2).requires_grad


def test_decorators():
    x = leaf()

    @ember.no_grad()
    def f(t):
        return t * 2

    @ember.enable_grad()
    def g(t):
        return t * 2

    assert not f(x).requires_grad
    with ember.no_grad():
        assert g(x).requires_grad
    assert ember.is_grad_enabled()


def test_set_grad_enabled_as_call_context_and_decorator():
    x = leaf()
    ember.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        ember.set_grad_enabled(True)
    with ember.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @ember.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert ember.is_grad_enabled()
    assert not f(x).requires_grad
    assert ember.is_grad_enabled()


def test_inference_mode():
    x = leaf()
    with ember.inference_mode():
        assert ember.is_inference_mode_enabled() and not (x * 2).requires_grad
    assert not ember.is_inference_mode_enabled()
    with ember.inference_mode(False):
        assert (x * 2).requires_grad


def test_exception_restores_mode():
    try:
        with ember.no_grad():
            raise ValueError
    except ValueError:
        pass
    assert ember.is_grad_enabled()


def test_grad_mode_is_per_thread():
    x = leaf()
    results = {}
    entered, release = threading.Event(), threading.Event()

    def worker():
        results["worker_enabled"] = ember.is_grad_enabled()
        results["worker_requires_grad"] = (x * 2).requires_grad
        with ember.no_grad():
            entered.set()
            release.wait(5)

    with ember.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert results == {"worker_enabled": True, "worker_requires_grad": True}

    t = threading.Thread(target=worker)
    t.start()
    entered.wait(5)
    assert ember.is_grad_enabled() and (x * 2).requires_grad   # the worker's no_grad is its own
    release.set()
    t.join()


def test_backward_restores_grad_mode_and_runs_without_recording():
    x = leaf()
    seen = []
    x.register_hook(lambda g: seen.append(ember.is_grad_enabled()))
    (x * 2).sum().backward()
    assert seen == [False] and ember.is_grad_enabled()
    with pytest.warns(UserWarning, match="create_graph=True will create a reference cycle"):
        (x * 2).sum().backward(create_graph=True)
    assert seen == [False, True]
