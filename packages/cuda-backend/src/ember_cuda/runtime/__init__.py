"""The runtime interface and its two implementations (pycuda, the CPU simulator)."""

from ember_cuda.runtime.base import DevicePointer, Runtime, RuntimeOutOfMemory
from ember_cuda.runtime.probe import find_pycuda_runtime
from ember_cuda.runtime.sim import SimRuntime

__all__ = ["DevicePointer", "Runtime", "RuntimeOutOfMemory", "SimRuntime", "find_pycuda_runtime"]
