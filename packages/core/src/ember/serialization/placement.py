"""``map_location``: which device each loaded tensor goes to.

Tensors are placed as they are rebuilt (PyTorch applies ``map_location`` to each storage as it is
read), so no pass over the loaded object is needed afterwards: a tensor inside a pickled module
is placed like one inside a dict.
"""

from __future__ import annotations

from ember import _core


class PlacementError(RuntimeError):
    """A loaded tensor could not go where ``map_location`` sends it (the device is not usable here)."""


class MapLocationFailed(Exception):
    """Carries an exception raised by the user's ``map_location`` callable out of the unpickler."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error


class Placement:
    """Applies ``ember.load``'s ``map_location`` to tensors saved on ``location``.

    Args:
        map_location: None (where they were saved), a device or string (``"cpu"``), a dict mapping
            saved locations to new ones, or a callable ``(tensor, location) -> tensor or None``.
    """

    def __init__(self, map_location) -> None:
        if not (map_location is None or isinstance(map_location, (str, dict, _core.device))
                or callable(map_location)):
            raise TypeError(f"map_location must be a device, a string, a dict or a callable, "
                            f"but got {type(map_location).__name__}")
        self.map_location = map_location

    def place(self, tensor, location: str):
        """``tensor`` (a CPU tensor just rebuilt) on the device ``map_location`` picks for ``location``."""
        target = self.map_location
        if target is None:
            target = location
        elif isinstance(target, dict):
            target = target.get(location, location)
        elif callable(target) and not isinstance(target, (str, _core.device)):
            try:
                moved = target(tensor, location)
            except Exception as err:  # the user's error, re-raised as it is by ember.load
                raise MapLocationFailed(err) from err
            return tensor if moved is None else moved
        target = str(target)
        return tensor if target == "cpu" else _to_device(tensor, target)


def _to_device(t, target: str):
    from ember.backends.registry import registry
    try:
        dev = registry.canonical(target)
    except RuntimeError as err:
        raise PlacementError(f"Attempting to deserialize a tensor saved on device '{target}', but that "
                           f"device is not usable here ({err}). Pass map_location='cpu' to ember.load "
                           f"to load it on the CPU.") from None
    return t.to(dev)
