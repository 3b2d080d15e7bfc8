"""PyTorch's global switches: ember.backends.cudnn/cuda/mps, deterministic algorithms,
float32 matmul precision; and ember.onnx, which says export is not supported."""

import warnings

import pytest

import ember


@pytest.fixture(autouse=True)
def restore_flags():
    cudnn = ember.backends.cudnn
    saved = (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32, cudnn.benchmark_limit,
             ember.get_float32_matmul_precision(), ember.get_deterministic_debug_mode())
    yield
    (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32, cudnn.benchmark_limit,
     precision, debug) = saved
    ember.set_float32_matmul_precision(precision)
    ember.set_deterministic_debug_mode(debug)


def test_backends_is_still_the_registry_package():
    assert "cpu" in ember.backends.list()
    assert ember.backends.registry.cpu.type == "cpu"
    assert callable(ember.backends.load_plugins)


def test_cudnn_flags_defaults_and_assignment():
    cudnn = ember.backends.cudnn
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32) == (True, False, False, True)
    assert cudnn.is_available() is False and cudnn.version() is None
    assert cudnn.is_acceptable(ember.ones(2)) is False
    cudnn.benchmark = True
    cudnn.deterministic = True
    assert cudnn.benchmark is True and cudnn.deterministic is True
    with pytest.raises(RuntimeError, match="set_benchmark_cudnn expects a bool, but got str"):
        cudnn.benchmark = "yes"
    with pytest.raises(RuntimeError, match="set_allow_tf32_cudnn expects a bool, but got NoneType"):
        cudnn.allow_tf32 = None
    cudnn.benchmark_limit = 5
    assert cudnn.benchmark_limit == 5


def test_cudnn_flags_context_manager_restores():
    cudnn = ember.backends.cudnn
    with cudnn.flags(enabled=False, benchmark=True, deterministic=True):
        assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (False, True, True)
    assert (cudnn.enabled, cudnn.benchmark, cudnn.deterministic) == (True, False, False)
    with pytest.raises(ZeroDivisionError), cudnn.flags(enabled=False):
        1 / 0
    assert cudnn.enabled is True


def test_matmul_tf32_follows_float32_matmul_precision():
    matmul = ember.backends.cuda.matmul
    assert ember.get_float32_matmul_precision() == "highest" and matmul.allow_tf32 is False
    ember.set_float32_matmul_precision("medium")
    assert matmul.allow_tf32 is True
    matmul.allow_tf32 = False
    assert ember.get_float32_matmul_precision() == "highest"
    matmul.allow_tf32 = True
    assert ember.get_float32_matmul_precision() == "high"
    assert matmul.allow_fp16_reduced_precision_reduction is True
    matmul.allow_fp16_reduced_precision_reduction = False
    assert matmul.allow_fp16_reduced_precision_reduction is False
    matmul.allow_fp16_reduced_precision_reduction = True
    with pytest.raises(AttributeError, match="Unknown attribute foo"):
        matmul.foo = True
    with pytest.raises(RuntimeError, match="set_allow_tf32_cublas expects a bool, but got int"):
        matmul.allow_tf32 = 1


def test_float32_matmul_precision_validation():
    with pytest.raises(RuntimeError, match="expects a str, but got int"):
        ember.set_float32_matmul_precision(3)
    ember.set_float32_matmul_precision("high")
    with pytest.warns(UserWarning, match="low is not one of 'highest', 'high', or 'medium'"):
        ember.set_float32_matmul_precision("low")
    assert ember.get_float32_matmul_precision() == "high"


def test_sdp_switches():
    cuda = ember.backends.cuda
    assert cuda.flash_sdp_enabled() and cuda.math_sdp_enabled() and cuda.mem_efficient_sdp_enabled()
    cuda.enable_flash_sdp(False)
    try:
        assert cuda.flash_sdp_enabled() is False
    finally:
        cuda.enable_flash_sdp(True)
    with pytest.raises(TypeError):
        cuda.enable_math_sdp("no")


def test_cuda_and_mps_not_built_without_plugins():
    assert ember.backends.cuda.is_built() is False
    assert ember.backends.mps.is_built() is False and ember.backends.mps.is_available() is False


def test_mps_plugin_is_found():
    from ember.backends.cpu import CPUBackend

    class Mps(CPUBackend):
        type = "mps"
        has_index = True

    ember.backends.registry.register_backend(Mps())
    try:
        assert ember.backends.mps.is_built() and ember.backends.mps.is_available()
    finally:
        ember.backends.registry.unregister_backend("mps")


def test_deterministic_algorithms():
    assert ember.are_deterministic_algorithms_enabled() is False
    ember.use_deterministic_algorithms(True)
    assert ember.are_deterministic_algorithms_enabled() is True
    assert ember.is_deterministic_algorithms_warn_only_enabled() is False
    assert ember.get_deterministic_debug_mode() == 2
    ember.use_deterministic_algorithms(True, warn_only=True)
    assert ember.get_deterministic_debug_mode() == 1
    ember.set_deterministic_debug_mode("default")
    assert ember.are_deterministic_algorithms_enabled() is False
    ember.set_deterministic_debug_mode("error")
    assert ember.get_deterministic_debug_mode() == 2
    with pytest.raises(TypeError, match="argument 'mode' \\(position 1\\) must be bool, not str"):
        ember.use_deterministic_algorithms("x")
    with pytest.raises(TypeError, match="'warn_only' must be bool"):
        ember.use_deterministic_algorithms(True, warn_only=1)
    with pytest.raises(RuntimeError, match="expected one of `default`, `warn`, `error`, but got x"):
        ember.set_deterministic_debug_mode("x")
    with pytest.raises(RuntimeError, match="expected 0, 1, or 2, but got 5"):
        ember.set_deterministic_debug_mode(5)


def test_onnx_export_is_not_supported():
    import ember.onnx
    assert ember.onnx.is_in_onnx_export() is False
    assert issubclass(ember.onnx.OnnxExporterError, RuntimeError)
    with pytest.raises(NotImplementedError, match="ember.onnx.export is not supported"):
        ember.onnx.export(object(), (ember.ones(1),), "model.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ember.__getattr__("onnx").export is ember.onnx.export   # an attribute of ember, as torch.onnx
