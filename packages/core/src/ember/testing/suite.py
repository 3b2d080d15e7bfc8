"""The conformance suite: a backend checked against the CPU backend and the backend contract.

Collected by ``ember.testing.conformance_suite(device_type)`` from a backend's conftest.
Kernel tests run each sample of ``ember.testing.samples`` whose kernel the backend
registers (and every sample of an optional kernel, which then checks ember's fallback), once
on the CPU and once on the device, and require the same result (values, shape, dtype,
device) or the same exception type. Gradient tests do the same for the
gradients of float inputs when ember-autograd is installed.
"""

from __future__ import annotations

import os
import re
import traceback
import zlib

import numpy as np
import pytest

import ember
from ember.backends.registry import registry
from ember.testing.comparison import assert_close
from ember.testing.samples import SAMPLES, Sample
from ember.testing.samples._base import ALL, values

TOLERANCES = {"float16": (1e-3, 1e-3), "float32": (1e-5, 1e-5), "float64": (1e-10, 1e-10)}  # device vs CPU
GRAD_TOLERANCES = {"float32": (1e-4, 1e-5), "float64": (1e-9, 1e-9)}
GRAD_DTYPES = ("float32", "float64")


def _suite(node):
    """The collected suite (a ``plugin.ConformanceSuite``, the tests' module node): device type and settings."""
    return node.getparent(pytest.Module)


def _device_type(node) -> str:
    return _suite(node).device_type


def _kernels_run_on(backend) -> set[str]:
    """The kernels ``backend`` runs: its own, plus the CPU's when it falls back to the CPU."""
    own = set(backend.kernels)
    return own | set(registry.cpu._backend.kernels) if backend.fallback == "cpu" else own


def pytest_generate_tests(metafunc):
    backend = registry.backend(_device_type(metafunc.definition))
    names = metafunc.fixturenames
    if "sample" in names:
        dtypes = GRAD_DTYPES if "grad_sample" in names else None
        runs = _kernels_run_on(backend)
        # an optional kernel's sample runs anyway: without the kernel it checks ember's fallback on the device
        params = [pytest.param(s, d, id=f"{s.id}-{d}") for s in SAMPLES if s.kernel in runs or s.optional
                  for d in s.dtypes if (dtypes is None or (s.grad and d in dtypes))]
        metafunc.parametrize(("sample", "dtype"), params)
    elif "kernel" in names:
        metafunc.parametrize("kernel", sorted(backend.kernels))
    elif "dtype" in names:
        metafunc.parametrize("dtype", ALL)


@pytest.fixture(autouse=True)
def _result_checks():
    """Every kernel result is checked while the suite runs: a wrong shape, dtype or type is
    reported by the dispatcher, naming the kernel, where the kernel returns it."""
    with ember.backends.checking_results():
        yield


@pytest.fixture(autouse=True)
def _expected_failure(request) -> None:
    """A test the backend declared in ``expected_failures`` must fail (strict: when it passes, remove it)."""
    for pattern in _suite(request.node).expected_failures:
        if _matches(request.node.name, pattern):
            request.node.add_marker(pytest.mark.xfail(strict=True, reason=f"declared an expected failure of the "
                                                                          f"backend ({pattern!r})"))
            return


def _matches(name: str, pattern: str) -> bool:
    """``name`` matches ``pattern``, in which ``*`` and ``?`` are wildcards and ``[...]`` is literal
    (it is how pytest writes parameters: ``test_kernel[add-*]``)."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, name) is not None


@pytest.fixture
def tolerances(request) -> dict:
    """(rtol, atol) by dtype name for results: ember's defaults, updated by the backend's ``tolerances``."""
    return {**TOLERANCES, **_suite(request.node).tolerances}


@pytest.fixture
def grad_tolerances(request) -> dict:
    """(rtol, atol) by dtype name for gradients: ember's defaults, updated by the backend's ``tolerances``."""
    return {**GRAD_TOLERANCES, **_suite(request.node).tolerances}


@pytest.fixture
def device(request) -> ember.device:
    """The device under test: index 0 of the backend's type (``checked:0``, ``cpu``)."""
    return registry.canonical(_device_type(request.node))


