"""Devices in the API: ember.device, tensor.device, .to/.cpu/.cuda, device= on creation,
ember.cuda, and the errors for unknown, unavailable and mixed devices and missing kernels."""

import numpy as np
import pytest

import ember
from ember.backends import Backend, registry
from ember.backends.cpu import CPUBackend


class TwoDevices(CPUBackend):
    """The CPU's kernels on a device type with two devices whose arrays are private copies."""

    has_index = True

    def __init__(self, type_name: str = "mydev"):
        super().__init__()
        self.type = type_name
        self.calls = []

    def device_count(self):
        return 2

    def device_name(self, index):
        return f"Fake {self.type} {index}"

    def from_numpy(self, array, index):
        return np.array(array, copy=True)

    def to_numpy(self, data):
        return data.copy(order="K")

    def synchronize(self, index=None):
        self.calls.append(("synchronize", index))

    def manual_seed(self, seed, index=None):
        self.calls.append(("manual_seed", seed, index))

    def memory_allocated(self, index=None):
        return 1024

    def empty_cache(self):
        self.calls.append(("empty_cache",))


@pytest.fixture
def mydev():
    backend = TwoDevices("mydev")
    registry.register_backend(backend)
    yield backend
    registry.unregister_backend("mydev")


@pytest.fixture
def fake_cuda():
    backend = TwoDevices("cuda")
    registry.register_backend(backend)
    yield backend
    registry.unregister_backend("cuda")


def test_device_objects():
    d = ember.device("mydev:1")
    assert (d.type, d.index, str(d), repr(d)) == ("mydev", 1, "mydev:1", "device(type='mydev', index=1)")
    assert ember.device("cpu") == "cpu" and repr(ember.device("cpu")) == "device(type='cpu')"
    assert ember.device("mydev", 1) == d and ember.device(d) == d


def test_tensor_device_is_the_canonical_device(mydev):
    a = ember.zeros(2, device="mydev")
    b = ember.ones(2, device=ember.device("mydev:0"))
    assert a.device is b.device and a.device == ember.device("mydev:0") and str(a.device) == "mydev:0"
    assert ember.zeros(1).device is ember.zeros(1, device="cpu").device is ember.zeros(1, device="cpu:0").device
    assert ember.zeros(1, device="mydev:1").device is not a.device
    assert a.is_cpu is False and a.get_device() == 0 and ember.zeros(1).get_device() == -1


@pytest.mark.parametrize("make", [
    lambda d: ember.tensor([[1.0, 2.0]], device=d),
    lambda d: ember.as_tensor([1, 2], device=d),
    lambda d: ember.zeros(2, 3, device=d),
    lambda d: ember.ones(2, device=d),
    lambda d: ember.full((2,), 3, device=d),
    lambda d: ember.empty(2, device=d),
    lambda d: ember.eye(2, device=d),
    lambda d: ember.arange(4, device=d),
    lambda d: ember.linspace(0, 1, 3, device=d),
    lambda d: ember.zeros_like(ember.ones(2), device=d),
    lambda d: ember.ones_like(ember.ones(2, device=d)),
    lambda d: ember.full_like(ember.ones(2), 7, device=d),
    lambda d: ember.empty_like(ember.ones(2, device=d)),
    lambda d: ember.rand(2, device=d),
    lambda d: ember.randn(2, device=d),
    lambda d: ember.randint(0, 3, (2,), device=d),
    lambda d: ember.randperm(3, device=d),
    lambda d: ember.normal(0.0, 1.0, (2,), device=d),
    lambda d: ember.rand_like(ember.ones(2, device=d)),
    lambda d: ember.randn_like(ember.ones(2), device=d),
    lambda d: ember.randint_like(ember.ones(2, device=d), 5),
    lambda d: ember.scalar_tensor(2.5, device=d),
    lambda d: ember.Tensor([1.0], device=d),
    lambda d: ember.Tensor(2, 3, device=d),
], ids=lambda f: "")
def test_every_creation_function_takes_device(mydev, make):
    t = make("mydev:1")
    assert t.device is registry.canonical("mydev:1")
    assert isinstance(t._data, np.ndarray)


def test_to_cpu_and_back(mydev):
    x = ember.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x.to("mydev")
    assert y.device == "mydev:0" and y.tolist() == x.tolist()
    assert y.to("mydev:0") is y and y.to(y) is y
    z = y.to("mydev:1")
    assert z.device == "mydev:1" and z.tolist() == x.tolist()
    assert y.cpu().device is x.device and y.cpu().tolist() == x.tolist()
    assert x.to(y).device is y.device
    w = x.to(ember.zeros(1, dtype=ember.float64, device="mydev:1"))
    assert (w.device, w.dtype) == (z.device, ember.float64)
    assert x.cpu() is x


def test_to_another_device_copies(mydev):
    x = ember.tensor([1.0, 2.0])
    y = x.to("mydev")
    x += 10
    assert y.tolist() == [1.0, 2.0]
    back = y.cpu()
    back += 1
    assert y.tolist() == [1.0, 2.0]


def test_numpy_refuses_device_tensors(mydev):
    with pytest.raises(TypeError, match="can't convert mydev:0 device type tensor to numpy. Use Tensor.cpu()"):
        ember.ones(2, device="mydev").numpy()


