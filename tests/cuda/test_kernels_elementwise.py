"""elementwise.cu against NumPy: every dtype, broadcasting, non-contiguous strides."""

import numpy as np
import pytest
from kernels_support import assert_close, launch, meta, module, random_array

from ember_cuda.kernels import ALL_DTYPES, FLOAT_DTYPES, INT_DTYPES

FLOAT_UNARY = {
    "neg": np.negative,
    "abs": np.abs,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "tanh": np.tanh,
    "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "erf": lambda v: np.vectorize(__import__("math").erf)(v),
    "round": np.rint,
    "floor": np.floor,
    "sign": np.sign,
    "relu": lambda v: np.maximum(v, 0),
    "silu": lambda v: v / (1 + np.exp(-v)),
    "softplus": lambda v: np.log1p(np.exp(v)),
    "expm1": np.expm1,
    "reciprocal": lambda v: 1 / v,
}
PREP = {"log": lambda v: np.abs(v) + 0.5, "sqrt": np.abs}


def run_unary(name, x, out_dtype=None):
    dtype = x.dtype
    out = np.zeros(x.shape, out_dtype or dtype)
    launch(
        module("elementwise", dtype).get_function(f"unary_{name}"),
        x.size,
        np.int64(x.size),
        x,
        out,
        np.int32(x.ndim),
        meta(x.shape, out, x),
    )
    return out


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("name", sorted(FLOAT_UNARY))
def test_float_unary_on_a_transposed_view(dtype, name):
    rng = np.random.default_rng(0)
    base = random_array((6, 5), dtype, rng)
    base = PREP.get(name, lambda v: v)(base).astype(dtype)
    x = base.T  # non-contiguous input
    expect = FLOAT_UNARY[name](x.astype(np.float64))
    assert_close(run_unary(name, x), expect.astype(dtype), dtype)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_unary(dtype):
    rng = np.random.default_rng(1)
    x = random_array((4, 7), dtype, rng)[:, ::2]
    for name, ref in [
        ("neg", np.negative),
        ("abs", np.abs),
        ("sign", np.sign),
        ("square", np.square),
        ("bitwise_not", np.invert),
    ]:
        if dtype == "uint8" and name in ("neg", "abs"):
            continue
        np.testing.assert_array_equal(run_unary(name, x), ref(x).astype(dtype), err_msg=name)


def test_predicates_write_bool():
    x = np.array([1.0, np.nan, np.inf, -np.inf, -0.0, 2.0], np.float32)
    assert run_unary("isnan", x, np.bool_).tolist() == [False, True, False, False, False, False]
    assert run_unary("isinf", x, np.bool_).tolist() == [False, False, True, True, False, False]
    assert run_unary("isfinite", x, np.bool_).tolist() == [True, False, False, False, True, True]
    assert run_unary("signbit", x, np.bool_).tolist() == [False, False, False, True, True, False]
    b = np.array([True, False])
    assert run_unary("logical_not", b, np.bool_).tolist() == [False, True]


def run_binary(name, a, b, out_shape, dtype, out_dtype=None, prefix="binary"):
    out = np.zeros(out_shape, out_dtype or dtype)
    n = out.size
    launch(
        module("elementwise", dtype).get_function(f"{prefix}_{name}"),
        n,
        np.int64(n),
        a,
        b,
        out,
        np.int32(len(out_shape)),
        meta(out_shape, out, a, b),
    )
    return out


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_binary_with_broadcasting_and_strides(dtype):
    rng = np.random.default_rng(2)
    a = random_array((3, 1, 5), dtype, rng)
    b = random_array((8, 4), dtype, rng)[::2, :].T[:, None, ::2]  # (4,1,4)->strided, broadcast over (3,4,5)?
    b = random_array((4, 10), dtype, rng)[:, ::2]  # shape (4, 5), non-contiguous
    shape = (3, 4, 5)
    refs = {"add": np.add, "mul": np.multiply, "maximum": np.maximum, "minimum": np.minimum}
    if dtype != "bool":
        refs["sub"] = np.subtract
    if dtype == "bool":
        refs = {"add": np.logical_or, "mul": np.logical_and, "maximum": np.maximum, "minimum": np.minimum}
    for name, ref in refs.items():
        got = run_binary(name, a, b, shape, dtype)
        expect = ref(a.astype(np.float64) if dtype in FLOAT_DTYPES else a, b).astype(dtype)
        assert_close(got, expect, dtype)
    for name, ref in {"lt": np.less, "eq": np.equal, "ge": np.greater_equal, "logical_xor": np.logical_xor}.items():
        got = run_binary(name, a, b, shape, dtype, np.bool_, prefix="compare")
        np.testing.assert_array_equal(got, ref(a, b), err_msg=name)


