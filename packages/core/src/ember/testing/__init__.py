"""Testing tools: ``assert_close`` and the conformance suite that backends run against themselves."""

from ember.testing.comparison import assert_close

__all__ = ["assert_close", "conformance_suite"]


def conformance_suite(device_type: str, *, tolerances: dict | None = None,
                      expected_failures: list[str] | tuple[str, ...] = ()):
    """A pytest hook that runs ember's conformance suite on ``device_type``, with the backend's own
    ``tolerances`` and ``expected_failures`` (see ``ember.testing.plugin.conformance_suite``). Needs pytest."""
    from ember.testing.plugin import conformance_suite as make

    return make(device_type, tolerances=tolerances, expected_failures=expected_failures)
