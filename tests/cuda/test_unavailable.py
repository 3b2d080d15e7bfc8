"""Without a GPU, ``cuda`` answers as PyTorch does on a CPU-only machine, and every error says
what is missing (pycuda, the driver, a GPU) and how to fix it. These machines have no driver,
so the installed plugin itself is checked, plus each missing piece played by a fake pycuda."""

import importlib.util

import pytest

import ember
import ember.cuda
from ember.backends.registry import registry
from ember_cuda.plugin import make_cuda_backend
from ember_cuda.runtime import find_pycuda_runtime


def test_the_installed_plugin_registers_cuda_as_unavailable_with_the_reason():
    backend = registry.find("cuda")
    assert backend is not None and type(backend).__name__ == "CudaBackend"
    assert backend.is_available() is False
    if importlib.util.find_spec("pycuda") is None:
        assert backend.unavailable_reason().startswith("pycuda is not installed")
    else:  # built by ember_cuda.build_pycuda against the stub: the real driver is what is missing
        assert backend.unavailable_reason().startswith("no NVIDIA driver: pycuda could not load the driver library")
        assert "libcuda.so.1" in backend.unavailable_reason()
    assert "EMBER_CUDA_SIM=1" in backend.unavailable_reason()
    assert ember.backends.list()["cuda"] == f"ember-cuda: unavailable ({backend.unavailable_reason()})"


def test_queries_answer_as_on_a_cpu_only_machine():
    assert ember.cuda.is_available() is False and ember.cuda.device_count() == 0
    assert ember.cuda.is_initialized() is False
    assert ember.cuda.memory_allocated() == 0 and ember.cuda.max_memory_allocated() == 0
    assert ember.cuda.memory_reserved() == 0 and ember.cuda.max_memory_reserved() == 0
    assert ember.cuda.memory_stats() == {}
    assert ember.cuda.manual_seed(1) is None and ember.cuda.manual_seed_all(1) is None
    assert ember.cuda.empty_cache() is None and ember.cuda.reset_peak_memory_stats() is None
    assert ember.backends.cuda.is_built() is True  # installed, but finds no GPU
    # as a CUDA build of PyTorch without a GPU: the accelerator type is cuda, and it is not available
    assert ember.accelerator.current_accelerator() == ember.device("cuda")
    assert ember.accelerator.is_available() is False and ember.accelerator.device_count() == 0


@pytest.mark.parametrize("call", [
    ember.cuda.synchronize, ember.cuda.current_device, ember.cuda.get_device_name, ember.cuda.mem_get_info,
    lambda: ember.cuda.set_device(0), lambda: ember.cuda.Stream(), lambda: ember.cuda.current_stream(),
])
def test_calls_that_need_a_device_say_why_there_is_none(call):
    reason = registry.backend("cuda").unavailable_reason()
    with pytest.raises(RuntimeError) as err:
        call()
    assert str(err.value) == f"CUDA is not available: {reason}"


def test_tensors_cannot_go_to_cuda():
    reason = registry.backend("cuda").unavailable_reason()
    for call in (lambda: ember.ones(2).cuda(), lambda: ember.zeros(2, device="cuda"),
                 lambda: ember.ones(1).to("cuda:1")):
        with pytest.raises(RuntimeError) as err:
            call()
        assert str(err.value).endswith(f"is not available: {reason}")


def _importer(error=None, driver=None):
    def import_module(name):
        assert name == "pycuda.driver"
        if error is not None:
            raise error
        return driver
    return import_module


class FakeDriver:
    """pycuda.driver on a machine whose driver loads but fails, or has no GPU."""

    class Device:
        n = 0

        @classmethod
        def count(cls):
            return cls.n

    def __init__(self, init_error=None, devices=0):
        self.init_error = init_error
        self.Device = type("Device", (FakeDriver.Device,), {"n": devices})

    def init(self):
        if self.init_error is not None:
            raise self.init_error


def test_without_pycuda():
    runtime, reason = find_pycuda_runtime(_importer(ModuleNotFoundError("No module named 'pycuda'", name="pycuda")))
    assert runtime is None
    assert reason.startswith("pycuda is not installed, so ember-cuda cannot reach a GPU. Install it with: pip install "
                             "'ember-cuda[gpu]' on a machine with the CUDA toolkit, or build it with: python -m "
                             "ember_cuda.build_pycuda")


def test_pycuda_whose_own_dependency_is_missing():
    _, reason = find_pycuda_runtime(_importer(ModuleNotFoundError("No module named 'pytools'", name="pytools")))
    assert reason.startswith("pycuda is installed but cannot be imported: No module named 'pytools'")


def test_without_the_driver_library():
    error = ImportError("libcuda.so.1: cannot open shared object file: No such file or directory")
    _, reason = find_pycuda_runtime(_importer(error))
    assert reason.startswith("no NVIDIA driver: pycuda could not load the driver library (libcuda.so.1: cannot open "
                             "shared object file: No such file or directory). Install the NVIDIA driver (R580 or newer")


def test_driver_that_fails_to_initialise():
    _, reason = find_pycuda_runtime(_importer(driver=FakeDriver(init_error=RuntimeError("cuInit failed: no device"))))
    assert reason.startswith("the NVIDIA driver did not start: cuInit failed (RuntimeError: cuInit failed: no device)")


def test_driver_without_a_gpu():
    _, reason = find_pycuda_runtime(_importer(driver=FakeDriver(devices=0)))
    assert reason.startswith("no NVIDIA GPU: the driver is installed but reports no CUDA device.")


def test_an_unavailable_backend_answers_like_cpu_only_pytorch():
    backend = make_cuda_backend(_importer(driver=FakeDriver(devices=0)))
    assert not backend.is_available() and backend.device_count() == 0 and backend.kernels == {}
    assert backend.unavailable_reason().startswith("no NVIDIA GPU")
