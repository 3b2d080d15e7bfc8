"""How a backend package runs the conformance suite: one line in its ``conftest.py``::

    pytest_collect_file = ember.testing.conformance_suite("mydevice")

pytest then collects ``ember.testing.suite`` for that device type next to the conftest,
as ``tests/ember-conformance-mydevice::test_kernel[add-float32]`` and so on.
"""

from __future__ import annotations

import importlib

import pytest


class ConformanceSuite(pytest.Module):
    """The tests of ``ember.testing.suite``, collected for the device type ``device_type``,
    with the backend's ``tolerances`` and ``expected_failures`` (see ``conformance_suite``)."""

    device_type: str = "cpu"
    tolerances: dict = {}
    expected_failures: tuple = ()

    def _getobj(self):
        pytest.register_assert_rewrite("ember.testing.suite")  # plain asserts explain themselves
        return importlib.import_module("ember.testing.suite")


def conformance_suite(device_type: str, *, tolerances: dict | None = None,
                      expected_failures: list[str] | tuple[str, ...] = ()):
    """A ``pytest_collect_file`` hook that adds ember's conformance suite for ``device_type``.

    Assign it in a ``conftest.py``; the suite is collected once, beside that conftest,
    whenever pytest collects its folder. It checks every kernel the backend registers
    against the CPU backend across dtypes and shapes (0-d, empty, broadcast,
    non-contiguous), the backend contract (devices, conversions, seeding, errors) and,
    when ember-autograd is installed, gradients. It needs pytest; the optimizer kernels'
    samples need ember-nn (without it they are skipped, saying so).

    Args:
        device_type: the backend's device type.
        tolerances: ``{dtype name: (rtol, atol)}`` replacing ember's defaults for those
            dtypes, for results and gradients (``{"float32": (1e-4, 1e-4)}`` for a backend
            that computes float32 differently from NumPy).
        expected_failures: test names or shell-style patterns (``"test_kernel[erf-*]"``,
            ``"test_gradient[lgamma-float32]"``) that fail on this backend on purpose. They are
            marked ``xfail(strict=True)``: one that starts passing fails the run, so the list
            stays exact.

    Example::

        # tests/conftest.py of a backend package
        import ember.testing

        pytest_collect_file = ember.testing.conformance_suite("checked")
    """
    tolerances = _checked_tolerances(tolerances)
    if isinstance(expected_failures, str) or not all(isinstance(p, str) for p in expected_failures):
        raise TypeError(f"expected_failures must be a list of test names or patterns, got {expected_failures!r}")
    expected_failures = tuple(expected_failures)

    def pytest_collect_file(file_path, parent):
        if file_path.name != "conftest.py":
            return None
        conftest = parent.config.pluginmanager.get_plugin(str(file_path))
        if getattr(conftest, "pytest_collect_file", None) is not pytest_collect_file:
            return None  # a conftest further down: the suite is already collected above
        suite = ConformanceSuite.from_parent(parent, path=file_path.with_name(f"ember-conformance-{device_type}"))
        suite.device_type = device_type
        suite.tolerances = tolerances
        suite.expected_failures = expected_failures
        return suite

    return pytest_collect_file


def _checked_tolerances(tolerances) -> dict:
    """``tolerances`` as ``{dtype name: (rtol, atol)}`` of non-negative floats, or a TypeError/ValueError."""
    if tolerances is None:
        return {}
    if not isinstance(tolerances, dict):
        raise TypeError(f"tolerances must be a dict of dtype name -> (rtol, atol), got {type(tolerances).__name__}")
    out = {}
    for name, pair in tolerances.items():
        name = getattr(name, "name", name)  # ember.float32 or "float32"
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2 and all(isinstance(v, (int, float)) and v >= 0
                                                                            for v in pair)):
            raise ValueError(f"tolerances[{name!r}] must be (rtol, atol), two non-negative numbers, got {pair!r}")
        out[str(name)] = (float(pair[0]), float(pair[1]))
    return out
