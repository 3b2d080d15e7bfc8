"""A backend kernel that returns the wrong thing is reported at the dispatch boundary, naming
the backend and the kernel, instead of failing later (in autograd, in the next op)."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import ember
from ember.backends import registry
from ember.backends.cpu import CPUBackend


class Faulty(CPUBackend):
    """The CPU's kernels on copies of NumPy arrays, with some kernels made wrong on purpose."""

    type = "faulty"
    has_index = True

    def __init__(self):
        super().__init__()
        self.kernels["sqrt"] = lambda x: 1.0                                          # not an array
        self.kernels["abs"] = lambda x: np.abs(x).astype(np.complex64)                # a dtype ember lacks
        self.kernels["exp"] = lambda x: np.exp(x).astype(np.float64)                  # a wrong dtype
        self.kernels["neg"] = lambda x: np.negative(x)[..., None]                     # a wrong shape
        self.kernels["mul"] = lambda x, y: np.multiply(x, y).reshape(-1)             # a wrong broadcast shape
        self.kernels["index_select"] = lambda x, i, d: np.take(x, i, axis=d).astype(np.float64)
        self.kernels["cumsum"] = lambda x, d, dt: np.cumsum(x, axis=d)[:1]
        self.kernels["max_dim"] = lambda x, d, k: np.max(x, axis=d, keepdims=k)       # a tuple was due
        self.kernels["getitem"] = lambda x, key: None                                 # a view kernel

    def from_numpy(self, array, index):
        return np.array(array, copy=True)

    def to_numpy(self, data):
        return np.array(data, copy=True)


@pytest.fixture
def dev():
    registry.register_backend(Faulty())
    try:
        yield "faulty"
    finally:
        registry.unregister_backend("faulty")


def _x(dev):
    return ember.tensor([[1.0, 4.0], [9.0, 16.0]], device=dev)


WHO = "the 'faulty' backend (from the calling code)"


@pytest.mark.parametrize(("op", "kernel", "what"), [
    (lambda x: x.sqrt(), "sqrt", "a float"),
    (lambda x: x.abs(), "abs", "a ndarray of shape (2, 2) and dtype complex64"),
    (lambda x: x[0], "getitem", "a NoneType"),
])
def test_a_result_that_is_no_native_array_of_an_ember_dtype_is_always_reported(dev, op, kernel, what):
    assert not ember.backends.result_checks_enabled()
    with pytest.raises(RuntimeError, match=rf"^{re.escape(WHO)} returned {re.escape(what)} from its kernel '{kernel}', "
                                           r"where a native array \(with shape, ndim and an ember dtype"):
        op(_x(dev))


@pytest.mark.parametrize(("op", "message"), [
    (lambda x: x.exp(), "kernel 'exp': a result of dtype float64 where the op's definition (broadcast shape, result "
                        "dtype) gives float32"),
    (lambda x: -x, "kernel 'neg': a result of shape (2, 2, 1) where the op's definition (broadcast shape, result "
                   "dtype) gives (2, 2)"),
    (lambda x: x * ember.ones(2, device=x.device), "kernel 'mul': a result of shape (4,) where the op's definition "
                                                   "(broadcast shape, result dtype) gives (2, 2)"),
    (lambda x: x.index_select(0, ember.tensor([1], device=x.device)),
     "kernel 'index_select': a result of dtype float64 where the CPU backend's kernel gives float32"),
    (lambda x: x.cumsum(0), "kernel 'cumsum': a result of shape (1, 2) where the CPU backend's kernel gives (2, 2)"),
    (lambda x: x.max(dim=0), "kernel 'max_dim': a ndarray of shape (2,) and dtype float32 where the CPU backend's "
                             "kernel gives a tuple of 2"),
])
def test_with_result_checks_a_wrong_shape_dtype_or_structure_names_backend_and_kernel(dev, op, message):
    with ember.backends.checking_results():
        with pytest.raises(RuntimeError) as err:
            op(_x(dev))
    assert str(err.value) == (f"{WHO} returned a wrong result from its kernel {message.split('kernel ', 1)[1]}; fix "
                              f"the kernel or remove it from the backend's kernel table")
    assert not ember.backends.result_checks_enabled()   # the context manager restores the setting


def test_without_result_checks_a_wrong_dtype_goes_unnoticed(dev):
    assert _x(dev).exp().dtype is ember.float64   # what the checks are for


def test_result_checks_pass_the_cpu_and_a_correct_backend():
    with ember.backends.checking_results():
        x = ember.arange(6.0).reshape(2, 3)
        y = (x + 1) * x.exp() - x.sum(0) / 2
        assert y.shape == (2, 3) and y.dtype is ember.float32
        assert (x > 2).dtype is ember.bool and x.max(dim=1).values.tolist() == [2.0, 5.0]
        assert ember.ones(3, dtype=ember.int64).add(1).dtype is ember.int64
        x.index_select(1, ember.tensor([2, 0])), x[0], x[:, 1:], x.T.contiguous()


def test_set_result_checks_switches_them_on_and_off():
    ember.backends.set_result_checks(True)
    try:
        assert ember.backends.result_checks_enabled()
    finally:
        ember.backends.set_result_checks(False)
    assert not ember.backends.result_checks_enabled()


def test_the_environment_variable_turns_result_checks_on():
    code = "import ember; print(ember.backends.result_checks_enabled())"
    for value, expected in (("1", "True"), ("0", "False"), ("", "False")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**os.environ, "EMBER_CHECK_RESULTS": value})
        assert out.stdout.strip() == expected, out.stderr
