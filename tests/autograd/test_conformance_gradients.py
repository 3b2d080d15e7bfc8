"""The conformance suite's gradient tests reduce the loss on the CPU: a backend whose ``mul`` is
inexact fails its own kernel test, not the gradient of every op (needs ember-autograd, hence here)."""

import subprocess
import sys
import textwrap

import pytest

INEXACT_MUL = """
    import numpy as np

    import ember.testing
    from ember.backends import registry
    from ember.backends.cpu import CPUBackend


    class InexactMul(CPUBackend):
        type = "inexactmul"
        has_index = True

        def __init__(self):
            super().__init__()
            mul = self.kernels["mul"]
            self.kernels["mul"] = lambda x, y: mul(x, y) * 1.001 if getattr(x, "dtype", None) == np.float64 \\
                else mul(x, y)

        def from_numpy(self, array, index):
            return np.array(array, copy=True)

        def to_numpy(self, data):
            return np.array(data, copy=True)


    registry.register_backend(InexactMul())
    pytest_collect_file = ember.testing.conformance_suite("inexactmul", expected_failures=["test_kernel[mul-float64]"])
"""


@pytest.mark.slow
def test_an_inexact_mul_fails_only_its_own_tests(tmp_path):
    (tmp_path / "conftest.py").write_text(textwrap.dedent(INEXACT_MUL))
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfsxX", "-vv", "-k",
                          "mul-float64 or (test_gradient and (neg-float64 or sub-float64))", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path)
    text = out.stdout
    assert "test_kernel[mul-float64] XFAIL" in text, text[-3000:]
    # before, the loss sum(out * upstream) ran the device's mul forward and backward: these failed
    assert "test_gradient[neg-float64] PASSED" in text and "test_gradient[sub-float64] PASSED" in text
    assert "test_gradient[mul-float64] FAILED" in text  # mul's own derivative uses the inexact mul
    assert "_ForwardFailed" not in text
