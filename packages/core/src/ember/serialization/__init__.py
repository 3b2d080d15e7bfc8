"""Saving and loading: ``ember.save``/``ember.load`` (PyTorch's checkpoint format) and safetensors.

- ``saving``: ``ember.save`` writes PyTorch's zip format, atomically.
- ``loading``: ``ember.load`` reads it; ``weights_only=True`` (the default) through
  ``weights_unpickler``, which runs no code from the file.
- ``storage``: the one checked path from a storage's bytes to a tensor's view of them.
- ``rebuild``, ``placement``: PyTorch's tensor rebuild functions, and ``map_location``.
- ``safe_globals``: the classes a user allows in weights-only loads.
- ``safetensors``: ``ember.save_file``/``ember.load_file``.
"""

from ember.serialization.errors import CheckpointError, SafetensorsError
from ember.serialization.loading import get_unsafe_globals_in_checkpoint, load
from ember.serialization.safe_globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals
from ember.serialization.safetensors import load_file, save_file
from ember.serialization.saving import save

__all__ = [
    "save", "load", "save_file", "load_file", "add_safe_globals", "safe_globals", "get_safe_globals",
    "clear_safe_globals", "get_unsafe_globals_in_checkpoint", "CheckpointError", "SafetensorsError",
]
