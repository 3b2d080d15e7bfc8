"""ember.accelerator: which device a program should use, found through the plugin registry."""

import numpy as np
import pytest

import ember
from ember.backends import registry
from ember.backends.cpu import CPUBackend


class FakeAccelerator(CPUBackend):
    """The CPU's kernels on a numbered device type with private copies, like a GPU plugin."""

    has_index = True

    def __init__(self, type_name: str, count: int = 2, available: bool = True):
        super().__init__()
        self.type = type_name
        self.count = count
        self.available = available
        self.synced = []
        self.emptied = 0

    def is_available(self):
        return self.available

    def unavailable_reason(self):
        return "no driver"

    def device_count(self):
        return self.count

    def from_numpy(self, array, index):
        return np.array(array, copy=True)

    def to_numpy(self, data):
        return data.copy(order="K")

    def synchronize(self, index=None):
        self.synced.append(index)

    def memory_allocated(self, index=None):
        return 100 + (index or 0)

    def empty_cache(self):
        self.emptied += 1


@pytest.fixture
def register():
    added = []

    def add(backend):
        registry.register_backend(backend)
        added.append(backend.type)
        return backend

    yield add
    for name in added:
        registry.unregister_backend(name)


def test_no_accelerator_on_a_cpu_only_machine():
    # ember-checked may be installed: a debugging device is not an accelerator
    assert ember.accelerator.current_accelerator() is None
    assert ember.accelerator.current_accelerator(check_available=True) is None
    assert ember.accelerator.is_available() is False
    assert ember.accelerator.device_count() == 0
    for fn in (ember.accelerator.current_device_index, ember.accelerator.synchronize):
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available."):
            fn()
    with pytest.raises(RuntimeError, match="none is available"):
        ember.accelerator.set_device_index(0)
    ember.accelerator.empty_cache()  # nothing to do, no error


def test_plugin_accelerator_is_found_and_used(register):
    backend = register(FakeAccelerator("fakegpu"))
    dev = ember.accelerator.current_accelerator()
    assert isinstance(dev, ember.device) and dev == ember.device("fakegpu") and dev.index is None
    assert ember.accelerator.is_available() and ember.accelerator.device_count() == 2
    model_input = ember.ones(3, device=dev)
    assert model_input.device.type == "fakegpu" and model_input.device.index == 0
    assert ember.accelerator.current_device_index() == 0
    ember.accelerator.set_device_index(1)
    try:
        assert ember.accelerator.current_device_index() == 1
        assert ember.ones(2, device=ember.accelerator.current_accelerator()).device.index == 1
        ember.accelerator.synchronize()
        ember.accelerator.synchronize("fakegpu:0")
        assert backend.synced == [1, 0]
        assert ember.accelerator.memory_allocated() == 101
        ember.accelerator.set_device_index(-1)   # negative: a no-op, as in PyTorch
        assert ember.accelerator.current_device_index() == 1
    finally:
        ember.accelerator.set_device_index(0)
    with ember.accelerator.device_index(1):
        assert ember.accelerator.current_device_index() == 1
    assert ember.accelerator.current_device_index() == 0
    ember.accelerator.empty_cache()
    assert backend.emptied == 1


def test_accelerator_errors(register):
    register(FakeAccelerator("fakegpu"))
    with pytest.raises(ValueError, match="cpu doesn't match the current accelerator fakegpu"):
        ember.accelerator.set_device_index("cpu")
    with pytest.raises(RuntimeError, match="out of range"):
        ember.accelerator.set_device_index(5)
    with pytest.raises(TypeError, match="got float"):
        ember.accelerator.synchronize(1.5)


def test_unavailable_accelerator_only_without_check(register):
    register(FakeAccelerator("fakegpu", available=False))
    assert ember.accelerator.current_accelerator() == ember.device("fakegpu")
    assert ember.accelerator.current_accelerator(check_available=True) is None
    assert not ember.accelerator.is_available() and ember.accelerator.device_count() == 0


def test_cuda_is_preferred_and_available_beats_unavailable(register):
    register(FakeAccelerator("npu"))
    register(FakeAccelerator("cuda", available=False))
    assert ember.accelerator.current_accelerator() == ember.device("npu")   # cuda cannot run here
    registry.backends["cuda"].available = True
    assert ember.accelerator.current_accelerator() == ember.device("cuda")


def test_backend_may_decline_to_be_an_accelerator(register):
    backend = FakeAccelerator("debugdev")
    backend.accelerator = False
    register(backend)
    assert ember.accelerator.current_accelerator() is None
