"""How a backend package runs the conformance suite: one line in its ``conftest.py``::

    pytest_collect_file = ember.testing.conformance_suite("mydevice")

pytest then collects ``ember.testing.suite`` for that device type next to the conftest,
as ``tests/ember-conformance-mydevice::test_kernel[add-float32]`` and so on.
"""

from __future__ import annotations

import importlib

import pytest


class ConformanceSuite(pytest.Module):
    """The tests of ``ember.testing.suite``, collected for the device type ``device_type``."""

    device_type: str = "cpu"

    def _getobj(self):
        pytest.register_assert_rewrite("ember.testing.suite")  # plain asserts explain themselves
        return importlib.import_module("ember.testing.suite")


def conformance_suite(device_type: str):
    """A ``pytest_collect_file`` hook that adds ember's conformance suite for ``device_type``.

    Assign it in a ``conftest.py``; the suite is collected once, beside that conftest,
    whenever pytest collects its folder. It checks every kernel the backend registers
    against the CPU backend across dtypes and shapes (0-d, empty, broadcast,
    non-contiguous), the backend contract (devices, conversions, seeding, errors) and,
    when ember-autograd is installed, gradients.

    Example::

        # tests/conftest.py of a backend package
        import ember.testing

        pytest_collect_file = ember.testing.conformance_suite("checked")
    """

    def pytest_collect_file(file_path, parent):
        if file_path.name != "conftest.py":
            return None
        conftest = parent.config.pluginmanager.get_plugin(str(file_path))
        if getattr(conftest, "pytest_collect_file", None) is not pytest_collect_file:
            return None  # a conftest further down: the suite is already collected above
        suite = ConformanceSuite.from_parent(parent, path=file_path.with_name(f"ember-conformance-{device_type}"))
        suite.device_type = device_type
        return suite

    return pytest_collect_file
