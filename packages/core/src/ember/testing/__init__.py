"""Testing tools: ``assert_close`` and the conformance suite that backends run against themselves."""

from ember.testing.comparison import assert_close

__all__ = ["assert_close", "conformance_suite"]


def conformance_suite(device_type: str):
    """A pytest hook that runs ember's conformance suite on ``device_type`` (see ``ember.testing.plugin``)."""
    from ember.testing.plugin import conformance_suite as make

    return make(device_type)