@pytest.fixture
def backend(device):
    return device._backend


def _seed(*parts) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


# -- running one op on two devices ---------------------------------------------------------

def _tensor(arr: np.ndarray, device):
    """``arr`` as a tensor on ``device``; a Fortran-ordered array becomes a transposed view."""
    if arr.ndim > 1 and not arr.flags.c_contiguous:
        t = ember.from_numpy(np.array(arr.T, order="C")).to(device)
        return t.permute(*reversed(range(arr.ndim)))
    return ember.from_numpy(arr.copy()).to(device)


def _inputs(args, device):
    """The case's arguments with every NumPy array, also inside tuples and lists, as a tensor."""
    if isinstance(args, np.ndarray):
        return _tensor(args, device)
    if isinstance(args, (tuple, list)):
        return type(args)(_inputs(a, device) for a in args)
    return args


def _run(sample: Sample, args: tuple, device):
    try:
        return sample.op(*_inputs(args, device)), None
    except Exception as exc:  # compared with what the CPU raises
        return None, exc


def _same(actual, expected, device, where: str, tolerances: dict) -> None:
    """``actual`` (computed on ``device``) matches ``expected`` (computed on the CPU)."""
    if isinstance(expected, ember.Tensor):
        assert isinstance(actual, ember.Tensor), f"{where}: returned {type(actual).__name__}, not a Tensor"
        assert actual.device == device, f"{where}: the result is on {actual.device}, not on {device}"
        rtol, atol = tolerances.get(expected.dtype.name, (0.0, 0.0))
        try:
            assert_close(actual.detach().cpu(), expected.detach(), rtol=rtol, atol=atol, equal_nan=True)
        except AssertionError as exc:
            raise AssertionError(f"{where}: the result differs from the CPU's\n{exc}") from None
    elif isinstance(expected, (tuple, list)):
        assert type(actual) is type(expected) and len(actual) == len(expected), \
            f"{where}: returned {actual!r}, the CPU returned {expected!r}"
        for i, (a, e) in enumerate(zip(actual, expected)):
            _same(a, e, device, f"{where}, item {i}", tolerances)
    else:
        assert actual == expected, f"{where}: returned {actual!r}, the CPU returned {expected!r}"


def _check_cpu_error(cpu_error: Exception, where: str) -> None:
    """An error the CPU raises must come from ember's argument checks, not from inside a
    kernel: samples keep to valid inputs, so that is a bug in the CPU backend (or the sample)."""
    frames = traceback.extract_tb(cpu_error.__traceback__)
    if frames and "ember/backends/" in frames[-1].filename.replace(os.sep, "/"):
        raise AssertionError(f"{where}: the CPU backend itself fails inside a kernel "
                             f"({frames[-1].filename}:{frames[-1].lineno}): {type(cpu_error).__name__}: "
                             f"{cpu_error}") from cpu_error


def _check_raises_alike(cpu_error: Exception, dev_error: Exception | None, where: str) -> None:
    _check_cpu_error(cpu_error, where)
    if dev_error is None:
        raise AssertionError(f"{where}: returned a result, but the CPU raises {type(cpu_error).__name__}: {cpu_error}")
    if type(dev_error) is not type(cpu_error):
        raise AssertionError(f"{where}: raises {type(dev_error).__name__}: {dev_error}, but the CPU raises "
                             f"{type(cpu_error).__name__}: {cpu_error}") from dev_error


# -- kernels -------------------------------------------------------------------------------

