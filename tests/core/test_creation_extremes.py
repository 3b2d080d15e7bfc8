"""Creation and scalar operands with extreme values: PyTorch refuses what does not fit where
NumPy would wrap around silently (``tensor([300], dtype=int8)`` is not 44)."""

import math

import numpy as np
import pytest

import ember

INT8_OVERFLOW = "value cannot be converted to type int8 without overflow"


@pytest.mark.parametrize("data", [[2 ** 63], [-2 ** 63 - 1], 2 ** 64, [2 ** 63, -1], [[2 ** 63], [1]], [2 ** 100]])
def test_tensor_refuses_integers_beyond_int64(data):
    with pytest.raises(ValueError, match=r"Overflow when converting the integer -?\d+ to a tensor: integers must fit "
                                         r"in int64"):
        ember.tensor(data)


def test_tensor_takes_wide_integers_as_floats_when_asked_or_mixed_with_floats():
    assert ember.tensor([2 ** 63, 1.5]).tolist() == [float(2 ** 63), 1.5]
    assert ember.tensor([2 ** 64], dtype=ember.float64).tolist() == [float(2 ** 64)]
    assert ember.tensor([2 ** 63 - 1, -2 ** 63]).tolist() == [2 ** 63 - 1, -2 ** 63]   # the int64 limits fit
    with pytest.raises(ValueError, match="Overflow"):
        ember.tensor([2 ** 63], dtype=ember.uint8)


@pytest.mark.parametrize(("data", "dtype", "name"), [
    ([300], ember.int8, "int8"), ([True, 300], ember.int8, "int8"), ([256], ember.uint8, "uint8"),
    ([-300], ember.uint8, "uint8"), ([-1.5], ember.uint8, "uint8"), ([2 ** 40], ember.int32, "int32"),
    ([3e9], ember.int32, "int32"), ([float("inf")], ember.int32, "int32"), ([float("nan")], ember.int64, "int64"),
    (1e40, ember.int64, "int64"), ([[1, 2], [3, 40000]], ember.int16, "int16"),
])
def test_tensor_refuses_values_the_integer_dtype_cannot_hold(data, dtype, name):
    with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {name} without overflow$"):
        ember.tensor(data, dtype=dtype)
    with pytest.raises(RuntimeError, match=f"type {name} without overflow"):
        ember.as_tensor(data, dtype=dtype)


def test_tensor_keeps_what_pytorch_keeps():
    assert ember.tensor([-1], dtype=ember.uint8).tolist() == [255]       # negative ints wrap, as in C
    assert ember.tensor([127, -128], dtype=ember.int8).tolist() == [127, -128]
    assert ember.tensor([1e40], dtype=ember.float32).tolist() == [math.inf]   # floats overflow to inf
    assert ember.tensor([70000.0], dtype=ember.float16).tolist() == [math.inf]
    assert ember.tensor([2], dtype=ember.bool).tolist() == [True]
    assert ember.tensor(np.array([300]), dtype=ember.int8).tolist() == [44]   # arrays are cast, as PyTorch does


@pytest.mark.parametrize(("make", "message"), [
    (lambda: ember.full((2,), 300, dtype=ember.int8), "int8"),
    (lambda: ember.full((2,), 2 ** 63), "int64"),
    (lambda: ember.full((2,), 1e40, dtype=ember.float32), "float32"),
    (lambda: ember.full((2,), float("inf"), dtype=ember.int64), "int64"),
    (lambda: ember.zeros(2, dtype=ember.int8).fill_(300), "int8"),
    (lambda: ember.zeros(2, dtype=ember.int64).fill_(2 ** 63), "int64"),
    (lambda: ember.zeros(2).fill_(1e40), "float32"),
    (lambda: ember.zeros(2, dtype=ember.int8).fill_(ember.tensor(300)), "int8"),
    (lambda: ember.full_like(ember.zeros(2, dtype=ember.uint8), 256), "uint8"),
    (lambda: ember.arange(2 ** 63, 2 ** 63 + 2), "int64"),
    (lambda: ember.linspace(0, 300, 3, dtype=ember.int8), "int8"),
    (lambda: ember.ones(2, dtype=ember.int8).clamp(max=300), "int8"),
    (lambda: ember.ones(2).clamp(max=1e40), "float32"),
])
def test_fills_refuse_values_that_overflow(make, message):
    with pytest.raises(RuntimeError, match=f"^value cannot be converted to type {message} without overflow$"):
        make()


