"""The errors ``ember.distributed`` raises, as ``torch.distributed`` names them."""

__all__ = ["DistError", "DistBackendError", "DistNetworkError"]


class DistError(RuntimeError):
    """An error of a collective or of the process group (a ``RuntimeError``)."""


class DistBackendError(DistError):
    """The collective backend failed: a timeout, a peer that went away, a mismatch between ranks."""


class DistNetworkError(DistError):
    """Setting up the process group failed (the processes could not find each other)."""