def test_kernel(sample: Sample, dtype: str, device, tolerances) -> None:
    """The kernel gives the CPU's result (or raises the CPU's exception type) on every case."""
    cases = sample.cases(dtype, np.random.default_rng(_seed(sample.id, dtype)))
    errors = []
    for case in cases:
        where = f"{sample.id} on {device} ({dtype}, {case.label})"
        expected, cpu_error = _run(sample, case.args, registry.cpu)
        actual, dev_error = _run(sample, case.args, device)
        if cpu_error is not None:
            _check_raises_alike(cpu_error, dev_error, where)
            errors.append(f"{case.label}: {type(cpu_error).__name__}: {cpu_error}")
            continue
        if dev_error is not None:
            raise AssertionError(f"{where}: raises {type(dev_error).__name__}: {dev_error}, the CPU does not") \
                from dev_error
        _same(actual, expected, device, where, tolerances)
    assert len(errors) < len(cases), f"{sample.id} ({dtype}) raises on the CPU for every case, so it checks " \
                                     f"nothing: " + "; ".join(errors)


def _flat(value) -> list:
    """The tensors in ``value``, also inside tuples and lists."""
    if isinstance(value, ember.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flat(v)]
    return []


def _float_tensors(out) -> list:
    if isinstance(out, ember.Tensor):
        return [out] if out.dtype.is_floating_point and out.requires_grad else []
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _float_tensors(o)]
    return []


class ForwardRaised(Exception):
    """The op itself raised on these inputs: an error case, which ``test_kernel`` checks."""


def _gradients(sample: Sample, args: tuple, device, seed: int):
    """The gradients of the sample's float inputs under a fixed random upstream gradient.

    Only the op runs on ``device``: its outputs move to the CPU (a differentiable copy), where
    the loss ``sum(out * upstream)`` is computed, so a backend whose ``mul`` or ``sum`` is
    inexact is not blamed for every op's gradient.
    """
    inputs = _inputs(args, device)
    leaves = [t for t in _flat(inputs) if t.dtype.is_floating_point]
    for t in leaves:
        t.requires_grad_(True)
    try:
        outs = _float_tensors(sample.op(*inputs))
    except Exception as exc:
        raise ForwardRaised(f"{type(exc).__name__}: {exc}") from exc
    if not outs:
        return None
    rng = np.random.default_rng(seed)
    total = None
    for o in outs:
        upstream = ember.tensor(values(tuple(o.shape), o.dtype.name, rng))
        term = (o.cpu() * upstream).sum()
        total = term if total is None else total + term
    total.backward()
    return [t.grad for t in leaves]


def test_gradient(sample: Sample, dtype: str, device, grad_sample, grad_tolerances) -> None:
    """The gradients of the op's float inputs match the CPU's (needs ember-autograd).

    A case whose forward op raises is left to ``test_kernel``; a backward pass that raises on
    the CPU is a bug in a derivative rule or a CPU kernel, and fails here.
    """
    cases = sample.cases(dtype, np.random.default_rng(_seed(sample.id, dtype)))
    for i, case in enumerate(cases):
        where = f"gradient of {sample.id} on {device} ({dtype}, {case.label})"
        try:
            expected = _gradients(sample, case.args, registry.cpu, i)
        except ForwardRaised:
            continue
        except Exception as exc:
            raise AssertionError(f"{where}: the backward pass fails on the CPU: {type(exc).__name__}: {exc}") \
                from exc
        try:
            actual = _gradients(sample, case.args, device, i)
        except Exception as exc:
            raise AssertionError(f"{where}: raises {type(exc).__name__}: {exc}, the CPU does not") from exc
        if expected is None:
            continue
        for k, (a, e) in enumerate(zip(actual, expected)):
            if e is None:
                assert a is None, f"{where}: input {k} has a gradient on {device} but not on the CPU"
            else:
                assert a is not None, f"{where}: input {k} has no gradient on {device}"
                _same(a, e, device, f"{where}, input {k}", grad_tolerances)


@pytest.fixture
def grad_sample():
    """Marks the gradient test (parametrized over float dtypes only); skips without autograd."""
    pytest.importorskip("ember.autograd", reason="gradients are checked when ember-autograd is installed")


