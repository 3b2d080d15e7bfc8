"""random.cu: Philox4x32-10 bit-exact, distributions, and independence from the launch geometry."""

import numpy as np
import pytest
from kernels_support import module

M0, M1, W0, W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85


def philox_reference(seed: int, counter: int) -> list[int]:
    c = [counter & 0xFFFFFFFF, counter >> 32, 0, 0]
    k = [seed & 0xFFFFFFFF, seed >> 32]
    for _ in range(10):
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k[0], p1 & 0xFFFFFFFF, (p0 >> 32) ^ c[3] ^ k[1], p0 & 0xFFFFFFFF]
        k = [(k[0] + W0) & 0xFFFFFFFF, (k[1] + W1) & 0xFFFFFFFF]
    return c


def call(fn, n, *args, threads=64, blocks=3):
    fn(np.int64(n), *args, block=(threads, 1, 1), grid=(blocks, 1, 1))


def test_philox_matches_the_published_known_answer_and_a_reference():
    out = np.zeros((5, 4), np.uint32)
    call(module("random", "float32").get_function("philox_raw"), 5, out, np.uint64(0), np.uint64(0))
    assert out[0].tolist() == [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]  # Random123's test vector
    seed, offset = 0x123456789ABCDEF0, 2**33 - 2
    call(module("random", "float32").get_function("philox_raw"), 5, out, np.uint64(seed), np.uint64(offset))
    assert out.tolist() == [philox_reference(seed, offset + i) for i in range(5)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_uniform_and_normal_distributions(dtype):
    n = 20000
    m = module("random", dtype)
    u = np.zeros(n, dtype)
    call(m.get_function("uniform"), n, u, np.uint64(7), np.uint64(0), np.float64(-2), np.float64(3))
    assert u.min() >= -2 and u.max() < 3
    assert abs(u.astype(np.float64).mean() - 0.5) < 0.05 and abs(u.astype(np.float64).std() - 5 / 12**0.5) < 0.05
    z = np.zeros(n, dtype)
    call(m.get_function("normal"), n, z, np.uint64(7), np.uint64(n), np.float64(1.5), np.float64(2.0))
    z64 = z.astype(np.float64)
    assert np.isfinite(z64).all()
    assert abs(z64.mean() - 1.5) < 0.06 and abs(z64.std() - 2.0) < 0.06
    assert abs(((z64 - 1.5) / 2 < 1).mean() - 0.8413) < 0.015  # the normal CDF at one sigma


def test_results_do_not_depend_on_launch_geometry_and_offsets_continue_a_stream():
    m = module("random", "float64")
    a, b = np.zeros(1000), np.zeros(1000)
    call(
        m.get_function("normal"),
        1000,
        a,
        np.uint64(42),
        np.uint64(5),
        np.float64(0),
        np.float64(1),
        threads=32,
        blocks=1,
    )
    call(
        m.get_function("normal"),
        1000,
        b,
        np.uint64(42),
        np.uint64(5),
        np.float64(0),
        np.float64(1),
        threads=256,
        blocks=7,
    )
    np.testing.assert_array_equal(a, b)
    tail = np.zeros(500)
    call(m.get_function("normal"), 500, tail, np.uint64(42), np.uint64(505), np.float64(0), np.float64(1))
    np.testing.assert_array_equal(tail, a[500:])
    other = np.zeros(1000)
    call(m.get_function("normal"), 1000, other, np.uint64(43), np.uint64(5), np.float64(0), np.float64(1))
    assert not np.isclose(other, a).any()


@pytest.mark.parametrize("dtype", ["bool", "int64", "float32", "uint8"])
def test_bernoulli_scalar(dtype):
    n = 20000
    out = np.zeros(n, dtype)
    call(module("random", dtype).get_function("bernoulli_scalar"), n, out, np.float64(0.3), np.uint64(1), np.uint64(0))
    assert set(np.unique(out.astype(np.int64)).tolist()) == {0, 1}
    assert abs(out.astype(np.float64).mean() - 0.3) < 0.02


def test_bernoulli_tensor_dropout_randint():
    n = 20000
    m = module("random", "float32")
    probs = np.repeat(np.array([0.0, 0.25, 1.0], np.float32), [n // 4, n // 2, n // 4])
    out = np.zeros(n, np.float32)
    call(m.get_function("bernoulli_tensor"), n, probs, out, np.uint64(3), np.uint64(0))
    assert out[: n // 4].sum() == 0 and out[-n // 4 :].all() and abs(out[n // 4 : -n // 4].mean() - 0.25) < 0.02
    x = np.ones(n, np.float32)
    y, mask = np.zeros(n, np.float32), np.zeros(n, np.bool_)
    call(m.get_function("dropout"), n, x, y, mask, np.float64(0.2), np.uint64(9), np.uint64(0))
    np.testing.assert_allclose(y, np.where(mask, 1.25, 0.0))
    assert abs(mask.mean() - 0.8) < 0.02
    r = np.zeros(n, np.int64)
    call(
        module("random", "int64").get_function("randint"), n, r, np.int64(-5), np.uint64(10), np.uint64(4), np.uint64(0)
    )
    assert r.min() == -5 and r.max() == 4
    assert np.all(np.abs(np.bincount(r + 5) / n - 0.1) < 0.015)
