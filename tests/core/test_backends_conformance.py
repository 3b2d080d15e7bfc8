"""ember.testing: assert_close with PyTorch's messages, and the conformance suite, run the way
a backend package runs it (one line in a conftest) on the CPU and on a deliberately wrong backend."""

import os
import subprocess
import sys
import textwrap

import pytest

import ember
from ember.testing import assert_close


def _message(actual, expected, **kwargs) -> str:
    with pytest.raises(AssertionError) as err:
        assert_close(actual, expected, **kwargs)
    return str(err.value)


def test_assert_close_passes_within_tolerance():
    assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-6]))
    assert_close(ember.tensor([float("nan")]), ember.tensor([float("nan")]), equal_nan=True)
    assert_close(ember.tensor([1, 2]), ember.tensor([1, 2]))
    assert_close([ember.ones(2), 3.0], [ember.ones(2), 3.0])
    assert_close({"a": ember.zeros(1)}, {"a": ember.zeros(1)})
    assert_close(ember.tensor([1.0]), ember.tensor([1.5]), rtol=0.0, atol=0.5)


def test_assert_close_messages_are_pytorchs():
    # the strings below are what torch.testing.assert_close 2.13 prints for the same inputs
    assert _message(ember.tensor([1.0, 2, 3]), ember.tensor([1.0, 2.5, 3])) == (
        "Tensor-likes are not close!\n\nMismatched elements: 1 / 3 (33.3%)\n"
        "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 0.20000000298023224 at index (1,) (up to 1.3e-06 allowed)")
    assert _message(ember.tensor([1, 2, 3]), ember.tensor([1, 4, 3])) == (
        "Tensor-likes are not equal!\n\nMismatched elements: 1 / 3 (33.3%)\n"
        "Greatest absolute difference: 2 at index (1,)\nGreatest relative difference: 0.5 at index (1,)")
    assert _message(ember.tensor([True, False]), ember.tensor([True, True])) == (
        "Tensor-likes are not equal!\n\nMismatched elements: 1 / 2 (50.0%)\n"
        "Greatest absolute difference: 1 at index (1,)\nGreatest relative difference: 1.0 at index (1,)")
    assert _message(ember.zeros(2, 2), ember.ones(2, 2)) == (
        "Tensor-likes are not close!\n\nMismatched elements: 4 / 4 (100.0%)\n"
        "Greatest absolute difference: 1.0 at index (0, 0) (up to 1e-05 allowed)\n"
        "Greatest relative difference: 1.0 at index (0, 0) (up to 1.3e-06 allowed)")
    assert _message(ember.tensor([float("nan")]), ember.tensor([float("nan")])) == (
        "Tensor-likes are not close!\n\nMismatched elements: 1 / 1 (100.0%)\n"
        "Greatest absolute difference: nan at index (0,) (up to 1e-05 allowed)\n"
        "Greatest relative difference: nan at index (0,) (up to 1.3e-06 allowed)")
    assert _message(ember.ones(2), ember.ones(3)) == \
        "The values for attribute 'shape' do not match: ember.Size([2]) != ember.Size([3])."
    assert _message(ember.ones(2), ember.ones(2, dtype=ember.float64)) == \
        "The values for attribute 'dtype' do not match: ember.float32 != ember.float64."
    assert _message(ember.tensor(1.0), ember.tensor(2.0)).startswith("Tensor-likes are not close!")
    assert _message(1.0, 1.5) == ("Scalars are not close!\n\nExpected 1.5 but got 1.0.\n"
                                  "Absolute difference: 0.5 (up to 1e-07 allowed)\n"
                                  "Relative difference: 0.3333333333333333 (up to 1e-07 allowed)")
    assert _message((ember.zeros(2),), (ember.ones(2),)).endswith("\n\nThe failure occurred for item [0]")
    assert _message(ember.zeros(2), ember.ones(2), msg="custom") == "custom"


def test_assert_close_argument_errors():
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                                         "atol."):
        assert_close(ember.ones(1), ember.ones(1), rtol=1)
    with pytest.raises(TypeError, match="No comparison pair was able to handle inputs of type"):
        assert_close(ember.ones(2), [1.0, 1.0])


def _run_suite(tmp_path, conftest: str, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(conftest))
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfs", *args,
                           str(tmp_path)], capture_output=True, text=True, env=env, cwd=tmp_path)