def test_fills_keep_what_pytorch_keeps():
    assert ember.full((2,), -1, dtype=ember.uint8).tolist() == [255, 255]
    assert ember.zeros(1).fill_(float("inf")).tolist() == [math.inf]
    assert ember.arange(0, 300, 100, dtype=ember.int8).tolist() == [0, 100, -56]   # PyTorch wraps here too
    assert ember.ones(2).clamp(max=float("inf")).tolist() == [1.0, 1.0]


@pytest.mark.parametrize(("args", "message"), [
    ((0, float("inf")), r"unsupported range: 0 -> inf"),
    ((0, float("nan")), r"unsupported range: 0 -> nan"),
    ((float("-inf"), 0), r"unsupported range: -inf -> 0"),
    ((0, 1e30), r"arange\(\): the range 0 -> 1e\+30 with step 1 holds \d+ values, more than memory can address"),
    ((0, 1, 1e-300), r"holds \d+ values, more than memory can address"),
])
def test_arange_refuses_ranges_it_cannot_make(args, message):
    with pytest.raises(RuntimeError, match=message):
        ember.arange(*args)


def test_arange_with_an_infinite_step_is_empty_or_inconsistent():
    # as in PyTorch: the size is ceil(span / step), 0 for an infinite step
    assert ember.arange(0, 5, math.inf).shape == (0,)
    assert ember.arange(32768, -2147483649, -math.inf, dtype=ember.float64).shape == (0,)
    assert ember.arange(-2 ** 63, 65520.0, math.inf, dtype=ember.float16).dtype is ember.float16
    assert ember.arange(5, 5, -math.inf).shape == (0,)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):
        ember.arange(0, 5, -math.inf)
    with pytest.raises(RuntimeError, match="int64 without overflow"):   # integers cannot hold an infinite step
        ember.arange(0, 5, math.inf, dtype=ember.int32)
    with pytest.raises(RuntimeError, match="step must be a nonzero number, got nan"):
        ember.arange(0, 5, math.nan)


def test_arange_argument_errors_of_pytorchs_types():
    with pytest.raises(NotImplementedError, match="dtype=ember.bool"):
        ember.arange(0, 1, dtype=ember.bool)
    with pytest.raises(NotImplementedError, match="dtype=ember.bool"):   # before the bounds are looked at
        ember.arange(math.inf, 0, dtype=ember.bool)
    for args in [(-2 ** 63 - 1, 0), (0, 2 ** 64), (0, 5, -2 ** 63 - 1)]:   # beyond 64 bits, whatever the dtype
        with pytest.raises(OverflowError, match="does not fit in 64 bits"):
            ember.arange(*args, dtype=ember.float16)
    with pytest.raises(RuntimeError, match="holds more values than a size can count"):
        ember.arange(-129, 1e308, 0.5, dtype=ember.float64)
    with pytest.raises(RuntimeError, match="overflows int64 while its size is computed"):
        ember.arange(0, 2 ** 63 - 1, 2 ** 62)
    with pytest.raises(OverflowError, match="does not fit in 64 bits"):
        ember.full((2, 0), -2 ** 63 - 1, dtype=ember.int8)
    with pytest.raises(OverflowError, match="does not fit in 64 bits"):
        ember.full((0,), 2 ** 64, dtype=ember.float32)
    assert ember.full((1,), 2 ** 64 - 1, dtype=ember.float64).tolist() == [float(2 ** 64 - 1)]
    with pytest.raises(RuntimeError, match="type float32 without overflow"):   # float16 ranges are made in float32
        ember.arange(8, 255, 1e308, dtype=ember.float16)
    with pytest.raises(ValueError, match="step 0.5 is 0 once truncated"):
        ember.arange(0, 5, 0.5, dtype=ember.int64)
    with pytest.raises(RuntimeError, match="inconsistent with step sign"):   # the sign is checked first
        ember.arange(0, 5, -0.5, dtype=ember.int64)