def test_kernel_has_a_sample(kernel: str, backend) -> None:
    """Every kernel the backend registers is checked by some sample (else: skipped, named)."""
    if not any(s.kernel == kernel for s in SAMPLES):
        pytest.skip(f"the conformance suite has no sample for kernel '{kernel}', so it is not checked")


def test_implements_the_primitives(backend) -> None:
    """The backend has every primitive kernel the CPU has (fused kernels of composite ops and
    in-place variants that ember can run out of place are optional)."""
    cpu = registry.cpu._backend.kernels
    primitives = {s.kernel for s in SAMPLES if not s.optional}
    missing = sorted(k for k in primitives if k in cpu and k not in _kernels_run_on(backend))
    assert not missing, f"the '{backend.type}' backend lacks these primitive kernels: {', '.join(missing)}"


# -- the backend contract ------------------------------------------------------------------

def test_devices(device, backend) -> None:
    """Each index is one canonical device; an index past device_count() is refused."""
    assert backend.is_available()
    count = backend.device_count()
    assert isinstance(count, int) and count >= 1
    if not backend.has_index:
        assert device.index is None and registry.canonical(f"{device.type}:0") is device
        return
    devices = [registry.canonical(f"{device.type}:{i}") for i in range(count)]
    assert [str(d) for d in devices] == [f"{device.type}:{i}" for i in range(count)]
    assert all(registry.canonical(ember.device(str(d))) is d for d in devices)
    with pytest.raises(RuntimeError, match="out of range"):
        registry.canonical(f"{device.type}:{count}")


SHAPES = [(), (0,), (0, 3), (5,), (2, 3, 4)]


def test_from_numpy_to_numpy(dtype: str, device, backend) -> None:
    """Data survives the trip host -> device -> host in every dtype and shape, without aliasing."""
    rng = np.random.default_rng(_seed("roundtrip", dtype))
    for shape in SHAPES:
        arr = values(shape, dtype, rng)
        native = backend.from_numpy(arr, device.index)
        back = backend.to_numpy(native)
        assert back.dtype == arr.dtype and back.shape == arr.shape, f"{shape}: got {back.dtype} {back.shape}"
        np.testing.assert_array_equal(back, arr)
        t = ember.from_numpy(np.asfortranarray(arr)).to(device)
        np.testing.assert_array_equal(t.cpu().numpy(), arr)
        if device.type != "cpu" and arr.size:
            host = arr.copy()
            t = ember.tensor(host, device=device)
            host[...] = 0
            out = t.cpu().numpy()
            out[...] = 1
            np.testing.assert_array_equal(t.cpu().numpy(), arr, err_msg="the device tensor aliases host memory")


def test_creation_functions_take_device(device, tolerances) -> None:
    """Every creation function puts its result on ``device=`` with the CPU's values."""
    makers = {
        "tensor": lambda d: ember.tensor([[1, 2], [3, 4]], device=d),
        "zeros": lambda d: ember.zeros(2, 3, device=d),
        "ones": lambda d: ember.ones((2, 3), dtype=ember.int32, device=d),
        "full": lambda d: ember.full((2,), 7.5, device=d),
        "eye": lambda d: ember.eye(3, device=d),
        "arange": lambda d: ember.arange(0, 5, 2, device=d),
        "linspace": lambda d: ember.linspace(0, 1, 5, device=d),
        "zeros_like": lambda d: ember.zeros_like(ember.ones(2, device=d)),
        "full_like": lambda d: ember.full_like(ember.ones(2, device=d), 3),
    }
    for name, make in makers.items():
        t, expected = make(device), make("cpu")
        _same(t, expected, device, f"{name}(device={device})", tolerances)
    for name, make in {"empty": lambda: ember.empty(2, 3, device=device),
                       "rand": lambda: ember.rand(2, 3, device=device),
                       "randn": lambda: ember.randn(2, 3, dtype=ember.float64, device=device),
                       "randint": lambda: ember.randint(0, 5, (2, 3), device=device),
                       "randperm": lambda: ember.randperm(4, device=device)}.items():
        t = make()
        assert t.device == device, f"{name}(device={device}) is on {t.device}"
    assert ember.rand(100, device=device).cpu().numpy().max() < 1
    assert sorted(ember.randperm(6, device=device).tolist()) == list(range(6))


