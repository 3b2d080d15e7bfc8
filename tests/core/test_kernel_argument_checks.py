"""The Cython kernels run without bounds checks: each one checks, once per call, every size,
axis and buffer length that its loops trust. Called directly with arguments that do not fit,
they raise instead of reading or writing past a buffer."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from ember.backends.cpu import _indexing, _optim, _pointwise

F = np.float32


def _arrays(*sizes, dtype=F):
    return [np.ones(n, dtype) for n in sizes]


# (kernel, number of arrays, extra arguments, the name its error gives each array after the parameter)
OPTIM = [
    (_optim.sgd, 3, (False, 0.1, 0.9, 0.0, 0.0, False, False), ["gradient", "momentum buffer"]),
    (_optim.adam, 5, (1, 0.1, 0.9, 0.999, 1e-8, 0.0, True, False, False),
     ["gradient", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"]),
    (_optim.rmsprop, 5, (0.01, 0.99, 1e-8, 0.0, 0.9, True, False),
     ["gradient", "square_avg", "grad_avg", "momentum_buffer"]),
    (_optim.adagrad, 3, (1, 0.1, 0.0, 0.0, 1e-10, False), ["gradient", "sum"]),
    (_optim.adadelta, 4, (1.0, 0.9, 1e-6, 0.0, False), ["gradient", "square_avg", "acc_delta"]),
    (_optim.adamax, 4, (1, 0.1, 0.9, 0.999, 1e-8, 0.0, False), ["gradient", "exp_avg", "exp_inf"]),
]


@pytest.mark.parametrize(("kernel", "count", "args", "names"), OPTIM, ids=[k[0].__name__ for k in OPTIM])
def test_optimizer_kernels_refuse_buffers_of_another_length(kernel, count, args, names):
    for wrong, name in enumerate(names, start=1):
        for length in (3, 100):   # shorter (reads and writes past it) and longer than the parameter
            arrays = _arrays(*[length if i == wrong else 10 for i in range(count)])
            before = [a.copy() for a in arrays]
            with pytest.raises(ValueError, match=f"^{kernel.__name__}: the parameter has 10 elements but its {name} "
                                                 f"has {length}; every state buffer must have the parameter's shape"):
                kernel(*arrays, *args)
            for a, b in zip(arrays, before):
                np.testing.assert_array_equal(a, b)   # refused before anything was written


@pytest.mark.parametrize(("kernel", "count", "args", "names"), OPTIM, ids=[k[0].__name__ for k in OPTIM])
def test_optimizer_kernels_read_a_read_only_gradient_and_refuse_mixed_dtypes(kernel, count, args, names):
    arrays = _arrays(*[10] * count)
    arrays[1].flags.writeable = False   # the gradient is only read (an expanded or shared gradient)
    kernel(*arrays, *args)
    mixed = _arrays(*[10] * count)
    mixed[2] = mixed[2].astype(np.float64)
    with pytest.raises(ValueError, match="Buffer dtype mismatch"):
        kernel(*mixed, *args)
    readonly = _arrays(*[10] * count)
    readonly[2].flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        kernel(*readonly, *args)


def test_optimizer_group_kernels_refuse_rows_of_another_size_or_dtype():
    p, g, buf = _arrays(10, 10, 3)
    with pytest.raises(ValueError, match=r"share one size and one dtype \(float32 or float64\), got dtypes "
                                         r"\['float32', 'float32', 'float32'\] and sizes \[10, 10, 3\]"):
        _optim.sgd_group([(p, g, buf)], False, 0.1, 0.9, 0.0, 0.0, False, False)
    np.testing.assert_array_equal(buf, np.ones(3, F))
    rows = [tuple(_arrays(4, 4, 4, 4, 2))]
    with pytest.raises(ValueError, match="sizes"):
        _optim.adam_group(rows, [1], 0.1, 0.9, 0.999, 1e-8, 0.0, True, False, False)
    with pytest.raises(ValueError, match="expected 5 arrays per parameter, got 3"):
        _optim.adam_group([tuple(_arrays(4, 4, 4))], [1], 0.1, 0.9, 0.999, 1e-8, 0.0, False, False, False)
    with pytest.raises(ValueError, match="1 parameters but 2 step numbers"):
        _optim.adam_group([tuple(_arrays(4, 4, 4, 4, 4))], [1, 2], 0.1, 0.9, 0.999, 1e-8, 0.0, False, False, False)


def test_threshold_backward_refuses_buffers_of_another_length():
    g, x, out = _arrays(8, 8, 8)
    _pointwise.threshold_backward(g, x, out, 0.0)
    for sizes in ((8, 3, 8), (8, 8, 3), (8, 100, 100)):
        g, x, out = _arrays(*sizes)
        with pytest.raises(ValueError, match=f"^threshold_backward: the gradient has 8 elements, the input {sizes[1]} "
                                             f"and the output {sizes[2]}"):
            _pointwise.threshold_backward(g, x, out, 0.0)


def _isolated(code: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter: a regression here reads past a tuple and may crash."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True)


@pytest.mark.parametrize(("call", "error"), [
    ("L.gather_along(np.zeros((2, 2)), np.zeros((2, 2), np.int64), 7)",
     "IndexError: gather_along: dimension 7 is out of range for an array of 2 dimension(s) (expected 0 to 1)"),
    ("L.gather_along(np.zeros((2, 2)), np.zeros((2, 2), np.int64), -1)", "IndexError: gather_along: dimension -1"),
    ("L.scatter_along(np.zeros((2, 2)), np.zeros((2, 2), np.int64), np.zeros((2, 2)), 2, True)",
     "IndexError: scatter_along: dimension 2 is out of range"),
    ("L.add_along(np.zeros((2, 2)), np.zeros((), np.int64), np.zeros(2), 0)",
     "ValueError: add_along: the index must be a 1-d integer array, got 0-d int64"),
    ("L.add_along(np.zeros((2, 2)), np.zeros(1, np.int64), np.zeros(2), 5)", "IndexError: add_along: dimension 5"),
    ("L.add_along(np.zeros((2, 2)), np.zeros(1), np.zeros(2), 0)",
     "ValueError: add_along: the index must be a 1-d integer array, got 1-d float64"),
    ("L.add_at(np.zeros((2, 2)), (Ellipsis, np.array([0]), slice(None), slice(None)), 1.0)",
     "IndexError: add_at: dimension -1 is out of range"),
    ("_core.call('add', ())", "TypeError: call('add'): an op needs at least one input tensor"),
])
def test_indexing_loops_and_the_dispatcher_check_axes_before_reading_shapes(call, error):
    out = _isolated(f"""
        import numpy as np
        from ember import _core
        from ember.backends.cpu import _indexing as L
        try:
            {call}
        except Exception as exc:
            print(f"{{type(exc).__name__}}: {{exc}}")
    """)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(error), out.stdout


def test_indexing_loops_still_work_on_valid_axes():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(_indexing.gather_along(x, np.array([[2, 0], [1, 1]]), 1), [[2, 0], [4, 4]])
    acc = np.zeros((2, 3))
    _indexing.add_along(acc, np.array([0, 0, 2]), np.ones((2, 3)), 1)
    np.testing.assert_array_equal(acc, [[2, 0, 1], [2, 0, 1]])
