"""A compiled kernel file as pycuda shows one: ``module.get_function(name)(*args, block=, grid=, shared=)``.

Device memory is emulated by host memory: a NumPy array stands for a device buffer (its data
pointer is passed), an 8-byte NumPy integer or an object with ``__int__`` is a raw address.
Scalars are NumPy scalars, packed by their dtype exactly as pycuda's unprepared call packs
them; each argument is checked against the kernel's real C signature, so an ``np.int32``
passed for an ``int64_t`` parameter is an error here rather than a misread on a GPU.
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

import numpy as np

_KINDS = ("pointer", "signed integer", "unsigned integer", "floating-point", "aggregate")
_ERRLEN = 2048


class KernelError(RuntimeError):
    """A kernel failed while running: a divergent barrier, a deadlock, ``__trap()``, a bad launch."""


class KernelModule:
    """A kernel file compiled for the CPU executor, as ``pycuda.compiler.SourceModule`` is for a GPU."""

    def __init__(self, library: Path, source: Path, defines: dict | None):
        self.library = library
        self.source = source
        self.defines = dict(defines or {})
        self._lib = ctypes.CDLL(str(library))
        lib = self._lib
        lib.ember_kernel_name.restype = ctypes.c_char_p
        lib.ember_launch.argtypes = [
            ctypes.c_int,
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_char_p,
            ctypes.c_size_t,
        ]
        self._functions: dict[str, KernelFunction] = {}
        for k in range(lib.ember_kernel_count()):
            name = lib.ember_kernel_name(k).decode()
            params = [
                (lib.ember_kernel_param_kind(k, j), lib.ember_kernel_param_size(k, j))
                for j in range(lib.ember_kernel_nparams(k))
            ]
            self._functions[name] = KernelFunction(self, k, name, params)

    @property
    def kernel_names(self) -> list[str]:
        return list(self._functions)

    def get_function(self, name: str) -> KernelFunction:
        try:
            return self._functions[name]
        except KeyError:
            raise LookupError(
                f"{self.source.name} has no kernel named {name!r}; it defines {', '.join(self._functions)}"
            ) from None

    def __repr__(self) -> str:
        return f"<KernelModule {self.source.name} {self.defines} kernels={len(self._functions)}>"


def _dims(value, what: str, name: str) -> tuple[int, int, int]:
    if type(value) is tuple and len(value) == 3 and all(type(v) is int and 0 < v < 2**32 for v in value):
        return value
    try:
        dims = tuple(int(v) for v in value)
    except TypeError:
        raise TypeError(f"{name}: {what} must be a tuple of up to 3 ints, got {value!r}") from None
    if not 1 <= len(dims) <= 3 or any(d < 1 or d >= 2**32 for d in dims):
        raise ValueError(f"{name}: {what} must have 1 to 3 positive dimensions, got {value!r}")
    return dims + (1,) * (3 - len(dims))


class KernelFunction:
    """One ``__global__`` function; call it like a pycuda ``Function``."""

    def __init__(self, module: KernelModule, index: int, name: str, params: list[tuple[int, int]]):
        self.module = module
        self.index = index
        self.name = name
        self.params = params
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"<KernelFunction {self.name} ({len(self.params)} parameters)>"

    def _pack(self, j: int, arg, slots) -> None:
        kind, size = self.params[j]
        if kind == 0 and type(arg) is np.ndarray:  # the common case first
            slots[j] = arg.ctypes.data
            return
        where = f"{self.name}: argument {j}"
        if kind == 0:
            if isinstance(arg, np.ndarray):
                slots[j] = arg.ctypes.data
            elif isinstance(arg, np.generic):
                if arg.dtype.kind not in "iu" or arg.dtype.itemsize != 8:
                    raise TypeError(f"{where} is a pointer; got a NumPy {arg.dtype} scalar (pass an array or np.uintp)")
                slots[j] = int(arg) & 0xFFFFFFFFFFFFFFFF
            elif hasattr(arg, "gpudata"):
                slots[j] = int(arg.gpudata)
            elif hasattr(arg, "__int__") and not isinstance(arg, (bool, float, int)):
                slots[j] = int(arg)
            else:
                raise TypeError(f"{where} is a pointer; got {type(arg).__name__} (pass an array or a device address)")
            return
        if not isinstance(arg, np.generic):
            raise TypeError(
                f"{where} is a {size}-byte {_KINDS[kind]} parameter; got {type(arg).__name__} {arg!r}: "
                f"pass a NumPy scalar of that width, as pycuda requires"
            )
        if kind == 4:
            raise TypeError(f"{where} has an aggregate type, which the executor cannot pass")
        dtype = arg.dtype
        ok = (dtype.kind == "f") if kind == 3 else dtype.kind in "iub"
        if not ok or dtype.itemsize != size:
            raise TypeError(
                f"{where} is a {size}-byte {_KINDS[kind]} parameter; "
                f"got a NumPy {dtype} scalar ({dtype.itemsize} bytes)"
            )
        if kind == 3:
            slots[j] = int.from_bytes(arg.tobytes(), "little")
        else:  # the low `size` bytes of the two's complement value, as the C parameter reads them
            slots[j] = int(arg) & ((1 << (8 * size)) - 1)

    def __call__(self, *args, block=(1, 1, 1), grid=(1, 1), shared: int = 0, stream=None, **kwargs) -> None:
        if kwargs:
            raise TypeError(f"{self.name}: unexpected launch options {sorted(kwargs)}")
        if len(args) != len(self.params):
            raise TypeError(f"{self.name} takes {len(self.params)} arguments, got {len(args)}")
        n = len(self.params)
        slots = (ctypes.c_uint64 * max(n, 1))()
        for j, arg in enumerate(args):
            self._pack(j, arg, slots)
        base = ctypes.addressof(slots)
        pointers = (ctypes.c_void_p * max(n, 1))(*[base + 8 * j for j in range(n)])
        self._launch(pointers, _dims(block, "block", self.name), _dims(grid, "grid", self.name), shared)

    def prepare(self, arg_types) -> KernelFunction:
        """Record argument types for :meth:`prepared_call` (a struct-module string or NumPy dtypes)."""
        if isinstance(arg_types, str):
            types = [np.dtype(np.uintp) if c == "P" else np.dtype(c) for c in arg_types]
        else:
            types = [np.dtype(t) for t in arg_types]
        if len(types) != len(self.params):
            raise TypeError(f"{self.name} takes {len(self.params)} arguments; prepare got {len(types)} types")
        self._prepared = types
        return self

    def prepared_call(self, grid, block, *args, shared_size: int = 0) -> None:
        types = getattr(self, "_prepared", None)
        if types is None:
            raise RuntimeError(f"{self.name}: call prepare() before prepared_call()")
        if len(args) != len(types):
            raise TypeError(f"{self.name} takes {len(types)} arguments, got {len(args)}")
        packed = [
            a
            if isinstance(a, (np.ndarray, np.generic)) or self.params[j][0] == 0 and hasattr(a, "gpudata")
            else (np.uintp(int(a)) if self.params[j][0] == 0 else t.type(a))
            for j, (a, t) in enumerate(zip(args, types))
        ]
        self(*packed, block=block, grid=grid, shared=shared_size)

    def prepared_async_call(self, grid, block, stream, *args, shared_size: int = 0) -> None:
        self.prepared_call(grid, block, *args, shared_size=shared_size)

    def _launch(self, pointers, block, grid, shared) -> None:
        shared = int(shared)
        if shared < 0:
            raise ValueError(f"{self.name}: shared memory size must be >= 0, got {shared}")
        err = getattr(self._local, "err", None)
        if err is None:
            err = self._local.err = ctypes.create_string_buffer(_ERRLEN)
        g = (ctypes.c_uint * 3)(*grid)
        b = (ctypes.c_uint * 3)(*block)
        rc = self.module._lib.ember_launch(self.index, pointers, g, b, shared, err, _ERRLEN)
        if rc != 0:
            raise KernelError(err.value.decode(errors="replace"))
