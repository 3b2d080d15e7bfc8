"""The CPU backend: NumPy arrays, NumPy/BLAS kernels and Cython kernels.

It registers through ``ember_register_backends`` like any plugin. Kernels are grouped by
op family, one module each; this module merges their tables.
"""

from __future__ import annotations

import numpy as np

from ember.backends.base import Backend
from ember.backends.cpu import (
    activation,
    allocator,  # noqa: F401  (tunes malloc once, on import)
    bessel,
    bessel_jyk,
    creation,
    error_function,
    incomplete_gamma,
    indexing,
    layer_norm,
    linalg,
    linalg_decomp,
    nn_ops,
    normalization,
    optim,
    pointwise,
    recurrent,
    reduction,
    shape,
    sorting,
    sparse,
)
from ember.hookspecs import hookimpl

FAMILIES = (creation, pointwise, reduction, shape, indexing, linalg, linalg_decomp, sorting, activation, nn_ops,
            normalization, layer_norm, recurrent, optim, sparse, error_function, bessel, bessel_jyk, incomplete_gamma)


class CPUBackend(Backend):
    """Tensors on the CPU hold NumPy arrays; ``from_numpy`` and ``numpy()`` share memory."""

    type = "cpu"
    has_index = False

    def __init__(self) -> None:
        super().__init__()
        for family in FAMILIES:
            self.kernels.update(family.KERNELS)

    def device_name(self, index: int | None = None) -> str:
        return "cpu"

    def from_numpy(self, array: np.ndarray, index: int | None) -> np.ndarray:
        return array

    def to_numpy(self, data: np.ndarray) -> np.ndarray:
        return data


@hookimpl
def ember_register_backends(registry) -> None:
    registry.register_backend(CPUBackend())
