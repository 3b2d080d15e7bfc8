"""Find a real GPU: the pycuda runtime, or the reason there is none and what to do about it."""

from __future__ import annotations

import importlib

SIM_HINT = ("To run ember-cuda's kernels on the CPU instead, set EMBER_CUDA_SIM=1 and use device 'cudasim'.")
BUILD_HINT = ("Install it with: pip install 'ember-cuda[gpu]' on a machine with the CUDA toolkit, or build it "
              "with: python -m ember_cuda.build_pycuda")


def find_pycuda_runtime(import_module=importlib.import_module):
    """``(runtime, "")`` when pycuda loads, the driver initialises and finds a GPU, else
    ``(None, reason)`` with a reason that says what is missing and the fix.

    ``import_module`` is replaceable so tests can play a machine with pycuda but no driver.
    """
    try:
        driver = import_module("pycuda.driver")
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.split(".")[0] != "pycuda":
            return None, f"pycuda is installed but cannot be imported: {exc}. {BUILD_HINT}"
        return None, f"pycuda is not installed, so ember-cuda cannot reach a GPU. {BUILD_HINT}. {SIM_HINT}"
    except ImportError as exc:
        if "libcuda" in str(exc):
            return None, (f"no NVIDIA driver: pycuda could not load the driver library ({exc}). Install the NVIDIA "
                          f"driver (R580 or newer for CUDA 13) on a machine with an NVIDIA GPU. {SIM_HINT}")
        return None, f"pycuda is not importable: {exc}. {BUILD_HINT}"
    try:
        driver.init()
    except Exception as exc:  # pycuda.driver.Error and its subclasses
        return None, (f"the NVIDIA driver did not start: cuInit failed ({type(exc).__name__}: {exc}). Check that "
                      f"an NVIDIA GPU is present and nvidia-smi works. {SIM_HINT}")
    try:
        count = driver.Device.count()
    except Exception as exc:
        return None, f"the NVIDIA driver could not count devices ({type(exc).__name__}: {exc}). {SIM_HINT}"
    if count == 0:
        return None, f"no NVIDIA GPU: the driver is installed but reports no CUDA device. {SIM_HINT}"
    from ember_cuda.runtime.pycuda_runtime import PycudaRuntime

    return PycudaRuntime(driver), ""
