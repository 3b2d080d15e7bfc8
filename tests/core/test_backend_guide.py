"""The backend guide needs no source reading: the README's kernel list is the CPU table, the
fallback to the CPU works, and the conformance suite takes a backend's tolerances and expected failures."""

import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import ember
from ember.backends import Backend, BackendRegistry, registry
from ember.testing import kernel_table
from ember.testing.plugin import conformance_suite

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "packages" / "core" / "README.md"
EXAMPLE = ROOT / "examples" / "custom_backend"


def _readme_block() -> str:
    text = README.read_text(encoding="utf-8")
    start, end = "<!-- kernel-table:start -->\n", "<!-- kernel-table:end -->"
    return text[text.index(start) + len(start):text.index(end)]


def test_the_readme_kernel_list_is_the_cpu_table():
    assert _readme_block() == kernel_table.markdown(), (
        "the kernel list in packages/core/README.md is out of date: replace the lines between the kernel-table "
        "markers with the output of `python -m ember.testing.kernel_table --markdown`")


def test_the_kernel_table_lists_every_cpu_kernel_once():
    entries = kernel_table.kernel_table()
    names = [e.name for e in entries]
    assert sorted(names) == sorted(registry.backend("cpu").kernels)
    assert len(names) == len(set(names))
    by_name = {e.name: e for e in entries}
    for name in ("add", "mm", "bmm", "mv", "dot", "sum", "index_copy", "index_fill"):
        assert by_name[name].kind == "required", name
    for name in ("tril", "triu", "repeat_interleave", "nll_loss", "nll_loss_backward", "threshold_backward",
                 "conv2d_backward", "batch_norm_backward", "index_copy_", "index_fill_"):
        assert name in by_name, name  # the kernels the old hand-written list had missed
    for name in ("softmax", "conv2d", "index_add_", "sgd_step", "adam_group"):
        assert by_name[name].kind == "optional", name
    assert {e.family for e in entries} <= set(kernel_table.CONTRACTS)
    assert by_name["add"].signature == "(x, y)" and by_name["cast"].signature == "(x, dt)"


def test_every_cpu_kernel_has_a_conformance_sample():
    """A kernel without a sample is skipped by the conformance suite on every backend: none may be left."""
    unchecked = [e.name for e in kernel_table.kernel_table() if e.kind == "unchecked"]
    assert not unchecked, f"add samples to ember.testing.samples for: {', '.join(unchecked)}"
    by_name = {e.name: e.kind for e in kernel_table.kernel_table()}
    for name in ("tril", "triu", "repeat_interleave", "lgamma", "digamma", "polygamma"):
        assert by_name[name] == "required", name   # primitives: ember has no composite for them
    for name in ("nll_loss", "nll_loss_backward", "gelu", "layer_norm_backward", "lstm_layer", "gru_layer_backward"):
        assert by_name[name] == "optional", name   # fused kernels: ember falls back to composites


def test_the_table_names_the_contract_a_backend_needs():
    block = kernel_table.markdown()
    assert "None means every dimension; ops that take several dims" in block   # reductions
    assert "returns None" in block and "NumPy scalar" in block and "Python `bool`/`int`/`float`" in block
    assert "`dot` (1-D @ 1-D, may return a NumPy scalar), `mv` (2-D @ 1-D), `mm` (2-D @ 2-D)" in block


def test_matmul_dispatches_by_rank_as_the_guide_says(monkeypatch):
    """The kernel each rank combination of ``@`` reaches, as the README and the table state it."""
    kernels = registry.backend("cpu").kernels
    calls = []
    for name in ("dot", "mv", "mm", "matmul", "bmm"):
        fn = kernels[name]
        monkeypatch.setitem(kernels, name, lambda *a, _n=name, _fn=fn: (calls.append(_n), _fn(*a))[1])
    cases = {((3,), (3,)): "dot", ((2, 3), (3,)): "mv", ((2, 3), (3, 2)): "mm", ((3,), (3, 2)): "matmul",
             ((4, 2, 3), (4, 3, 2)): "matmul", ((4, 2, 3), (3, 2)): "matmul", ((2, 3), (4, 3, 2)): "matmul"}
    for (a, b), kernel in cases.items():
        calls.clear()
        ember.ones(*a) @ ember.ones(*b)
        assert calls == [kernel], (a, b, calls)
    calls.clear()
    ember.bmm(ember.ones(4, 2, 3), ember.ones(4, 3, 2))
    assert calls == ["bmm"]


