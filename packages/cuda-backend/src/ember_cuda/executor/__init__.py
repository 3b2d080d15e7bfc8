"""The CPU executor: runs ember-cuda's CUDA C kernels on the host, one fiber per GPU thread.

``load_module(path, defines)`` compiles a ``.cu`` file with g++ (cached) and returns a module
whose ``get_function(name)`` launches like pycuda: ``fn(*args, block=(x, y, z), grid=(x, y, z), shared=n)``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from .compiler import CompileError, build, cache_dir, kernel_names
from .module import KernelError, KernelFunction, KernelModule

__all__ = [
    "CompileError",
    "KernelError",
    "KernelFunction",
    "KernelModule",
    "cache_dir",
    "kernel_names",
    "load_module",
]

_loaded: dict[tuple, KernelModule] = {}
_lock = threading.Lock()


def load_module(path: str | os.PathLike, defines: dict[str, object] | None = None) -> KernelModule:
    """Compile (or reuse) the kernel file ``path`` with the macros ``defines``.

    Args:
        path: a ``.cu`` file.
        defines: macro names to values (``{"EMBER_DTYPE": "float32"}``); ``None`` values define a bare flag.

    Returns:
        A :class:`KernelModule`; the same object for the same file and defines within a process.
    """
    resolved = Path(path).resolve()
    key = (str(resolved), resolved.stat().st_mtime_ns, tuple(sorted((k, str(v)) for k, v in (defines or {}).items())))
    with _lock:
        module = _loaded.get(key)
        if module is None:
            module = _loaded[key] = KernelModule(build(resolved, defines), resolved, defines)
    return module
