"""The backend contract: what a device backend provides to ember.

The "Writing a backend" section of ember-core's README explains it with an example; the
conformance suite in ``ember.testing`` checks a backend against it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class Backend:
    """Base class for device backends: subclass it, set ``type`` and fill ``kernels``.

    Tensors on the backend's devices hold a *native array* in ``tensor._data``: anything
    with ``shape``, ``ndim``, ``size`` and a NumPy ``dtype`` (a NumPy array on the CPU). The
    dispatcher passes native arrays to the kernels and never looks inside them.

    Attributes:
        type: the device type users write: ``"cpu"``, ``"cuda"``, ``"checked"``.
        has_index: whether devices of this type are numbered (``"cuda:1"``). A bare
            ``"cuda"`` then means the current device (index 0 unless changed).
        accelerator: whether ``ember.accelerator`` may pick this device type for users'
            models (True for a GPU or other accelerator; False for a debugging device that
            only imitates one). The CPU is never the accelerator.
        kernels: op name -> function on native arrays. A kernel receives the native arrays
            of its tensor inputs followed by the op's parameters (Python numbers, tuples,
            NumPy dtypes) and returns a native array or a tuple of them; a kernel whose
            name ends in ``_`` writes into its first argument. The CPU backend's table is
            the reference for every name and signature.

        fallback: ``"cpu"`` to run every kernel the backend lacks (and no composite of ember
            covers) on the CPU backend, on host copies: the inputs go through ``to_numpy``,
            the CPU's kernel runs (including kernels other plugins add to the CPU later) and
            the results come back through ``from_numpy``; an in-place kernel writes back
            with the backend's own ``copy_``. ``None`` (the default): a missing kernel
            raises ``NotImplementedError`` naming the backend and the op.

    Required: ``type``, ``from_numpy``, ``to_numpy`` and the primitive kernels (or
    ``fallback="cpu"``). Everything else has a default. Optional, not defined here because its
    presence is the signal: ``pin_memory(array)``, a page-locked host copy of a NumPy array,
    used by ``DataLoader(pin_memory=True)``.
    """

    type: str = ""
    has_index: bool = True
    fallback: str | None = None
    accelerator: bool = True

    def __init__(self) -> None:
        self.kernels: dict[str, Callable] = {}

    # -- devices ----------------------------------------------------------------------------
    def is_available(self) -> bool:
        """Whether tensors can be created on this backend in this process."""
        return True

    def unavailable_reason(self) -> str:
        """Why ``is_available()`` is False, in words that tell the user what to do."""
        return ""

    def device_count(self) -> int:
        """How many devices of this type there are (``"mytype:0"`` to ``"mytype:<n-1>"``)."""
        return 1

    def device_name(self, index: int) -> str:
        """A human-readable name of device ``index`` (``ember.cuda.get_device_name``)."""
        return f"{self.type}:{index}"

    # -- moving data ------------------------------------------------------------------------
    def from_numpy(self, array: np.ndarray, index: int | None):
        """A native array on device ``index`` with the values, shape and dtype of ``array``.

        Must not share memory with ``array``: tensors on two devices never alias (only the
        CPU backend returns ``array`` itself, so ``ember.from_numpy`` shares memory). Every
        creation function (``zeros``, ``rand``, ``tensor``, ...) and ``tensor.to(device)``
        builds its result on the host and hands it to this method.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement from_numpy(array, index)")

    def to_numpy(self, data) -> np.ndarray:
        """A NumPy array with the values of native array ``data``, not sharing its memory
        (except on the CPU, where ``tensor.numpy()`` is a view).

        Used by ``tensor.cpu()``, ``tolist()``, ``item()`` and printing. Keep the element
        order of ``data`` (``np.array(..., order="K")``) so ``stride()`` stays meaningful.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement to_numpy(data)")

    # -- runtime ----------------------------------------------------------------------------
    def synchronize(self, index: int | None = None) -> None:
        """Wait until all queued work on device ``index`` (all devices if None) has finished."""

    def manual_seed(self, seed: int, index: int | None = None) -> None:
        """Seed the random generator of device ``index`` (every device if None).

        ``ember.manual_seed`` calls it for every registered backend, and the registry calls
        it with the current seed when the backend registers.
        """

    def memory_allocated(self, index: int | None = None) -> int:
        """Bytes currently held by tensors on device ``index`` (0 if the backend cannot tell)."""
        return 0

    def empty_cache(self) -> None:
        """Release cached memory that no tensor uses (``ember.cuda.empty_cache``)."""

    # -- kernels the backend lacks ------------------------------------------------------------
    def fallback_kernel(self, name: str, index: int | None):
        """The kernel ember runs for op ``name`` on device ``index`` when ``kernels`` has none.

        With ``fallback = "cpu"`` it is the CPU backend's kernel of that name, run on host
        copies; None when there is no fallback (ember then raises ``NotImplementedError``).
        The dispatcher asks only when a kernel is missing, so a backend pays nothing for the
        kernels it has; ember's composite ops (softmax, conv2d, ...) still prefer their
        composite on the device over a fallback.
        """
        if self.fallback != "cpu":
            return None
        cpu_kernel = self._cpu_kernels.get(name)
        return None if cpu_kernel is None else _on_cpu(self, name, cpu_kernel, index)

    _cpu_kernels: dict[str, Callable] = {}  # the CPU backend's live table, set by the registry

    def __repr__(self) -> str:
        return f"<{type(self).__name__} type={self.type!r}, {len(self.kernels)} kernels>"


def _is_native(value) -> bool:
    """A native array: anything with a shape and a NumPy dtype, except a NumPy scalar or dtype."""
    return hasattr(value, "shape") and hasattr(value, "dtype") and not isinstance(value, (np.generic, np.dtype))


def _on_cpu(backend: Backend, name: str, kernel: Callable, index: int | None) -> Callable:
    """``kernel`` (a CPU kernel) run on host copies of ``backend``'s native arrays on device ``index``."""

    def to_host(value):
        if _is_native(value):
            return np.asarray(backend.to_numpy(value))
        if isinstance(value, (tuple, list)):
            return type(value)(to_host(v) for v in value)
        return value

    def to_device(value):
        if isinstance(value, np.ndarray):
            return backend.from_numpy(np.ascontiguousarray(value), index)
        if isinstance(value, (tuple, list)):  # several results (sort, split, unbind, ...)
            return type(value)(to_device(v) for v in value)
        return value  # a Python or NumPy scalar: the dispatcher wraps it

    def run(*args):
        host = [to_host(a) for a in args]
        out = kernel(*host)
        if name.endswith("_"):  # in place: the CPU wrote into the host copy of the first argument
            for arg, copy in zip(args, host):
                if _is_native(arg):
                    backend.kernels["copy_"](arg, backend.from_numpy(copy, index))
                    break
            return None
        return to_device(out)

    run.__name__ = run.__qualname__ = f"cpu_fallback_{name}"
    return run