def test_the_kernel_table_command(capsys):
    kernel_table.main(["--markdown"])
    assert capsys.readouterr().out == kernel_table.markdown()
    kernel_table.main([])
    assert re.search(r"^pointwise\s+required\s+add\(x, y\)$", capsys.readouterr().out, re.M)


def test_signature_of_kernels_of_every_kind():
    assert kernel_table.signature_of(np.add) == "(x, y)"
    assert kernel_table.signature_of(lambda x, dim, keepdim=False: x) == "(x, dim, keepdim)"
    assert kernel_table.signature_of(len) == "(obj)"
    assert kernel_table.signature_of(np.outer) == "(a, b)"            # NumPy's ``out`` never arrives
    assert kernel_table.signature_of(np.ascontiguousarray) == "(a, dtype)"


def test_the_readmes_agree_on_the_size_of_the_example():
    lines = len((EXAMPLE / "src" / "ember_checked" / "__init__.py").read_text(encoding="utf-8").splitlines())
    claims = re.findall(r"(\d+) lines", (EXAMPLE / "README.md").read_text(encoding="utf-8"))
    claims += re.findall(r"complete one in (\d+) lines", README.read_text(encoding="utf-8"))
    assert len(claims) >= 3 and {int(c) for c in claims} == {lines}, (claims, lines)


# -- delegating to the CPU -------------------------------------------------------------------

class Partial(Backend):
    """A device with only ``copy_`` of its own: everything else falls back to the CPU."""

    type = "partial"
    fallback = "cpu"

    def __init__(self):
        super().__init__()
        self.kernels["copy_"] = lambda dst, src: np.copyto(dst, src, casting="unsafe")
        self.asked = []

    def device_count(self):
        return 2

    def from_numpy(self, array, index):
        return np.array(array, copy=True)

    def to_numpy(self, data):
        return np.array(data, copy=True)

    def fallback_kernel(self, name, index):
        self.asked.append((name, index))
        return super().fallback_kernel(name, index)


@pytest.fixture
def partial():
    backend = Partial()
    registry.register_backend(backend)
    yield backend
    registry.unregister_backend("partial")


def test_missing_kernels_run_on_the_cpu(partial):
    x = ember.tensor([[1.0, -2.0], [3.0, 4.0]], device="partial:1")
    y = (x @ x).exp().sum(dim=0)
    expected = (ember.tensor([[1.0, -2.0], [3.0, 4.0]]) @ ember.tensor([[1.0, -2.0], [3.0, 4.0]])).exp().sum(dim=0)
    assert y.device == ember.device("partial:1")
    np.testing.assert_allclose(y.cpu().numpy(), expected.numpy(), rtol=1e-6)
    assert ("mm", 1) in partial.asked and ("exp", 1) in partial.asked
    parts = x.split(1)  # several results
    assert [p.device for p in parts] == [x.device, x.device] and parts[1].tolist() == [[3.0, 4.0]]
    values, indices = x.sort(dim=1)
    assert values.device == x.device and indices.tolist() == [[1, 0], [0, 1]]
    x.add_(1)  # in place: written back into the device's array with the backend's copy_
    assert x.tolist() == [[2.0, -1.0], [4.0, 5.0]]
    assert x.max().item() == 5.0 and x.argmax().item() == 3  # NumPy scalars come back as 0-d tensors


def test_the_fallback_sees_kernels_added_to_the_cpu_later(partial):
    """The CPU table is read when a kernel is missing, not copied when the backend registered."""
    cpu = registry.backend("cpu").kernels
    exp = cpu["exp"]
    registry.register_kernel("cpu", "exp", lambda x: np.full_like(x, 7))  # as a later plugin's hook would
    try:
        assert ember.ones(2, device="partial").exp().tolist() == [7.0, 7.0]
    finally:
        cpu["exp"] = exp
    assert ember.zeros(2, device="partial").exp().tolist() == [1.0, 1.0]


def test_kernels_of_any_backend_run_without_floating_point_warnings(partial):
    """The warning policy of the guide: a backend's own NumPy kernel needs no errstate."""
    partial.kernels["log"] = np.log
    before = np.geterr()
    x = ember.tensor([0.0, -1.0, 1.0], device="partial")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = x.log()
        fallback_out = x.reciprocal()  # through the CPU fallback: 1/0
    assert out.cpu().tolist()[0] == float("-inf") and np.isnan(out.cpu().tolist()[1])
    assert fallback_out.cpu().tolist()[0] == float("inf")
    assert np.geterr() == before