def test_integer_arange_counts_like_pytorch():
    # int64 truncates the bounds and step first; the narrower integer dtypes count with the given floats
    assert ember.arange(0, 5, 1.5, dtype=ember.int64).tolist() == [0, 1, 2, 3, 4]
    assert ember.arange(0, 5, 1.5, dtype=ember.int32).tolist() == [0, 1, 2, 3]
    assert ember.arange(0.5, 5.7, 2, dtype=ember.int64).tolist() == [0, 2, 4]
    assert ember.arange(0, 2 ** 63 - 2 ** 62, 2 ** 62).tolist() == [0]
    assert ember.arange(-14, -12, 0.5, dtype=ember.int16).tolist() == [-14] * 4   # the step truncates to 0
    assert ember.arange(128, 32768, 2 ** 63 - 1).tolist() == []   # PyTorch's int64 size arithmetic wraps around
    assert ember.arange(-2 ** 63, 2 ** 63 - 1, 2 ** 62).tolist() == []


def test_tensor_reports_the_first_value_that_does_not_fit():
    # PyTorch converts in order: 255 overflows int8 before the integer beyond int64 is reached
    with pytest.raises(RuntimeError, match=INT8_OVERFLOW):
        ember.tensor([-93, 255, -2 ** 63 - 1], dtype=ember.int8)
    with pytest.raises(ValueError, match="Overflow when converting the integer"):
        ember.tensor([-93, 255, -2 ** 63 - 1], dtype=ember.uint8)   # both fit uint8 (-93 wraps)
    with pytest.raises(ValueError, match="Overflow when converting the integer"):
        ember.tensor([-2 ** 63 - 1, 255], dtype=ember.int8)
    with pytest.raises(ValueError, match="Overflow when converting the integer"):   # floats do not make it fit
        ember.tensor([300.0, 2 ** 63], dtype=ember.int64)
    assert ember.tensor([2 ** 64, 0], dtype=ember.bool).tolist() == [True, False]
    assert ember.tensor([2.5, 2.5, -128], dtype=ember.uint8).tolist() == [2, 2, 128]   # negative ints wrap
    with pytest.raises(RuntimeError, match="type uint8 without overflow"):   # negative floats do not
        ember.tensor([-1.5, -3], dtype=ember.uint8)


@pytest.mark.parametrize("make", [
    lambda: ember.zeros(2 ** 62, 2 ** 62), lambda: ember.empty(2 ** 31, 2 ** 31, 8), lambda: ember.ones(2 ** 61),
    lambda: ember.eye(2 ** 40), lambda: ember.full((2 ** 40, 2 ** 40), 1.0),
])
def test_sizes_beyond_memory_are_a_runtime_error(make):
    with pytest.raises(RuntimeError, match="more than memory can address"):
        make()


def test_python_int_operands_wrap_into_integer_tensors_as_in_pytorch():
    i8 = ember.ones(2, dtype=ember.int8)
    assert (i8 + 300).tolist() == [45, 45] and (i8 + 300).dtype is ember.int8
    assert (i8 * 300).tolist() == [44, 44]
    assert (ember.ones(2, dtype=ember.uint8) + -1).tolist() == [0, 0]
    assert (ember.ones(1, dtype=ember.int64) + 2 ** 63).tolist() == [-2 ** 63 + 1]
    y = ember.ones(2, dtype=ember.int8)
    y += 300
    assert y.tolist() == [45, 45] and y._version == 1
    assert (i8 == 300).tolist() == [False, False]


@pytest.mark.parametrize("op", [
    lambda t: t + 2 ** 64, lambda t: 2 ** 64 * t, lambda t: t < 2 ** 64, lambda t: t.mul_(2 ** 64),
    lambda t: t - (-2 ** 63 - 1), lambda t: t.add_(2 ** 70),
])
@pytest.mark.parametrize("dtype", [ember.float32, ember.int64])
def test_python_int_operands_wider_than_64_bits_are_an_overflow_error(op, dtype):
    with pytest.raises(OverflowError, match="is too big to use with a tensor: integer operands must fit in 64 bits"):
        op(ember.ones(2, dtype=dtype))