def test_manual_seed_makes_random_numbers_reproducible(device) -> None:
    draws = []
    for _ in range(2):
        ember.manual_seed(1234)
        draws.append([ember.rand(8, device=device).tolist(), ember.randn(3, device=device).tolist()])
    assert draws[0] == draws[1]
    ember.manual_seed(1235)
    assert ember.rand(8, device=device).tolist() != draws[0][0]


def test_runtime_queries(device, backend) -> None:
    """synchronize, memory_allocated, device_name and manual_seed answer without error."""
    assert backend.synchronize() is None
    assert backend.synchronize(device.index) is None
    assert isinstance(backend.memory_allocated(device.index), int) and backend.memory_allocated(device.index) >= 0
    assert isinstance(backend.device_name(device.index), str)
    assert backend.manual_seed(7) is None
    assert backend.manual_seed(7, device.index) is None
    assert backend.empty_cache() is None


def test_to_device_and_back(device) -> None:
    x = ember.arange(12, dtype=ember.float32).reshape(3, 4)
    y = x.to(device)
    assert y.device is device and y.to(device) is y and y.to(str(device)) is y
    assert y.to(x).device == x.device and y.cpu().tolist() == x.tolist()
    z = x.to(y)
    assert z.device is device
    w = y.to(device, ember.float64)
    assert w.device is device and w.dtype is ember.float64
    assert w.cpu().tolist() == x.tolist()
    if device.type == "cuda":
        assert x.cuda().device is device


def test_python_values(device) -> None:
    t = ember.tensor([[1.5, -2.0], [0.25, 4.0]], device=device)
    assert t.tolist() == [[1.5, -2.0], [0.25, 4.0]]
    assert t[1, 1].item() == 4.0 and float(t[0, 0]) == 1.5 and bool(t[1, 0])
    assert t.shape == (2, 2) and t.numel() == 4 and len(t) == 2


def test_mixing_with_cpu_tensors_raises(device) -> None:
    if device.type == "cpu":
        pytest.skip("the device under test is the CPU")
    cpu, dev = ember.ones(3), ember.ones(3, device=device)
    for a, b in ((cpu, dev), (dev, cpu)):
        message = f"Expected all tensors to be on the same device, but found at least two devices, " \
                  f"{a.device} and {b.device}!"
        with pytest.raises(RuntimeError) as err:
            a + b
        assert str(err.value) == message
        with pytest.raises(RuntimeError) as err:
            ember.where(ember.ones(3, dtype=ember.bool, device=a.device), a, b)
        assert "Expected all tensors to be on the same device" in str(err.value)


def test_devices_of_one_type_do_not_mix(device, backend) -> None:
    if not backend.has_index or backend.device_count() < 2:
        pytest.skip("the backend has one device")
    other = registry.canonical(f"{device.type}:1")
    with pytest.raises(RuntimeError, match=f"found at least two devices, {device} and {other}!"):
        ember.ones(2, device=device) * ember.ones(2, device=other)
    moved = ember.ones(2, device=device).to(other)
    assert moved.device is other and (moved + moved).tolist() == [2.0, 2.0]


def test_cpu_scalar_tensors_mix(device) -> None:
    """A 0-d CPU tensor is a scalar operand on any device, as in PyTorch."""
    out = ember.tensor(2.0) * ember.ones(3, device=device)
    assert out.device is device and out.tolist() == [2.0, 2.0, 2.0]


def test_repr_names_the_device(device) -> None:
    text = repr(ember.ones(2, device=device))
    if device.type == "cpu":
        assert "device=" not in text
    else:
        assert text.endswith(f"device='{device}')")