@pytest.mark.slow
def test_the_cpu_backend_passes_the_conformance_suite(tmp_path):
    out = _run_suite(tmp_path, """
        import ember.testing

        pytest_collect_file = ember.testing.conformance_suite("cpu")
    """, "-vv")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    for test in ("test_kernel[add-float32]", "test_kernel[where-bool]", "test_from_numpy_to_numpy[int8]",
                 "test_manual_seed_makes_random_numbers_reproducible", "test_creation_functions_take_device"):
        assert f"ember-conformance-cpu::{test} PASSED" in out.stdout
    summary = out.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary


WRONG_BACKEND = """
    import numpy as np

    import ember.testing
    from ember.backends import registry
    from ember.backends.cpu import CPUBackend


    class Wrong(CPUBackend):
        type = "wrong"
        has_index = True

        def __init__(self):
            super().__init__()
            self.kernels["add"] = np.subtract                     # a wrong value
            self.kernels["exp"] = lambda x: np.exp(x).astype(np.float64)  # a wrong dtype
            self.kernels["neg"] = lambda x: np.negative(x)[..., None]     # a wrong shape
            self.kernels["sqrt"] = lambda x: np.sqrt(x.astype(np.float64)).astype(x.dtype) if x.ndim else 1.0
            del self.kernels["mul"]                                # a missing primitive

        def from_numpy(self, array, index):
            return np.array(array, copy=True)

        def to_numpy(self, data):
            return np.array(data, copy=True)


    registry.register_backend(Wrong())
    pytest_collect_file = ember.testing.conformance_suite("wrong")
"""


@pytest.mark.slow
def test_the_suite_catches_a_wrong_backend(tmp_path):
    out = _run_suite(tmp_path, WRONG_BACKEND, "-k", "add-float32 or exp-float32 or neg-int64 or primitives or "
                                                    "sqrt-float64 or mul-float32 or devices")
    assert out.returncode == 1, out.stdout[-3000:]
    text = out.stdout
    assert "FAILED ember-conformance-wrong::test_kernel[add-float32]" in text
    assert "add on wrong:0 (float32, same shape): the result differs from the CPU's" in text
    # the suite turns result checks on: the dispatcher names the kernel that returned the wrong thing
    assert "FAILED ember-conformance-wrong::test_kernel[exp-float32]" in text
    assert "the 'wrong' backend (from the calling code) returned a wrong result from its kernel 'exp': a result " \
           "of dtype float64 where the op's definition (broadcast shape, result dtype) gives float32" in text
    assert "FAILED ember-conformance-wrong::test_kernel[neg-int64]" in text
    assert "returned a wrong result from its kernel 'neg': a result of shape (1,) where the op's " \
           "definition (broadcast shape, result dtype) gives ()" in text
    assert "FAILED ember-conformance-wrong::test_kernel[sqrt-float64]" in text
    assert "sqrt on wrong:0 (float64, 0-d): raises RuntimeError: the 'wrong' backend (from the calling code) " \
           "returned a float from its kernel 'sqrt', where a native array" in text
    assert "the 'wrong' backend lacks these primitive kernels: mul" in text
    assert "test_kernel[mul-float32]" not in text  # a kernel the backend lacks is not run
    assert "test_devices " not in text and "test_kernel[add-float16]" not in text


MINIMAL_BACKEND = """
    import numpy as np

    import ember.testing
    from ember.backends import registry
    from ember.backends.cpu import CPUBackend
    from ember.testing.samples import SAMPLES


    class Minimal(CPUBackend):
        type = "minimal"
        has_index = True

        def __init__(self):
            super().__init__()
            for s in SAMPLES:
                if s.optional:  # fused kernels of composites, in-place variants
                    self.kernels.pop(s.kernel, None)

        def from_numpy(self, array, index):
            return np.array(array, copy=True)

        def to_numpy(self, data):
            return np.array(data, copy=True)


    registry.register_backend(Minimal())
    pytest_collect_file = ember.testing.conformance_suite("minimal")
"""


@pytest.mark.slow
def test_composites_work_on_a_backend_with_primitives_only(tmp_path):
    """Without its fused kernels (softmax, conv2d, ...) a backend runs ember's composite paths."""
    from ember.testing.samples import SAMPLES

    optional = sorted({s.kernel for s in SAMPLES if s.optional})
    out = _run_suite(tmp_path, MINIMAL_BACKEND, "-vv", "-k", "test_kernel and (" + " or ".join(optional) + ")")
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    for test in ("softmax-float32", "conv2d-float64", "batch_norm-float32", "index_add_-int64", "logsumexp-float16"):
        assert f"ember-conformance-minimal::test_kernel[{test}] PASSED" in out.stdout
