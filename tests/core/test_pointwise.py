"""Elementwise ops checked against NumPy and hand computation: values, result dtypes, layouts,
PyTorch's integer semantics, in-place forms, ``out=`` and error messages."""

import math
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ember

ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]
FLOATS = ["float16", "float32", "float64"]
TOL = {"float16": dict(rtol=2e-3, atol=2e-3), "float32": dict(rtol=2e-6, atol=1e-6),
       "float64": dict(rtol=1e-12, atol=1e-12)}


def sample(dtype: str, shape=(3, 4), seed=0) -> np.ndarray:
    """Values in a small range (with negatives for signed types) in ``dtype``."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "uint8":
        return rng.integers(0, 6, shape).astype(dtype)
    if dtype in INTS:
        return rng.integers(-4, 5, shape).astype(dtype)
    return (rng.standard_normal(shape) * 2).astype(dtype)


def layouts(arr: np.ndarray):
    """``arr`` as a contiguous tensor, a strided one and a transposed view (same values)."""
    wide = np.repeat(arr, 2, axis=1)
    strided = ember.from_numpy(wide[:, ::2])
    transposed = ember.from_numpy(np.ascontiguousarray(arr.T)).T
    assert not strided.is_contiguous() and not transposed.is_contiguous()
    return [ember.from_numpy(arr.copy()), strided, transposed]


def close(t, expected, dtype: str):
    assert t.dtype is getattr(ember, dtype)
    assert tuple(t.shape) == np.shape(expected)
    if dtype in TOL:
        np.testing.assert_allclose(t.numpy().astype(np.float64), np.asarray(expected, np.float64),
                                   equal_nan=True, **TOL[dtype])
    else:
        np.testing.assert_array_equal(t.numpy(), np.asarray(expected).astype(dtype))


def float_of(dtype: str) -> str:
    return dtype if dtype in FLOATS else "float32"


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# (name, reference on float64 / exact arrays, result kind, input dtypes)
UNARY = [
    ("neg", np.negative, "same", ALL[1:]),
    ("abs", np.abs, "same", ALL[1:]),
    ("exp", np.exp, "float", ALL),
    ("exp2", np.exp2, "float", ALL),
    ("log", np.log, "float", ALL),
    ("log2", np.log2, "float", ALL),
    ("log10", np.log10, "float", ALL),
    ("log1p", np.log1p, "float", ALL),
    ("expm1", np.expm1, "float", ALL),
    ("sqrt", np.sqrt, "float", ALL),
    ("rsqrt", lambda x: 1 / np.sqrt(x), "float", ALL),
    ("sin", np.sin, "float", ALL),
    ("cos", np.cos, "float", ALL),
    ("tan", np.tan, "float", ALL),
    ("asin", np.arcsin, "float", ALL),
    ("acos", np.arccos, "float", ALL),
    ("atan", np.arctan, "float", ALL),
    ("sinh", np.sinh, "float", ALL),
    ("cosh", np.cosh, "float", ALL),
    ("tanh", np.tanh, "float", ALL),
    ("sigmoid", _sigmoid, "float", ALL),
    ("reciprocal", lambda x: 1 / x, "float", ALL),
    ("erf", np.vectorize(math.erf, otypes=[np.float64]), "float", ALL),
    ("relu", lambda x: np.maximum(x, 0), "same", ALL[1:]),
    ("floor", np.floor, "same", ALL[1:]),
    ("ceil", np.ceil, "same", ALL[1:]),
    ("trunc", np.trunc, "same", ALL[1:]),
    ("round", np.round, "same", ALL[1:]),
    ("square", np.square, "same", ALL[1:]),
    ("sign", np.sign, "same", ALL[1:]),
    ("isnan", np.isnan, "bool", ALL),
    ("isinf", np.isinf, "bool", ALL),
    ("isfinite", np.isfinite, "bool", ALL),
    ("logical_not", np.logical_not, "bool", ALL),
    ("bitwise_not", np.invert, "same", ["bool"] + INTS),
]


@pytest.mark.parametrize("name, ref, kind, supported", UNARY, ids=[u[0] for u in UNARY])
def test_unary_values_and_dtypes_on_every_layout(name, ref, kind, supported):
    for dtype in supported:
        arr = sample(dtype)
        result = {"same": dtype, "float": float_of(dtype), "bool": "bool"}[kind]
        if result in FLOATS:
            expected = ref(arr.astype(np.float64))
        else:
            expected = ref(arr)
        for t in layouts(arr):
            close(getattr(ember, name)(t), expected, result)
            close(getattr(t, name)(), expected, result)


def test_square_of_bool_is_int64_like_pow():
    close(ember.square(ember.tensor([True, False])), [1, 0], "int64")


@pytest.mark.parametrize("name, dtype, error, message", [
    ("neg", "bool", RuntimeError, "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                                  "trying to invert a mask, use the `~` or `logical_not()` operator instead."),
    ("abs", "bool", NotImplementedError, "\"abs\" not implemented for 'Bool' on cpu"),
    ("floor", "bool", NotImplementedError, "\"floor\" not implemented for 'Bool' on cpu"),
    ("ceil", "bool", NotImplementedError, "\"ceil\" not implemented for 'Bool' on cpu"),
    ("trunc", "bool", NotImplementedError, "\"trunc\" not implemented for 'Bool' on cpu"),
    ("round", "bool", NotImplementedError, "\"round\" not implemented for 'Bool' on cpu"),
    ("relu", "bool", RuntimeError, "Boolean inputs not supported for relu"),
    ("bitwise_not", "float32", NotImplementedError, "\"bitwise_not\" not implemented for 'Float' on cpu"),
    ("bitwise_not", "float64", NotImplementedError, "\"bitwise_not\" not implemented for 'Double' on cpu"),
])
def test_unary_refusals(name, dtype, error, message):
    t = ember.from_numpy(sample(dtype))
    with pytest.raises(error) as err:
        getattr(ember, name)(t)
    assert str(err.value) == message


def test_operator_forms_of_refusals():
    with pytest.raises(RuntimeError, match="Negation, the `-` operator, on a bool tensor"):
        -ember.tensor([True])
    with pytest.raises(TypeError) as err:
        ~ember.tensor([1.0])
    assert str(err.value) == "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
    np.testing.assert_array_equal((~ember.tensor([True, False])).numpy(), [False, True])
    np.testing.assert_array_equal((~ember.tensor([0, 5])).numpy(), [-1, -6])


def test_special_values():
    x = ember.tensor([float("nan"), -0.0, 0.0, -2.0, float("inf")])
    np.testing.assert_array_equal(ember.sign(x).numpy(), [0, 0, 0, -1, 1])  # PyTorch: sign(NaN) = 0
    np.testing.assert_array_equal(ember.sign(ember.tensor([True, False])).numpy(), [True, False])
    assert ember.sign(ember.tensor(float("nan"))).item() == 0 and ember.sign(ember.tensor(-3.0)).item() == -1
    big = ember.tensor([-1000.0, 1000.0, 0.0])
    np.testing.assert_array_equal(ember.sigmoid(big).numpy(), [0.0, 1.0, 0.5])
    # the negative tail keeps its relative accuracy down to float32's smallest normal numbers (1 + tanh(x / 2)
    # cancelled to 0 there): sigmoid(-40) = 4.25e-18, a float64 reference by math.exp
    tail = np.linspace(-85.0, -10.0, 301)
    want = np.array([math.exp(v) / (1 + math.exp(v)) for v in tail])
    for dtype in (ember.float32, ember.float64):
        got = ember.sigmoid(ember.tensor(tail, dtype=dtype)).numpy().astype(np.float64)
        np.testing.assert_allclose(got, want, rtol=1e-6 if dtype is ember.float32 else 1e-14, atol=0)
    np.testing.assert_array_equal(ember.erf(ember.tensor([-math.inf, 0.0, math.inf])).numpy(), [-1, 0, 1])
    assert math.isnan(ember.erf(ember.tensor(float("nan"))).item())
    np.testing.assert_array_equal(ember.log(ember.tensor([0.0, 1.0])).numpy(), [-math.inf, 0])
    assert math.isnan(ember.sqrt(ember.tensor(-1.0)).item())
    np.testing.assert_array_equal(ember.reciprocal(ember.tensor([0, 2])).numpy(), [math.inf, 0.5])
    np.testing.assert_array_equal(ember.round(ember.tensor([0.5, 1.5, 2.5, -0.5])).numpy(), [0, 2, 2, -0])
    assert np.signbit(ember.relu(ember.tensor([-0.0])).numpy()).all()  # PyTorch's relu keeps -0.0
    np.testing.assert_array_equal(ember.relu(ember.tensor([-2.0, math.nan, 3.0])).numpy(), [0, math.nan, 3])


def test_erf_matches_libm_on_float64_and_float16():
    xs = np.linspace(-4, 4, 101)
    expected = [math.erf(v) for v in xs]
    np.testing.assert_allclose(ember.erf(ember.from_numpy(xs)).numpy(), expected, rtol=1e-15, atol=1e-16)
    half = ember.erf(ember.from_numpy(xs.astype(np.float16)))
    assert half.dtype is ember.float16
    np.testing.assert_allclose(half.numpy(), [math.erf(v) for v in xs.astype(np.float16)], atol=1e-3)
    big = np.random.default_rng(1).standard_normal(70_000).astype(np.float32)  # the parallel loop
    np.testing.assert_allclose(ember.erf(ember.from_numpy(big)).numpy(), [math.erf(v) for v in big], atol=1e-6)


def test_integer_rounding_returns_integer_copies():
    t = ember.tensor([-3, 2, 0], dtype=ember.int16)
    for name in ("floor", "ceil", "trunc", "round"):
        out = getattr(ember, name)(t)
        assert out.dtype is ember.int16
        np.testing.assert_array_equal(out.numpy(), [-3, 2, 0])
        assert not np.shares_memory(out.numpy(), t.numpy())


def test_round_decimals():
    t = ember.tensor([1.2345, -2.5, 1234.5], dtype=ember.float64)
    np.testing.assert_allclose(ember.round(t, decimals=2).numpy(), [1.23, -2.5, 1234.5])
    np.testing.assert_allclose(t.round(decimals=-2).numpy(), [0, -0, 1200])
    with pytest.raises(NotImplementedError, match="\"round\" not implemented for 'Long' on cpu"):
        ember.round(ember.tensor([1, 2]), decimals=1)


def test_no_floating_point_warnings_from_ember():
    # PyTorch computes these silently; the kernels run with NumPy's error reporting off, with no
    # warnings filter (which would hide ember's other RuntimeWarnings, such as a broken plugin's)
    x = ember.tensor([0.0, -1.0, 1e38])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ember.log(x), ember.sqrt(x), ember.log1p(ember.tensor([-2.0])), ember.exp(ember.tensor([100.0]))
        ember.tensor([1.0]).div(0), x.div(0), ember.tensor([0.0]).remainder(0.0), x * x, x.half()
        x.reciprocal(), ember.tensor([float("nan"), float("inf")]).long(), ember.acos(ember.tensor([2.0]))
        y = ember.ones(2)
        y.div_(0), y.mul_(float("inf")), y.sub_(float("inf")), y.pow_(2.0)
        ember.ones(1).var(), ember.ones(1).std(), ember.ones(0).mean(), ember.ones(0, 2).mean(0)
        ember.tensor([float("nan")]).nanmean(), ember.tensor([1e38]).sum() * 1e38
    assert [str(w.message) for w in caught] == []
    assert np.seterr()["divide"] == "warn"   # the user's own NumPy state is untouched


def test_kernels_in_many_threads_stay_quiet():
    # one thread at a time runs kernels in ember's quiet context; the others set NumPy's state
    # in their own context: both ways no warning, no "context already entered" error
    import threading
    errors = []

    def work():
        try:
            for _ in range(200):
                ember.log(ember.zeros(4)), ember.ones(3).div(0), ember.tensor([-1.0]).sqrt()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == [] and [str(w.message) for w in caught] == []
    assert np.seterr()["divide"] == "warn"


def test_numpy_warnings_of_user_code_stay_visible():
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        np.log(np.zeros(1))
    ember.log(ember.zeros(1))
    with pytest.warns(RuntimeWarning, match="divide by zero"):
        np.log(np.zeros(1))


def test_unary_refuses_non_tensors():
    with pytest.raises(TypeError):
        ember.exp([1.0])
    with pytest.raises(TypeError, match=r"abs\(\): argument 'input' \(position 1\) must be Tensor, not list"):
        ember.abs([1.0])


# -------------------------------------------------------------------------- binary ops

BINARY = [
    ("add", np.add, "same"), ("sub", np.subtract, "same"), ("mul", np.multiply, "same"),
    ("div", np.true_divide, "float"), ("maximum", np.maximum, "same"), ("minimum", np.minimum, "same"),
    ("atan2", np.arctan2, "float"),
    ("eq", np.equal, "bool"), ("ne", np.not_equal, "bool"), ("lt", np.less, "bool"), ("le", np.less_equal, "bool"),
    ("gt", np.greater, "bool"), ("ge", np.greater_equal, "bool"),
    ("logical_and", np.logical_and, "bool"), ("logical_or", np.logical_or, "bool"),
    ("logical_xor", np.logical_xor, "bool"),
]


@pytest.mark.parametrize("name, ref, kind", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("dtype", ALL)
def test_binary_same_dtype_values_on_every_layout(name, ref, kind, dtype):
    if name == "sub" and dtype == "bool":
        pytest.skip("refused, tested below")
    a, b = sample(dtype, seed=1), sample(dtype, seed=2)
    result = {"same": dtype, "float": float_of(dtype), "bool": "bool"}[kind]
    expected = ref(a.astype(np.float64), b.astype(np.float64)) if result in FLOATS else ref(a, b)
    for ta, tb in zip(layouts(a), reversed(layouts(b))):
        close(getattr(ember, name)(ta, tb), expected, result)
        close(getattr(ta, name)(tb), expected, result)


@pytest.mark.parametrize("name, op", [("add", "__add__"), ("sub", "__sub__"), ("mul", "__mul__"),
                                      ("div", "__truediv__"), ("floor_divide", "__floordiv__"),
                                      ("remainder", "__mod__"), ("pow", "__pow__"), ("eq", "__eq__"),
                                      ("lt", "__lt__"), ("bitwise_and", "__and__"), ("bitwise_or", "__or__"),
                                      ("bitwise_xor", "__xor__"), ("bitwise_left_shift", "__lshift__"),
                                      ("bitwise_right_shift", "__rshift__")])
def test_operators_match_functions_and_reflect(name, op):
    a = ember.tensor([[5, 6, 7], [1, 2, 3]])
    b = ember.tensor([1, 2, 3])
    np.testing.assert_array_equal(getattr(a, op)(b).numpy(), getattr(ember, name)(a, b).numpy())
    reflected = "__r" + op[2:]
    if name not in ("eq", "lt"):
        np.testing.assert_array_equal(getattr(b, reflected)(3).numpy(), getattr(ember, name)(3, b).numpy())


def test_scalar_operands_keep_tensor_dtype_unless_higher_category():
    i8 = ember.tensor([1, 2], dtype=ember.int8)
    assert (i8 + 100).dtype is ember.int8
    assert (i8 * 2.5).dtype is ember.float32
    assert (2.5 - i8).dtype is ember.float32
    assert (ember.tensor([True]) + True).dtype is ember.bool
    assert (ember.tensor([1.0], dtype=ember.float16) * 1e3).dtype is ember.float16
    assert (i8 / 2).dtype is ember.float32
    assert (i8 < 1.5).dtype is ember.bool
    np.testing.assert_array_equal((i8 < 1.5).numpy(), [True, False])


def test_integer_division_rounding():
    a = ember.tensor([-7, 7, -7, 7, -2**62])
    b = ember.tensor([2, -2, -2, 2, 3])
    np.testing.assert_array_equal(ember.floor_divide(a, b).numpy(), [-4, -4, 3, 3, -1537228672809129302])
    np.testing.assert_array_equal(ember.div(a, b, rounding_mode="floor").numpy(), [-4, -4, 3, 3,
                                                                                  -1537228672809129302])
    np.testing.assert_array_equal(ember.div(a, b, rounding_mode="trunc").numpy(), [-3, -3, 3, 3,
                                                                                  -1537228672809129301])
    np.testing.assert_array_equal(ember.remainder(a, b).numpy(), [1, -1, -1, 1, 2])
    np.testing.assert_array_equal(ember.fmod(a, b).numpy(), [-1, 1, -1, 1, -1])
    assert ember.div(a, b, rounding_mode="trunc").dtype is ember.int64
    assert ember.div(a, b).dtype is ember.float32


def test_float_division_rounding():
    a = ember.tensor([-7.5, 7.5, 1.0, -1.0])
    b = ember.tensor([2.0, -2.0, 0.0, 0.0])
    np.testing.assert_array_equal(ember.floor_divide(a, b).numpy(), [-4, -4, math.inf, -math.inf])
    np.testing.assert_array_equal(ember.div(a, b, rounding_mode="trunc").numpy(), [-3, -3, math.inf, -math.inf])
    a, b = ember.tensor([-7.5, 7.5]), ember.tensor([2.0, -2.0])
    np.testing.assert_array_equal(ember.remainder(a, b).numpy(), [0.5, -0.5])
    np.testing.assert_array_equal(ember.fmod(a, b).numpy(), [-1.5, 1.5])
    assert math.isnan(ember.remainder(ember.tensor([1.0]), 0.0).item())


@pytest.mark.parametrize("call", [
    lambda a: a // 0, lambda a: a % 0, lambda a: ember.fmod(a, 0), lambda a: ember.div(a, 0, rounding_mode="trunc"),
    lambda a: ember.div(a, ember.tensor([1, 0, 1]), rounding_mode="floor"), lambda a: ember.remainder(2, a - a),
    lambda a: a.__ifloordiv__(0), lambda a: a.__imod__(0),
])
def test_integer_division_by_zero_is_an_error(call):
    with pytest.raises(RuntimeError) as err:
        call(ember.tensor([-3, 2, 0]))
    assert str(err.value) == "ZeroDivisionError"


def test_bad_rounding_mode():
    with pytest.raises(RuntimeError) as err:
        ember.div(ember.tensor([1]), 2, rounding_mode="bad")
    assert str(err.value) == "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'bad'"


def test_pow_integer_rules():
    i = ember.tensor([-3, 2, 0])
    close(ember.pow(i, 2), [9, 4, 0], "int64")
    close(i ** 2.0, [9.0, 4.0, 0.0], "float32")
    close(2 ** i, [0, 4, 1], "int64")               # 2 ** -3 is 0 in integer arithmetic
    close(2.5 ** i, [2.5 ** -3, 6.25, 1.0], "float32")
    close(ember.pow(ember.tensor([1, -1, -1, 2, 0]), ember.tensor([-1, -3, -2, -1, -2])), [1, -1, 1, 0, 0], "int64")
    close(ember.pow(ember.tensor([True, False]), 2), [1, 0], "int64")
    close(ember.tensor([4.0]) ** -0.5, [0.5], "float32")
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        ember.pow(i, -1)
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        i ** -2
    with pytest.raises(NotImplementedError, match="\"pow\" not implemented for 'Bool'"):
        ember.pow(ember.tensor([True]), ember.tensor([True]))
    with pytest.raises(TypeError):
        ember.pow(2, 3)


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod", "bitwise_left_shift", "bitwise_right_shift"])
def test_bool_refusals_of_integer_ops(name):
    b = ember.tensor([True, False])
    with pytest.raises(NotImplementedError) as err:
        getattr(ember, name)(b, b)
    assert str(err.value) == f"\"{name}\" not implemented for 'Bool' on cpu"


def test_bool_subtraction_refused():
    b = ember.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with"):
        ember.sub(b, b)
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with"):
        b.sub_(b)


@pytest.mark.parametrize("dtype", ["bool"] + INTS)
def test_bitwise_ops(dtype):
    a, b = sample(dtype, seed=3), sample(dtype, seed=4)
    for name, ref in (("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                      ("bitwise_xor", np.bitwise_xor)):
        for ta, tb in zip(layouts(a), layouts(b)):
            close(getattr(ember, name)(ta, tb), ref(a, b), dtype)
    if dtype != "bool":
        shift = np.abs(b) % 4
        close(ember.from_numpy(a) << ember.from_numpy(shift), np.left_shift(a, shift), dtype)
        close(ember.from_numpy(a) >> ember.from_numpy(shift), np.right_shift(a, shift), dtype)


def test_bitwise_refuses_floats():
    for call in (lambda: ember.bitwise_and(ember.tensor([1.0]), 1), lambda: ember.bitwise_or(ember.tensor([1]), 1.0),
                 lambda: ember.tensor([1.0]) << 1):
        with pytest.raises(NotImplementedError, match="not implemented for 'Float'"):
            call()
    assert (ember.tensor([1, 3]) & True).dtype is ember.int64
    assert (ember.tensor([True]) & 1).dtype is ember.int64


def test_maximum_minimum_nan_and_tensor_only():
    a = ember.tensor([1.0, float("nan"), 3.0])
    b = ember.tensor([2.0, 0.0, float("nan")])
    np.testing.assert_array_equal(ember.maximum(a, b).numpy(), [2.0, math.nan, math.nan])
    np.testing.assert_array_equal(ember.minimum(a, b).numpy(), [1.0, math.nan, math.nan])
    with pytest.raises(TypeError, match=r"maximum\(\): argument 'other' \(position 2\) must be Tensor, not int"):
        ember.maximum(a, 1)


def test_add_sub_alpha():
    i = ember.tensor([1, 2])
    close(ember.add(i, ember.tensor([10, 20]), alpha=2), [21, 42], "int64")
    close(ember.add(i, 1, alpha=3), [4, 5], "int64")
    close(ember.sub(ember.tensor([1.0, 2.0]), 1, alpha=2), [-1.0, 0.0], "float32")
    close(ember.add(ember.ones(2, dtype=ember.float16), ember.tensor([3, 5]), alpha=2.5), [8.5, 13.5], "float16")
    b = ember.tensor([True, False])
    close(ember.add(b, b, alpha=2), [True, False], "bool")
    with pytest.raises(RuntimeError) as err:
        ember.add(i, 1, alpha=2.5)
    assert str(err.value) == "For integral input tensors, argument alpha must not be a floating point number."
    with pytest.raises(RuntimeError) as err:
        ember.add(i, i, alpha=True)
    assert str(err.value) == "Boolean alpha only supported for Boolean results."
    t = ember.tensor([1.0, 2.0])
    t.add_(ember.tensor([1.0, 1.0]), alpha=-2)
    np.testing.assert_array_equal(t.numpy(), [-1.0, 0.0])
    t.sub_(1, alpha=0.5)
    np.testing.assert_array_equal(t.numpy(), [-1.5, -0.5])


@settings(max_examples=80, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4),
       name=st.sampled_from(["add", "sub", "mul", "div", "maximum", "minimum", "lt", "eq", "logical_xor",
                             "remainder", "atan2"]),
       dtype=st.sampled_from(["float32", "float64", "int32", "int64"]), data=st.data())
def test_binary_broadcasting_matches_numpy(shapes, name, dtype, data):
    a = data.draw(hnp.arrays(dtype, shapes.input_shapes[0], elements=st.integers(-20, 20)))
    b = data.draw(hnp.arrays(dtype, shapes.input_shapes[1], elements=st.integers(1, 20)))
    ref = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide, "maximum": np.maximum,
           "minimum": np.minimum, "lt": np.less, "eq": np.equal, "logical_xor": np.logical_xor,
           "remainder": np.remainder, "atan2": np.arctan2}[name]
    out = getattr(ember, name)(ember.from_numpy(a), ember.from_numpy(b))
    assert tuple(out.shape) == shapes.result_shape
    kind = {"div": "float", "atan2": "float", "lt": "bool", "eq": "bool", "logical_xor": "bool"}.get(name, "same")
    result = {"same": dtype, "float": float_of(dtype), "bool": "bool"}[kind]
    close(out, ref(a.astype(np.float64), b.astype(np.float64)) if result in FLOATS else ref(a, b), result)


def test_broadcast_mismatch_is_an_error():
    with pytest.raises((RuntimeError, ValueError)):
        ember.ones(2, 3) + ember.ones(4)


# ---------------------------------------------------------------------------- in place

def test_inplace_operators_write_into_shared_memory():
    arr = np.array([1, 2, 3], dtype=np.int64)
    t = ember.from_numpy(arr)
    t += 1
    t *= 3
    t -= ember.tensor([1, 1, 1])
    t //= 2
    t %= 5
    t **= 2
    t &= 7
    t |= 8
    t ^= 1
    t <<= 1
    t >>= 1
    expected = np.array([1, 2, 3])
    for step in (lambda v: v + 1, lambda v: v * 3, lambda v: v - 1, lambda v: v // 2, lambda v: v % 5,
                 lambda v: v ** 2, lambda v: v & 7, lambda v: v | 8, lambda v: v ^ 1, lambda v: v << 1,
                 lambda v: v >> 1):
        expected = step(expected)
    np.testing.assert_array_equal(arr, expected)
    assert t._version == 11


def test_inplace_unary_methods():
    arr = np.array([0.25, 4.0], dtype=np.float32)
    t = ember.from_numpy(arr)
    assert t.sqrt_() is t
    np.testing.assert_array_equal(arr, [0.5, 2.0])
    t.neg_().exp_()
    np.testing.assert_allclose(arr, np.exp([-0.5, -2.0]), rtol=1e-6)
    i = ember.tensor([-3, 2])
    i.abs_()
    np.testing.assert_array_equal(i.numpy(), [3, 2])
    i.floor_()
    assert i.dtype is ember.int64


@pytest.mark.parametrize("call, message", [
    (lambda i: i.exp_(), "result type Float can't be cast to the desired output type Long"),
    (lambda i: i.sqrt_(), "result type Float can't be cast to the desired output type Long"),
    (lambda i: i.clamp_(0.5), "result type Float can't be cast to the desired output type Long"),
    (lambda i: i.div_(2), "result type Float can't be cast to the desired output type Long"),
    (lambda i: i.add_(ember.ones(2, 3, dtype=ember.int64)),
     "output with shape [3] doesn't match the broadcast shape [2, 3]"),
    (lambda i: i.lt_(ember.ones(2, 3)), "output with shape [3] doesn't match the broadcast shape [2, 3]"),
])
def test_inplace_refusals(call, message):
    with pytest.raises(RuntimeError) as err:
        call(ember.tensor([1, 2, 3]))
    assert str(err.value) == message


def test_inplace_integer_wraps_like_pytorch():
    u = ember.tensor([1, 2], dtype=ember.uint8)
    u.add_(-1)
    np.testing.assert_array_equal(u.numpy(), [0, 1])
    u.sub_(ember.tensor([1], dtype=ember.int8))  # int16 arithmetic, written back as uint8
    np.testing.assert_array_equal(u.numpy(), [255, 0])
    assert u.dtype is ember.uint8


def test_inplace_comparison_and_logic_write_in_own_dtype():
    f = ember.tensor([1.0, 2.0, 3.0])
    f.lt_(2.5)
    close(f, [1.0, 1.0, 0.0], "float32")
    f.logical_and_(ember.tensor([True, False, True]))
    close(f, [1.0, 0.0, 0.0], "float32")
    i = ember.tensor([1, 0])
    i.logical_not_()
    close(i, [0, 1], "int64")


def test_div_inplace_rounding_modes_keep_integers():
    i = ember.tensor([-7, 7])
    i.div_(2, rounding_mode="floor")
    np.testing.assert_array_equal(i.numpy(), [-4, 3])
    i.div_(-3, rounding_mode="trunc")
    np.testing.assert_array_equal(i.numpy(), [1, -1])


# ----------------------------------------------------------------------------- out=

def test_out_writes_and_resizes():
    o = ember.empty(2)
    r = ember.add(ember.tensor([1.0, 2.0]), 1, out=o)
    assert r is o
    np.testing.assert_array_equal(o.numpy(), [2.0, 3.0])
    o3 = ember.empty(3)
    with pytest.warns(UserWarning, match="An output with one or more elements was resized"):
        ember.mul(ember.ones(2, 2), 2, out=o3)
    assert o3.shape == (2, 2)
    np.testing.assert_array_equal(o3.numpy(), [[2, 2], [2, 2]])
    empty = ember.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.exp(ember.zeros(2), out=empty)
    np.testing.assert_array_equal(empty.numpy(), [1, 1])
    o_float = ember.empty(2)
    ember.add(ember.tensor([1, 2]), 1, out=o_float)
    close(o_float, [2.0, 3.0], "float32")
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        ember.add(ember.tensor([1.0]), 1, out=ember.empty(1, dtype=ember.long))


# -------------------------------------------------------------- clamp, where, lerp, ...

def test_clamp():
    x = ember.tensor([-2.0, 0.5, 3.0, float("nan")])
    np.testing.assert_array_equal(ember.clamp(x, -1, 1).numpy(), [-1, 0.5, 1, math.nan])
    np.testing.assert_array_equal(ember.clamp(x, min=0).numpy(), [0, 0.5, 3, math.nan])
    np.testing.assert_array_equal(x.clip(max=0).numpy(), [-2, 0, 0, math.nan])
    np.testing.assert_array_equal(ember.clamp(x, 1, 0).numpy(), [0, 0, 0, math.nan])  # min > max gives max
    assert np.isnan(ember.clamp(x, min=float("nan")).numpy()).all()
    i = ember.tensor([-3, 2, 0])
    close(ember.clamp(i, 0.5), [0.5, 2.0, 0.5], "float32")                   # promotes with the bound
    close(ember.clamp(i, min=1, max=0), [0, 0, 0], "int64")
    close(ember.clamp(ember.tensor([1, 2], dtype=ember.uint8), -1), [255, 255], "uint8")  # bound wraps
    close(ember.clamp(ember.tensor([True, False]), 0, 1), [1, 0], "int64")
    lo, hi = ember.tensor([0.0, 1.0, 0.0, 0.0]), ember.tensor([[-1.0], [5.0]])
    close(ember.clamp(x, lo, hi), [[-1, -1, -1, math.nan], [0, 1, 3, math.nan]], "float32")
    close(ember.clamp(i, ember.tensor(0.5)), [0.5, 2.0, 0.5], "float32")
    close(ember.clamp_min(i, 0), [0, 2, 0], "int64")
    close(ember.clamp_max(i, 0), [-3, 0, 0], "int64")
    t = ember.tensor([5.0, -5.0])
    assert t.clamp_(-1, 1) is t
    close(t, [1.0, -1.0], "float32")
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        ember.clamp(x)


def test_where():
    cond = ember.tensor([[True, False, True]])
    close(ember.where(cond, 1, 0), [[1, 0, 1]], "int64")
    close(ember.where(cond, 1.0, 0), [[1.0, 0.0, 1.0]], "float32")
    a = ember.tensor([[1, 2, 3], [4, 5, 6]], dtype=ember.int8)
    close(ember.where(cond, a, ember.tensor([0.5])), [[1, 0.5, 3], [4, 0.5, 6]], "float32")
    close(ember.where(cond, a, -1), [[1, -1, 3], [4, -1, 6]], "int8")
    close(a.where(cond, 0), [[1, 0, 3], [4, 0, 6]], "int8")
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8 without overflow"):
        ember.where(cond, a, 300)
    with pytest.raises(RuntimeError) as err:
        ember.where(ember.tensor([1, 0]), 1, 0)
    assert str(err.value) == "where expected condition to be a boolean tensor, but got a tensor with dtype Long"
    with pytest.warns(UserWarning, match="uint8 condition tensor"):
        close(ember.where(ember.tensor([1, 0], dtype=ember.uint8), 1, 0), [1, 0], "int64")


def test_nan_to_num():
    x = ember.tensor([float("nan"), float("inf"), -float("inf"), 1.5])
    fmax = np.finfo(np.float32).max
    close(ember.nan_to_num(x), [0.0, fmax, -fmax, 1.5], "float32")
    close(x.nan_to_num(nan=1.0, posinf=2.0, neginf=-2.0), [1.0, 2.0, -2.0, 1.5], "float32")
    h = ember.nan_to_num(x.half())
    np.testing.assert_array_equal(h.numpy(), np.array([0, 65504, -65504, 1.5], dtype=np.float16))
    close(ember.nan_to_num(ember.tensor([1, 2])), [1, 2], "int64")
    x.nan_to_num_()
    close(x, [0.0, fmax, -fmax, 1.5], "float32")


def test_lerp():
    start, end = ember.tensor([0.0, 1.0, -2.0]), ember.tensor([10.0, 1.0, 2.0])
    close(ember.lerp(start, end, 0.25), [2.5, 1.0, -1.0], "float32")
    close(ember.lerp(start, end, 1.0), [10.0, 1.0, 2.0], "float32")   # exact at the end point
    close(start.lerp(end, ember.tensor([0.0, 0.5, 0.75])), [0.0, 1.0, 1.0], "float32")
    close(ember.lerp(ember.tensor(1.0), ember.tensor([1.0, 2.0]), 2), [1.0, 3.0], "float32")
    close(ember.lerp(start, end, ember.tensor(0.5, dtype=ember.float64)), [5.0, 1.0, 0.0], "float32")
    with pytest.raises(RuntimeError) as err:
        ember.lerp(start, end.double(), 0.5)
    assert str(err.value) == "expected dtype Float for `end` but got dtype Double"
    with pytest.raises(RuntimeError) as err:
        ember.lerp(start, end, ember.tensor([0.5]).double())
    assert str(err.value) == "expected dtype Float for `weight` but got dtype Double"
    with pytest.raises(NotImplementedError, match="\"lerp\" not implemented for 'Long' on cpu"):
        ember.lerp(ember.tensor([1]), ember.tensor([2]), 0.5)
    start.lerp_(end, 0.5)
    close(start, [5.0, 1.0, 0.0], "float32")


def test_zero_dim_and_empty_inputs():
    s = ember.tensor(2.0)
    assert ember.exp(s).shape == () and ember.add(s, s).shape == ()
    e = ember.zeros(0, 3)
    assert ember.sin(e).shape == (0, 3) and (e + ember.ones(3)).shape == (0, 3)
    assert ember.where(e > 0, e, 1.0).shape == (0, 3)
    assert ember.clamp(e, 0, 1).shape == (0, 3)


def test_tensor_scalar_ops_keep_pickle_and_names():
    assert ember.abs is ember.absolute and ember.clip is ember.clamp and ember.greater is ember.gt
    t = pickle.loads(pickle.dumps(ember.exp(ember.tensor([0.0]))))
    np.testing.assert_array_equal(t.numpy(), [1.0])


# ------------------------------------------------------------------------ composites

def test_addcmul_addcdiv():
    x, a, b = ember.tensor([1.0, 2.0]), ember.tensor([3.0, 4.0]), ember.tensor([2.0, 8.0])
    close(ember.addcmul(x, a, b, value=0.5), [1 + 3.0, 2 + 16.0], "float32")
    close(ember.addcdiv(x, a, b, value=2), [1 + 3.0, 2 + 1.0], "float32")
    i = ember.tensor([1, -2])
    close(ember.addcmul(i, i, i, value=0.5), [1, -2], "int64")  # an integer result truncates value
    close(ember.addcdiv(i, ember.tensor([1.0, 1.0]), i), [2.0, -2.5], "float32")
    with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported"):
        ember.addcdiv(x, i, i)
    with pytest.raises(NotImplementedError, match="\"addcmul\" not implemented for 'Bool' on cpu"):
        ember.addcmul(ember.tensor([True]), ember.tensor([True]), ember.tensor([True]))
    assert x.addcmul_(a, b) is x
    close(x, [7.0, 34.0], "float32")


def test_frac_fmax_fmin_logaddexp():
    close(ember.frac(ember.tensor([-1.5, 2.25, math.inf])), [-0.5, 0.25, math.nan], "float32")
    with pytest.raises(NotImplementedError, match="\"frac\" not implemented for 'Long' on cpu"):
        ember.frac(ember.tensor([1]))
    a, b = ember.tensor([1.0, math.nan, math.nan, -1.0]), ember.tensor([0.0, 2.0, math.nan, 3.0])
    close(ember.fmax(a, b), [1.0, 2.0, math.nan, 3.0], "float32")
    close(ember.fmin(a, b), [0.0, 2.0, math.nan, -1.0], "float32")
    close(ember.fmax(ember.tensor([1, 5]), ember.tensor([3.0, 2.0])), [3.0, 5.0], "float32")
    x, y = np.array([0.0, 1000.0, -1000.0, math.inf, -math.inf]), np.array([0.0, 1000.0, -999.0, math.inf, -math.inf])
    close(ember.logaddexp(ember.from_numpy(x), ember.from_numpy(y)), np.logaddexp(x, y), "float64")
    with pytest.raises(NotImplementedError, match="\"logaddexp\" not implemented for 'Long' on cpu"):
        ember.logaddexp(ember.tensor([1]), ember.tensor([1]))


def test_xlogy_float_power_angles():
    close(ember.xlogy(ember.tensor([0.0, 0.0, 2.0, 1.0]), ember.tensor([0.0, math.nan, math.e, 0.0])),
          [0.0, math.nan, 2.0, -math.inf], "float32")
    close(ember.xlogy(ember.tensor([1, 0]), 2), [math.log(2), 0.0], "float32")
    close(ember.xlogy(3, ember.tensor([1.0, math.e])), [0.0, 3.0], "float32")
    close(ember.float_power(ember.tensor([2, 4]), -1), [0.5, 0.25], "float64")
    close(ember.float_power(2, ember.tensor([0.5])), [math.sqrt(2)], "float64")
    with pytest.raises(RuntimeError, match="float_power_ has dtype Float but the operation's result requires"):
        ember.tensor([1.0]).float_power_(2)
    close(ember.deg2rad(ember.tensor([180, -90])), [math.pi, -math.pi / 2], "float32")
    close(ember.rad2deg(ember.tensor([math.pi], dtype=ember.float64)), [180.0], "float64")


def test_isposinf_isneginf_positive_sgn():
    x = ember.tensor([math.inf, -math.inf, math.nan, 1.0])
    close(ember.isposinf(x), [True, False, False, False], "bool")
    close(x.isneginf(), [False, True, False, False], "bool")
    close(ember.isposinf(ember.tensor([1, 2])), [False, False], "bool")
    assert ember.positive(x) is x and +x is x
    with pytest.raises(RuntimeError, match="The `\\+` operator, on a bool tensor is not supported."):
        +ember.tensor([True])
    close(ember.sgn(ember.tensor([-2.0, 0.0, 3.0])), [-1.0, 0.0, 1.0], "float32")


def test_broadcast_errors_name_the_clashing_dimension():
    with pytest.raises(RuntimeError) as err:
        ember.add(ember.ones(2, 3), ember.ones(4))
    assert str(err.value) == "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"
    with pytest.raises(RuntimeError, match="tensor a \\(2\\) must match the size of tensor b \\(4\\) at non-singleton "
                                           "dimension 0"):
        ember.ones(2, 1, 3).mul(ember.ones(4, 2, 1))


def _zero_dim_calls():
    s, t = ember.tensor(0.75), ember.tensor(-2.5)
    calls = {name: (lambda n=name: getattr(ember, n)(s)) for name, *_ in UNARY if name not in ("bitwise_not",)}
    calls.update({name: (lambda n=name: getattr(ember, n)(s, t)) for name, *_ in BINARY})
    calls.update({
        "floor_divide": lambda: ember.floor_divide(s, t), "remainder": lambda: ember.remainder(s, t),
        "fmod": lambda: ember.fmod(s, t), "pow": lambda: ember.pow(s, t),
        "trunc_div": lambda: ember.div(s, t, rounding_mode="trunc"), "clamp": lambda: ember.clamp(s, 0, 0.5),
        "clamp_t": lambda: ember.clamp(s, t, s), "where": lambda: ember.where(s > 0, s, t),
        "nan_to_num": lambda: ember.nan_to_num(s), "lerp": lambda: ember.lerp(s, t, 0.25),
        "lerp_t": lambda: ember.lerp(s, t, s), "round_decimals": lambda: ember.round(s, decimals=1),
        "addcmul": lambda: ember.addcmul(s, s, t), "addcdiv": lambda: ember.addcdiv(s, s, t),
        "frac": lambda: ember.frac(t), "fmax": lambda: ember.fmax(s, t), "logaddexp": lambda: ember.logaddexp(s, t),
        "xlogy": lambda: ember.xlogy(s, s), "float_power": lambda: ember.float_power(s, t),
        "deg2rad": lambda: ember.deg2rad(s), "isposinf": lambda: ember.isposinf(s),
        "softmax": lambda: ember.softmax(s, 0),
    })
    return calls


@pytest.mark.parametrize("name", sorted(_zero_dim_calls()))
def test_zero_dim_operands_give_zero_dim_results(name):
    out = _zero_dim_calls()[name]()
    assert isinstance(out, ember.Tensor) and out.shape == () and isinstance(out.numpy(), np.ndarray)
    assert out.numpy().shape == ()


def test_the_generated_methods_forward_to_their_ops():
    x, y = ember.tensor([1.5, -2.0]), ember.tensor([0.5, 3.0])
    assert x.add(y, alpha=2).tolist() == [2.5, 4.0] and x.sub(y).tolist() == [1.0, -5.0]
    assert x.clamp(-1, 1).tolist() == [1.0, -1.0] and x.where(x > 0, y).tolist() == [1.5, 3.0]
    assert (7 // ember.tensor([2])).tolist() == [3] and (7 % ember.tensor([4])).tolist() == [3]
    assert (6 & ember.tensor([3])).tolist() == [2] and (1 << ember.tensor([3])).tolist() == [8]
    assert ember.Tensor.add.__name__ == "add" and ember.Tensor.add.__doc__ == ember.add.__doc__
    assert ember.Tensor.exp_.__doc__ == "``exp`` in place." and ember.Tensor.clip is ember.Tensor.clamp
    z = ember.tensor([0.25])
    assert z.lerp_(ember.tensor([1.25]), 0.5) is z and z.tolist() == [0.75]


@pytest.mark.parametrize("call", [lambda x: x.add(x, out=x), lambda x: x.exp(out=x), lambda x: x.round(out=x),
                                  lambda x: x.eq(x, out=x)])
def test_methods_have_no_out_argument(call):
    with pytest.raises(TypeError, match="got an unexpected keyword argument 'out'"):
        call(ember.ones(2))

