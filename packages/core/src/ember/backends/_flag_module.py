"""A module whose attributes are validated switches, as ``ember.backends.cudnn.benchmark`` is."""

from __future__ import annotations

import types


class FlagModule(types.ModuleType):
    """A module type whose boolean flags reject values that are not bools.

    A module sets ``sys.modules[__name__].__class__`` to a subclass naming its flags in
    ``_bool_flags`` (flag -> the name its error message uses); assigning anything but a bool
    to one raises ``RuntimeError``, as PyTorch's flag modules do.
    """

    _bool_flags: dict[str, str] = {}

    def __setattr__(self, name: str, value) -> None:
        what = self._bool_flags.get(name)
        if what is not None and not isinstance(value, bool):
            raise RuntimeError(f"{what} expects a bool, but got {type(value).__name__}")
        super().__setattr__(name, value)
