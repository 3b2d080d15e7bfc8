"""The backend contract: what a device backend provides to ember."""

from __future__ import annotations

import numpy as np


class Backend:
    """Base class for device backends. Subclass it and fill ``kernels``.

    Attributes:
        type: the device type name users write (``"cpu"``, ``"cuda"``, ``"checked"``).
        kernels: op name -> function on native arrays (see the core README for the
            primitives a backend must implement).
        has_index: whether devices of this type are numbered (``"cuda:1"``).
    """

    type: str = ""
    has_index: bool = True

    def __init__(self) -> None:
        self.kernels: dict[str, object] = {}

    def is_available(self) -> bool:
        """Whether tensors can be created on this backend in this process."""
        return True

    def unavailable_reason(self) -> str:
        """Why ``is_available()`` is False, in words for the user."""
        return ""

    def device_count(self) -> int:
        return 1

    def from_numpy(self, array: np.ndarray, index: int | None):
        """A native array on device ``index`` holding a copy of (or view on) ``array``."""
        raise NotImplementedError

    def to_numpy(self, data) -> np.ndarray:
        """A NumPy array with the data of native array ``data`` (a view where possible)."""
        raise NotImplementedError

    def synchronize(self, index: int | None = None) -> None:
        """Wait until all queued work on the device has finished."""

    def memory_allocated(self, index: int | None = None) -> int:
        return 0

    def manual_seed(self, seed: int) -> None:
        """Seed this backend's random generator(s)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} type={self.type!r}>"
