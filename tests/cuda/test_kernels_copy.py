"""copy.cu: strided copies and casts between every pair of dtypes, against NumPy's astype."""

import numpy as np
import pytest
from kernels_support import launch, meta, module, random_array

from ember_cuda.kernels import ALL_DTYPES

# Every type to and from float32 and float16 (the compute types), plus integer narrowing and bool.
PAIRS = sorted(
    {(s, d) for s in ALL_DTYPES for d in ("float32", "float16") if s != d}
    | {(d, s) for s in ALL_DTYPES for d in ("float32", "float16") if s != d}
    | {("int64", "int8"), ("uint8", "int64"), ("bool", "int64"), ("int32", "bool"), ("float64", "int64")}
)


@pytest.mark.parametrize(("src", "dst"), PAIRS)
def test_cast_matches_numpy(src, dst):
    rng = np.random.default_rng(0)
    x = random_array((5, 6), src, rng, low=-100, high=100)
    if np.dtype(dst).kind == "u" or np.dtype(dst) == np.int8:
        x = np.abs(x) if src != "bool" else x  # out-of-range float->int casts are undefined in C and NumPy alike
        if np.dtype(src).kind == "f":
            x = np.minimum(x, np.array(100, x.dtype))
    out = np.zeros(x.size, dst)
    launch(module("copy", dst, src).get_function("copy_contiguous"), x.size, np.int64(x.size), x.ravel(), out)
    expect = x.ravel().astype(dst) if dst != "bool" else x.ravel() != 0
    np.testing.assert_array_equal(out, expect)


@pytest.mark.parametrize("dtype", ["float32", "float16", "int64", "bool"])
def test_strided_copy_transposes_and_broadcasts(dtype):
    rng = np.random.default_rng(1)
    x = random_array((4, 6), dtype, rng)[::2, ::-1].T  # negative and non-unit strides
    out = np.zeros(x.shape, dtype)
    launch(
        module("copy", dtype).get_function("copy_strided"),
        x.size,
        np.int64(x.size),
        x,
        out,
        np.int32(2),
        meta(x.shape, out, x),
    )
    np.testing.assert_array_equal(out, x)
    row = random_array((5,), dtype, rng)
    out = np.zeros((3, 5), dtype)
    launch(
        module("copy", dtype).get_function("copy_strided"),
        15,
        np.int64(15),
        row,
        out,
        np.int32(2),
        meta((3, 5), out, row),
    )
    np.testing.assert_array_equal(out, np.broadcast_to(row, (3, 5)))


def test_float16_rounding_and_specials():
    x = np.array([65504, 65520, 1e-8, 6e-8, -0.0, np.inf, np.nan, 1 / 3, 2049, 2051, 5.96e-8], np.float32)
    out = np.zeros(x.size, np.float16)
    with np.errstate(over="ignore"):
        expect = x.astype(np.float16)
    launch(module("copy", "float16", "float32").get_function("copy_contiguous"), x.size, np.int64(x.size), x, out)
    np.testing.assert_array_equal(out.view(np.uint16), expect.view(np.uint16))
    back = np.zeros(x.size, np.float32)
    launch(module("copy", "float32", "float16").get_function("copy_contiguous"), x.size, np.int64(x.size), out, back)
    np.testing.assert_array_equal(back, out.astype(np.float32))


def test_float16_conversion_is_exact_for_every_half_value():
    halves = np.arange(65536, dtype=np.uint16).view(np.float16)
    out = np.zeros(65536, np.float32)
    launch(
        module("copy", "float32", "float16").get_function("copy_contiguous"),
        65536,
        np.int64(65536),
        halves,
        out,
        threads=256,
        max_blocks=64,
    )
    np.testing.assert_array_equal(out.view(np.uint32), halves.astype(np.float32).view(np.uint32))
    back = np.zeros(65536, np.float16)
    launch(
        module("copy", "float16", "float32").get_function("copy_contiguous"),
        65536,
        np.int64(65536),
        out,
        back,
        threads=256,
        max_blocks=64,
    )
    finite = np.isfinite(halves) | np.isinf(halves)
    np.testing.assert_array_equal(back.view(np.uint16)[finite], halves.view(np.uint16)[finite])
    assert np.isnan(back[np.isnan(halves)]).all()
