"""The error a refused checkpoint raises."""

from __future__ import annotations

import pickle


class CheckpointError(pickle.UnpicklingError):
    """A checkpoint ember refused to load. The message names the file and the reason.

    A subclass of ``pickle.UnpicklingError`` (what PyTorch raises for a file its weights-only
    unpickler refuses), so ``except pickle.UnpicklingError`` catches it.
    """


def refused(source: str, reason: str) -> CheckpointError:
    """The error for a file ember will not load: ``ember.load refused to load 'f.pth': <reason>``."""
    return CheckpointError(f"ember.load refused to load '{source}': {reason}")


class SafetensorsError(ValueError):
    """A safetensors file ember refused to load (malformed, or a dtype ember lacks)."""