@pytest.mark.parametrize("dtype", ["int32", "int64", "int8"])
def test_integer_division_follows_python_and_never_traps(dtype):
    a = np.array([7, -7, 7, -7, 5, 0, 9], dtype)
    b = np.array([2, 2, -2, -2, 0, 3, -1], dtype)
    fd = run_binary("floor_divide", a, b, a.shape, dtype)
    rem = run_binary("remainder", a, b, a.shape, dtype)
    fm = run_binary("fmod", a, b, a.shape, dtype)
    nz = b != 0
    np.testing.assert_array_equal(fd[nz], (a[nz] // b[nz]))
    np.testing.assert_array_equal(rem[nz], np.remainder(a[nz], b[nz]))
    np.testing.assert_array_equal(fm[nz], np.fmod(a[nz], b[nz]))
    assert fd[4] == 0 and rem[4] == 0  # division by zero: no crash


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_float_floor_divide_remainder_pow(dtype):
    rng = np.random.default_rng(3)
    a = random_array((50,), dtype, rng)
    b = random_array((50,), dtype, rng)
    b[np.abs(b.astype(np.float64)) < 0.1] = 0.5
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    assert_close(run_binary("floor_divide", a, b, a.shape, dtype), np.floor_divide(a64, b64).astype(dtype), dtype)
    assert_close(run_binary("remainder", a, b, a.shape, dtype), np.remainder(a64, b64).astype(dtype), dtype)
    p = np.abs(a) + 0.1
    assert_close(run_binary("pow", p, b, a.shape, dtype), np.power(p.astype(np.float64), b64).astype(dtype), dtype)
    nan = np.array([np.nan, 1.0], dtype)
    assert np.isnan(run_binary("maximum", nan, nan[::-1], (2,), dtype)).all()  # NaN propagates


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64"])
def test_scalar_operand_variants(dtype):
    x = np.arange(12, dtype=dtype).reshape(3, 4)[:, 1:]
    out = np.zeros(x.shape, dtype)
    acc = np.float32 if dtype == "float16" else np.dtype(dtype).type
    f = module("elementwise", dtype).get_function("binary_mul_scalar")
    launch(f, x.size, np.int64(x.size), x, acc(3), out, np.int32(2), meta(x.shape, out, x))
    np.testing.assert_array_equal(out, (x * 3).astype(dtype))


def test_where_clamp_fill_addcmul_lerp():
    dtype = "float32"
    m = module("elementwise", dtype)
    rng = np.random.default_rng(4)
    cond = rng.random((3, 4)) < 0.5
    x = rng.random((3, 4)).astype(dtype)
    y = rng.random((4,)).astype(dtype)
    out = np.zeros((3, 4), dtype)
    launch(m.get_function("where"), 12, np.int64(12), cond, x, y, out, np.int32(2), meta((3, 4), out, cond, x, y))
    np.testing.assert_array_equal(out, np.where(cond, x, y))
    xs = np.array([-2, 0.5, 3, np.nan], dtype)
    o = np.zeros(4, dtype)
    launch(
        m.get_function("clamp_scalar"),
        4,
        np.int64(4),
        xs,
        np.float32(0),
        np.float32(1),
        o,
        np.int32(1),
        meta((4,), o, xs),
    )
    np.testing.assert_array_equal(o[:3], [0, 0.5, 1])
    assert np.isnan(o[3])
    f = np.zeros((2, 3), dtype)[:, ::2]
    launch(m.get_function("fill"), 4, np.int64(4), f, np.float32(7), np.int32(2), meta((2, 2), f))
    assert (f == 7).all()
    c = rng.random((3, 4)).astype(dtype)
    launch(
        m.get_function("addcmul"),
        12,
        np.int64(12),
        x,
        y,
        c,
        np.float32(0.5),
        out,
        np.int32(2),
        meta((3, 4), out, x, y, c),
    )
    np.testing.assert_allclose(out, x + 0.5 * y * c, rtol=1e-6)
    w = np.full((3, 4), 0.25, dtype)
    launch(m.get_function("lerp"), 12, np.int64(12), x, c, w, out, np.int32(2), meta((3, 4), out, x, c, w))
    np.testing.assert_allclose(out, x + 0.25 * (c - x), rtol=1e-6)


def test_unsigned_integer_ops():
    a = np.array([7, 200, 5, 255], np.uint8)
    b = np.array([2, 3, 0, 9], np.uint8)
    np.testing.assert_array_equal(run_binary("floor_divide", a, b, a.shape, "uint8"), [3, 66, 0, 28])
    np.testing.assert_array_equal(run_binary("remainder", a, b, a.shape, "uint8"), [1, 2, 0, 3])
    np.testing.assert_array_equal(
        run_binary("shift_right", a, np.array([1, 2, 9, 7], np.uint8), a.shape, "uint8"), [3, 50, 0, 1]
    )
    np.testing.assert_array_equal(
        run_binary("pow", np.array([3, 2, 0, 1], np.uint8), b, a.shape, "uint8"), np.array([9, 8, 1, 1], np.uint8)
    )
    np.testing.assert_array_equal(run_unary("abs", a), a)
    np.testing.assert_array_equal(run_unary("sign", np.array([0, 3], np.uint8)), [0, 1])