def test_mixed_devices_raise_pytorchs_error(mydev):
    a, b = ember.ones(2), ember.ones(2, device="mydev")
    with pytest.raises(RuntimeError) as err:
        a + b
    assert str(err.value) == ("Expected all tensors to be on the same device, but found at least two devices, "
                              "cpu and mydev:0!")
    with pytest.raises(RuntimeError, match="found at least two devices, mydev:0 and mydev:1!"):
        b * ember.ones(2, device="mydev:1")
    with pytest.raises(RuntimeError, match="found at least two devices, mydev:0 and cpu!"):
        b.add_(a)


def test_unknown_device_type_lists_the_registered_ones(mydev):
    with pytest.raises(RuntimeError) as err:
        ember.zeros(2, device="nosuch")
    assert str(err.value).startswith("Expected one of ")
    assert "cpu, " in str(err.value) and "mydev" in str(err.value)
    assert "device type at start of device string: nosuch" in str(err.value)


def test_device_index_out_of_range(mydev):
    with pytest.raises(RuntimeError) as err:
        ember.ones(1, device="mydev:2")
    assert str(err.value) == ("device 'mydev:2' is out of range: the 'mydev' backend has 2 device(s), "
                              "numbered 0 to 1")
    with pytest.raises(RuntimeError, match="device type 'cpu' has no device index 1; use 'cpu'"):
        ember.ones(1, device="cpu:1")


def test_unavailable_device_says_why():
    class NoDriver(Backend):
        type = "nodriver"

        def is_available(self):
            return False

        def unavailable_reason(self):
            return "no driver found; install the vendor's driver 1.2 or later"

    registry.register_backend(NoDriver())
    try:
        with pytest.raises(RuntimeError) as err:
            ember.zeros(1, device="nodriver")
        assert str(err.value) == ("device 'nodriver' is not available: no driver found; install the vendor's "
                                  "driver 1.2 or later")
    finally:
        registry.unregister_backend("nodriver")


def test_missing_kernel_names_the_op_and_the_backend():
    class Sparse(TwoDevices):
        def __init__(self):
            super().__init__("sparse")
            del self.kernels["exp"]

    registry.register_backend(Sparse())
    try:
        with pytest.raises(NotImplementedError) as err:
            ember.exp(ember.ones(2, device="sparse"))
        assert str(err.value) == ("ember: the 'sparse' backend has no kernel for 'exp' and no composite covers it; "
                                  "implement 'exp' in the backend or run the op on the CPU")
    finally:
        registry.unregister_backend("sparse")


def test_cuda_without_a_plugin(monkeypatch):
    if "cuda" in registry.backends:
        pytest.skip("a CUDA backend is installed")
    assert ember.cuda.is_available() is False
    assert ember.cuda.device_count() == 0
    assert ember.cuda.is_initialized() is False
    assert ember.cuda.manual_seed(1) is None and ember.cuda.manual_seed_all(1) is None
    assert ember.cuda.memory_allocated() == 0 and ember.cuda.empty_cache() is None
    message = "device type 'cuda' needs the ember-cuda backend, which is not installed"
    for call in (ember.cuda.synchronize, ember.cuda.current_device, ember.cuda.get_device_name,
                 lambda: ember.cuda.set_device(0), lambda: ember.ones(2).cuda(),
                 lambda: ember.zeros(2, device="cuda")):
        with pytest.raises(RuntimeError) as err:
            call()
        assert str(err.value).startswith(message) and str(err.value).endswith("pip install ember-cuda")


def test_cuda_with_a_plugin(fake_cuda):
    assert fake_cuda.calls == [("manual_seed", ember.initial_seed(), None)]  # seeded when it registered
    fake_cuda.calls.clear()
    assert ember.cuda.is_available() and ember.cuda.device_count() == 2 and ember.cuda.is_initialized()
    assert ember.ones(2).cuda().device == "cuda:0"
    assert ember.ones(2).cuda(1).device == "cuda:1"
    assert ember.ones(2).cuda("cuda:1").device == "cuda:1"
    assert ember.ones(2).cuda().is_cuda
    assert ember.cuda.current_device() == 0
    ember.cuda.synchronize()
    ember.cuda.synchronize("cuda:1")
    ember.cuda.manual_seed(5)
    ember.cuda.manual_seed_all(6)
    ember.cuda.empty_cache()
    assert fake_cuda.calls == [("synchronize", 0), ("synchronize", 1), ("manual_seed", 5, 0),
                               ("manual_seed", 6, None), ("empty_cache",)]
    assert ember.cuda.get_device_name(1) == "Fake cuda 1" and ember.cuda.memory_allocated() == 1024
    with ember.cuda.device(1):
        assert ember.cuda.current_device() == 1
        assert ember.zeros(1, device="cuda").device == "cuda:1"
        assert ember.ones(1).cuda().device == "cuda:1"
    assert ember.cuda.current_device() == 0 and ember.zeros(1, device="cuda").device == "cuda:0"
    ember.cuda.set_device("cuda:1")
    assert ember.cuda.current_device() == 1
    ember.cuda.set_device(0)
    with pytest.raises(RuntimeError, match="out of range"):
        ember.cuda.set_device(2)


def test_manual_seed_reaches_every_backend(mydev):
    ember.manual_seed(11)
    assert ("manual_seed", 11, None) in mydev.calls


def test_repr_shows_the_device(mydev):
    assert repr(ember.tensor([1.0, 2.0], device="mydev:1")) == "tensor([1., 2.], device='mydev:1')"
    assert ember.ones(2, device="mydev").type() == "ember.mydev.FloatTensor"


def test_cpu_scalar_tensor_is_a_scalar_on_any_device(mydev):
    out = ember.tensor(3.0) * ember.ones(2, device="mydev")
    assert out.device == "mydev:0" and out.tolist() == [3.0, 3.0]
