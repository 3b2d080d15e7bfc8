"""ember-cuda's CUDA C kernel files and the element types each is built for.

Every family is one ``.cu`` file in this directory, compiled once per element type with
``-DEMBER_DTYPE=<name>`` (``copy.cu`` also takes ``-DEMBER_SRC_DTYPE``). The same files go to
nvcc/pycuda on a GPU and to the CPU executor (:func:`ember_cuda.executor.load_module`).
KERNELS.md in the package root lists every kernel's arguments and launch geometry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

KERNEL_DIR = Path(__file__).parent

FLOAT_DTYPES = ("float16", "float32", "float64")
INT_DTYPES = ("int8", "uint8", "int16", "int32", "int64")
ALL_DTYPES = (*FLOAT_DTYPES, *INT_DTYPES, "bool")

# The element types each family is built for (the others have no kernels in that file).
FAMILIES: dict[str, tuple[str, ...]] = {
    "elementwise": ALL_DTYPES,
    "copy": ALL_DTYPES,
    "reduction": ALL_DTYPES,
    "matmul": (*FLOAT_DTYPES, *INT_DTYPES),
    "conv": FLOAT_DTYPES,
    "pool": FLOAT_DTYPES,
    "norm": FLOAT_DTYPES,
    "indexing": ALL_DTYPES,
    "optim": FLOAT_DTYPES,
    "random": ALL_DTYPES,
    "sort": ALL_DTYPES,
}


def kernel_path(family: str) -> Path:
    """The ``.cu`` file of a kernel family."""
    if family not in FAMILIES:
        raise ValueError(f"unknown kernel family {family!r}; the families are {', '.join(FAMILIES)}")
    return KERNEL_DIR / f"{family}.cu"


def dtype_name(dtype) -> str:
    """The EMBER_DTYPE name of a NumPy dtype (``np.float32`` -> ``"float32"``)."""
    name = np.dtype(dtype).name
    if name not in ALL_DTYPES:
        raise TypeError(f"ember-cuda kernels have no {name} build; supported: {', '.join(ALL_DTYPES)}")
    return name


def defines_for(dtype, src_dtype=None) -> dict[str, str]:
    """The ``-D`` macros that build a family for ``dtype`` (and ``src_dtype`` for copy.cu casts)."""
    defines = {"EMBER_DTYPE": dtype_name(dtype)}
    if src_dtype is not None:
        defines["EMBER_SRC_DTYPE"] = dtype_name(src_dtype)
    return defines