def test_composites_are_preferred_to_the_fallback(partial):
    x = ember.tensor([[1.0, 2.0, 3.0]], device="partial")
    out = x.softmax(dim=-1)
    np.testing.assert_allclose(out.cpu().numpy(), ember.tensor([[1.0, 2.0, 3.0]]).softmax(dim=-1).numpy(), rtol=1e-6)
    assert "softmax" not in [name for name, _ in partial.asked]


def test_without_a_fallback_a_missing_kernel_says_so():
    class Bare(Partial):
        type = "bare"
        fallback = None

    fresh = BackendRegistry()
    fresh.register_backend(Bare())
    x = ember.ones(2, device=fresh.canonical("bare"))
    with pytest.raises(NotImplementedError, match="the 'bare' backend has no kernel for 'exp'"):
        x.exp()
    assert fresh.backend("bare").fallback_kernel("exp", 0) is None


def test_a_fallback_must_be_cpu_or_none():
    class Odd(Partial):
        type = "odd"
        fallback = "cuda"

    with pytest.raises(ValueError, match=r"backend 'odd': fallback must be None or \"cpu\".*got 'cuda'"):
        BackendRegistry().register_backend(Odd())


def test_registering_cpu_again_is_refused():
    class SecondCPU(Partial):
        type = "cpu"

    with pytest.raises(RuntimeError, match="device type 'cpu' is already registered by ember-core"):
        BackendRegistry().register_backend(SecondCPU())


# -- the conformance suite's options ---------------------------------------------------------

def test_conformance_suite_checks_its_options():
    assert callable(conformance_suite("cpu", tolerances={"float32": (1e-4, 0)}, expected_failures=["x*"]))
    assert callable(ember.testing.conformance_suite("cpu", tolerances={ember.float16: (1e-2, 1e-2)}))
    with pytest.raises(ValueError, match=r"tolerances\['float32'\] must be \(rtol, atol\), two non-negative"):
        conformance_suite("cpu", tolerances={"float32": 1e-4})
    with pytest.raises(TypeError, match="tolerances must be a dict"):
        conformance_suite("cpu", tolerances=[("float32", (0, 0))])
    with pytest.raises(TypeError, match="expected_failures must be a list of test names or patterns"):
        conformance_suite("cpu", expected_failures="test_kernel[add-*]")


INEXACT_BACKEND = """
    import numpy as np

    import ember.testing
    from ember.backends import registry
    from ember.backends.cpu import CPUBackend


    class Inexact(CPUBackend):
        type = "inexact"
        has_index = True

        def __init__(self):
            super().__init__()
            exp = self.kernels["exp"]
            self.kernels["exp"] = lambda x: exp(x) * x.dtype.type(1 + 2e-5) if x.dtype.kind == "f" else exp(x)
            self.kernels["add"] = lambda x, y: np.subtract(x, y)  # a bug the backend knows about

        def from_numpy(self, array, index):
            return np.array(array, copy=True)

        def to_numpy(self, data):
            return np.array(data, copy=True)


    registry.register_backend(Inexact())
    pytest_collect_file = ember.testing.conformance_suite(
        "inexact", tolerances={"float32": (1e-4, 1e-4)},
        expected_failures=["test_kernel[add-*]", "test_kernel[sub-float32]"])
"""


@pytest.mark.slow
def test_the_suite_takes_tolerances_and_expected_failures(tmp_path):
    (tmp_path / "conftest.py").write_text(textwrap.dedent(INEXACT_BACKEND))
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfsxX", "-vv", "-k",
                          "test_kernel and (exp-float32 or exp-float64 or add-float32 or add-int64 or sub-float32)",
                          str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    text = out.stdout
    assert "test_kernel[exp-float32] PASSED" in text, text[-3000:]     # within the backend's float32 tolerance
    assert "test_kernel[exp-float64] FAILED" in text                   # ember's float64 default still holds
    assert "test_kernel[add-float32] XFAIL" in text and "test_kernel[add-int64] XFAIL" in text
    assert "test_kernel[sub-float32] FAILED" in text and "[XPASS(strict)]" in text  # an expected failure that passes
    assert out.returncode == 1
    assert "_ForwardFailed" not in text and "difference: nan" not in text


def test_messages_have_no_nan_difference_from_matching_zeros():
    """A matching 0 against 0 is no difference at all: only mismatched elements are reported."""
    with pytest.raises(AssertionError) as err:
        ember.testing.assert_close(ember.tensor([0.0, 1.0]), ember.tensor([0.0, 2.0]))
    assert "Greatest relative difference: 0.5 at index (1,)" in str(err.value)
    assert "nan" not in str(err.value)
