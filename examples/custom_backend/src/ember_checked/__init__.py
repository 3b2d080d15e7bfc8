"""ember-checked: a device that finds the op where your numbers went bad.

Tensors on ``device="checked"`` behave like CPU tensors, but every kernel checks its
result: the first op that turns finite inputs into a NaN or an Inf raises
``FloatingPointError`` naming the op. There are two devices, ``checked:0`` and
``checked:1``, so multi-device code can be tried without a GPU.
"""

from __future__ import annotations

import math

import numpy as np

from ember.backends import Backend, hookimpl


class CheckedBackend(Backend):
    """Runs the CPU backend's kernels on NumPy arrays and checks every float result."""

    type = "checked"
    fallback = "cpu"  # a kernel that a plugin adds to the CPU later runs on host copies...
    accelerator = False  # a debugging device: ember.accelerator must not send models here

    def __init__(self, cpu_kernels: dict) -> None:
        super().__init__()
        self.kernels = {name: checked_kernel(name, fn) for name, fn in cpu_kernels.items()}
        self.seeds = [0, 0]

    def fallback_kernel(self, name: str, index: int | None):
        kernel = super().fallback_kernel(name, index)  # ...checked like the others
        return None if kernel is None else checked_kernel(name, kernel)

    def device_count(self) -> int:
        return 2

    def from_numpy(self, array: np.ndarray, index: int | None) -> np.ndarray:
        return np.array(array, copy=True)  # a device owns its memory: never alias the host's

    def to_numpy(self, data: np.ndarray) -> np.ndarray:
        return data.copy(order="K")

    def synchronize(self, index: int | None = None) -> None:
        pass  # kernels run eagerly on the host: when one returns, its work is done

    def manual_seed(self, seed: int, index: int | None = None) -> None:
        for i in range(self.device_count()) if index is None else [index]:
            self.seeds[i] = seed

    def memory_allocated(self, index: int | None = None) -> int:
        return 0  # NumPy owns the memory; this device keeps no pool to report on


def checked_kernel(name: str, kernel):
    """``kernel`` plus a check that it did not create a NaN or an Inf from finite inputs."""

    def run(*args):
        inputs_finite = all(_finite(a) for a in args)  # a NaN that comes in may go out
        with np.errstate(all="ignore"):  # NumPy's warnings would only repeat the error below
            out = kernel(*args)
        if inputs_finite:
            results = args[:1] if name.endswith("_") else out if isinstance(out, tuple) else (out,)
            for result in results:
                if not _finite(result):
                    bad = np.count_nonzero(~np.isfinite(result))
                    raise FloatingPointError(f"checked device: '{name}' produced NaN or Inf from finite "
                                             f"inputs ({bad} of {np.size(result)} values)")
        return out

    run.__name__ = run.__qualname__ = f"checked_{name}"
    return run


def _finite(value) -> bool:
    """True unless ``value`` is a float array or float number holding NaN or Inf."""
    if isinstance(value, np.ndarray | np.generic):
        return value.dtype.kind != "f" or bool(np.isfinite(value).all())
    if isinstance(value, float):
        return math.isfinite(value)
    return True


@hookimpl
def ember_register_backends(registry) -> None:
    registry.register_backend(CheckedBackend(registry.backend("cpu").kernels))
