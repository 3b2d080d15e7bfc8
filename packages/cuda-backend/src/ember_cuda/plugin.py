"""The pluggy plugin: registers ``cuda`` (always, unavailable with a reason when there is no GPU)
and ``cudasim`` (only when ``EMBER_CUDA_SIM=1``)."""

from __future__ import annotations

import os

from ember.backends import hookimpl
from ember_cuda.backend import CudaBackend
from ember_cuda.runtime import SimRuntime, find_pycuda_runtime

SIM_ENV = "EMBER_CUDA_SIM"


def make_cuda_backend(import_module=None) -> CudaBackend:
    """The ``cuda`` backend on pycuda, or an unavailable one that says why there is no GPU."""
    runtime, reason = find_pycuda_runtime() if import_module is None else find_pycuda_runtime(import_module)
    return CudaBackend("cuda", runtime, reason)


def make_sim_backend(device_type: str = "cudasim", **sim_options) -> CudaBackend:
    """A backend whose devices are emulated on the CPU (``SimRuntime``): same kernels, host memory."""
    backend = CudaBackend(device_type, SimRuntime(**sim_options))
    backend.accelerator = device_type == "cuda"  # an imitation GPU is never picked for users' models
    return backend


def sim_enabled() -> bool:
    return os.environ.get(SIM_ENV, "").strip().lower() in ("1", "true", "yes", "on")


@hookimpl
def ember_register_backends(registry) -> None:
    registry.register_backend(make_cuda_backend())
    if sim_enabled():
        registry.register_backend(make_sim_backend())
