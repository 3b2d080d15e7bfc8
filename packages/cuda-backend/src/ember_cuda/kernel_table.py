"""The kernel table of the ``cuda`` and ``cudasim`` devices.

Three kinds of entries:

- views (``views.py``): new geometry over the same device memory, no launch;
- copies and conversions (``copies.py``);
- the ``.cu`` kernels (``launchers/``), launched through the runtime, for the ops whose
  kernels exist.

Every other op of ember's backend contract runs on the CPU on host copies
(``fallback = "cpu"``), and the README lists it as not yet on the GPU. Those fallbacks are also
entered in the table by name, because ember-core reads some kernels as ``kernels[name]``
without asking the fallback (the out-of-place kernel behind an in-place op, ``index_put``
behind ``t[i] = v``); kernels that plugins add to the CPU later still reach the fallback.
"""

from __future__ import annotations

from ember.backends.registry import registry
from ember_cuda.backend import on_host
from ember_cuda.copies import copy_kernels
from ember_cuda.views import VIEW_KERNELS, is_basic_key, unbind_kernel, view_kernel


def build_kernel_table(backend) -> dict:
    cpu = registry.backend("cpu").kernels
    kernels: dict = {}
    for name in VIEW_KERNELS:
        if name in cpu:
            kernels[name] = view_kernel(name, cpu[name])
    kernels.update(copy_kernels(backend))

    cpu_getitem = view_kernel("getitem", cpu["getitem"])

    def getitem(x, key):
        if is_basic_key(key):
            return cpu_getitem(x, key)
        return backend.fallback_kernel("getitem", x.device)(x, key)

    kernels["getitem"] = getitem
    kernels["unbind"] = unbind_kernel(cpu_getitem)
    kernels.update(device_kernels(backend))
    for name in cpu:  # ember-core reads some kernels as kernels[name], past the fallback: list them all
        if name not in kernels:
            kernels[name] = on_host(backend, name, None)
    return kernels


def device_kernels(backend) -> dict:
    """The ops that launch ``.cu`` kernels (empty until the kernel families are wired in)."""
    from ember_cuda import launchers

    return launchers.kernels(backend)
