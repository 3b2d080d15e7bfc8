"""The CPU executor runs CUDA C with GPU semantics: barriers, shared memory, warps, atomics."""

import threading
from pathlib import Path

import numpy as np
import pytest

from ember_cuda.executor import KernelError, load_module

CASES = Path(__file__).with_name("executor_cases.cu")


@pytest.fixture(scope="module")
def mod():
    return load_module(CASES)


def test_tree_reduction_uses_shared_memory_and_barriers(mod):
    rng = np.random.default_rng(0)
    x = rng.random(3000).astype(np.float32)
    out = np.zeros(3, np.float32)
    mod.get_function("tree_sum")(x, out, np.int64(3000), block=(1024, 1, 1), grid=(3, 1, 1))
    np.testing.assert_allclose(out, [x[:1024].sum(), x[1024:2048].sum(), x[2048:].sum()], rtol=1e-5)


def test_tiled_transpose_with_2d_blocks(mod):
    x = np.arange(21 * 13, dtype=np.float64).reshape(21, 13)
    out = np.zeros((13, 21))
    mod.get_function("transpose")(x, out, np.int32(21), np.int32(13), block=(8, 8, 1), grid=(2, 3, 1))
    np.testing.assert_array_equal(out, x.T)


def _model(op, width, arg, n=64):
    v = np.arange(n) * 10 + 1
    res = []
    for t in range(n):
        lane, base = t % 32, t - t % 32
        seg = lane & ~(width - 1)
        if op == "idx":
            src = seg + (arg & (width - 1))
        elif op == "up":
            src = lane - arg if lane - seg >= arg else lane
        elif op == "down":
            src = lane + arg if lane - seg + arg < width else lane
        else:
            s = lane ^ arg
            src = s if seg <= s < seg + width else lane
        res.append(v[base + src])
    return np.array(res)


@pytest.mark.parametrize("width", [32, 16, 8])
def test_shuffles_follow_cuda_lane_rules(mod, width):
    out = np.zeros((6, 64), np.int32)
    mod.get_function("shuffles")(out, np.int32(5), np.int32(3), np.int32(width), block=(64, 1, 1), grid=(1, 1, 1))
    for row, op, arg in [(0, "idx", 5), (1, "up", 3), (2, "down", 3), (3, "xor", 3)]:
        np.testing.assert_array_equal(out[row], _model(op, width, arg), err_msg=f"{op} width={width}")
    np.testing.assert_array_equal(out[4], _model("down", 32, 1) * 2 + 1)  # doubles move whole
    np.testing.assert_array_equal(out[5], _model("xor", 32, 1))  # 64-bit ints move whole


def test_warp_reduction_across_warps(mod):
    x = np.random.default_rng(1).random(512).astype(np.float32)
    out = np.zeros(2, np.float32)
    mod.get_function("warp_reduce")(x, out, block=(256, 1, 1), grid=(2, 1, 1))
    np.testing.assert_allclose(out, [x[:256].sum(), x[256:].sum()], rtol=1e-5)


def test_votes_and_counting_barriers(mod):
    pred = (np.arange(64) % 3 == 0).astype(np.int32)
    pred[32:] = 1
    out = np.zeros((6, 64), np.uint32)
    mod.get_function("votes")(pred, out, block=(64, 1, 1), grid=(1, 1, 1))
    ballot0 = sum(1 << i for i in range(32) if pred[i])
    assert (out[0, :32] == ballot0).all() and (out[0, 32:] == 0xFFFFFFFF).all()
    assert (out[1] == 1).all()
    assert (out[2, :32] == 0).all() and (out[2, 32:] == 1).all()
    assert (out[3] == pred.sum()).all()
    assert (out[4] == 0).all() and (out[5] == 1).all()


def test_half_warp_masks_shuffle_independently(mod):
    out = np.zeros(32, np.int32)
    mod.get_function("split_masks")(out, block=(32, 1, 1), grid=(1, 1, 1))
    np.testing.assert_array_equal(out, [3] * 16 + [20] * 16)


def test_thread_and_block_identities_in_3d(mod):
    block, grid = (4, 3, 2), (2, 2, 3)
    nthreads = 24 * 12
    out = np.full(4 * nthreads, -1, np.int32)
    dims = np.zeros(6, np.uint32)
    mod.get_function("identities")(out, dims, block=block, grid=grid)
    out = out.reshape(-1, 4)
    expect = [(x, y, z, b) for b in range(12) for z in range(2) for y in range(3) for x in range(4)]
    np.testing.assert_array_equal(out, np.array(expect))
    np.testing.assert_array_equal(dims, [*block, *grid])


def test_atomics_from_many_blocks(mod):
    rng = np.random.default_rng(2)
    bins = rng.integers(0, 10, 5000).astype(np.int32)
    hist = np.zeros(10, np.int32)
    maxv, minv = np.array([-1000], np.int32), np.array([1000], np.int32)
    fsum, dsum = np.zeros(1, np.float32), np.zeros(1, np.float64)
    usum, counter, fmax = np.zeros(1, np.uint64), np.zeros(1, np.uint32), np.array([-1.0], np.float32)
    mod.get_function("atomics")(
        bins, np.int64(5000), hist, maxv, minv, fsum, dsum, usum, counter, fmax, block=(128, 1, 1), grid=(7, 1, 1)
    )
    np.testing.assert_array_equal(hist, np.bincount(bins, minlength=10))
    assert maxv[0] == bins.max() * 3 - 7 and minv[0] == bins.min() * 3 - 7
    assert fsum[0] == 2500.0 and dsum[0] == 1250.0 and usum[0] == 15000 and counter[0] == 5000
    assert fmax[0] == bins.max() * 1.5


def test_dynamic_shared_memory_of_two_types_in_one_module(mod):
    x = np.arange(40, dtype=np.float32)
    out = np.zeros(40, np.float32)
    mod.get_function("dyn_reverse_float")(x, out, block=(40, 1, 1), grid=(1, 1, 1), shared=40 * 4)
    np.testing.assert_array_equal(out, x[::-1])
    xd = np.arange(16, dtype=np.float64)
    outd = np.zeros(16)
    mod.get_function("dyn_pairs_double")(xd, outd, block=(16, 1, 1), grid=(1, 1, 1), shared=32 * 8)
    np.testing.assert_array_equal(outd, -9 * np.roll(xd, -1))


def test_barrier_reached_by_part_of_the_block_is_an_error(mod):
    with pytest.raises(KernelError, match=r"reached by 10 of the block's 32 threads; the other 22 had exited"):
        mod.get_function("early_return_barrier")(np.zeros(32, np.float32), block=(32, 1, 1), grid=(1, 1, 1))


def test_threads_at_different_barriers_is_an_error(mod):
    with pytest.raises(KernelError, match="divergent barriers"):
        mod.get_function("divergent_barriers")(np.zeros(32, np.float32), block=(32, 1, 1), grid=(1, 1, 1))


def test_shuffle_naming_an_exited_lane_is_an_error(mod):
    with pytest.raises(KernelError, match="lane 5 of warp 0 is named in mask 0xffffffff but has exited"):
        mod.get_function("shuffle_after_exit")(np.zeros(32, np.float32), block=(32, 1, 1), grid=(1, 1, 1))


def test_warp_op_against_block_barrier_is_a_deadlock(mod):
    with pytest.raises(KernelError, match=r"deadlock in block \(0,0,0\): thread 1 waits at __shfl_xor_sync"):
        mod.get_function("warp_vs_block")(np.zeros(64, np.float32), block=(64, 1, 1), grid=(1, 1, 1))


def test_trap_and_assert_stop_the_launch_and_the_executor_recovers(mod):
    out = np.zeros(4 * 8, np.int32)
    with pytest.raises(KernelError, match=r"__trap\(\) at line \d+ in thread \(3,0,0\) of block \(2,0,0\)"):
        mod.get_function("trap_in_block")(out, np.int32(2), block=(8, 1, 1), grid=(4, 1, 1))
    assert out[:16].all() and not out[24:].any()  # blocks run in order; the launch stopped in block 2
    with pytest.raises(KernelError, match=r"assertion `threadIdx.x < \(unsigned\)bound` failed"):
        mod.get_function("failing_assert")(np.zeros(8, np.int32), np.int32(4), block=(8, 1, 1), grid=(1, 1, 1))
    ok = np.zeros(8, np.int32)
    mod.get_function("failing_assert")(ok, np.int32(8), block=(8, 1, 1), grid=(1, 1, 1))
    assert ok.all()


def test_launch_limits_are_checked(mod):
    x, out = np.zeros(4096, np.float32), np.zeros(4, np.float32)
    f = mod.get_function("tree_sum")
    with pytest.raises(KernelError, match="invalid launch configuration"):
        f(x, out, np.int64(1), block=(2048, 1, 1), grid=(1, 1, 1))
    with pytest.raises(KernelError, match="dynamic shared memory"):
        f(x, out, np.int64(1), block=(32, 1, 1), grid=(1, 1, 1), shared=64 * 1024)
    with pytest.raises(ValueError, match="positive"):
        f(x, out, np.int64(1), block=(0, 1, 1), grid=(1, 1, 1))


def test_arguments_are_packed_by_numpy_type_and_checked_against_the_signature(mod):
    out = np.zeros(10, np.int64)
    p = np.array([0, 42], np.float32)
    args = [np.int8(-3), np.uint8(200), np.int16(-300), np.int32(-70000), np.int64(-(2**40)), np.uint32(4000000000)]
    mod.get_function("echo")(
        out, *args, np.float32(1.25), np.float64(2.125), np.bool_(True), p, block=(1, 1, 1), grid=(1, 1, 1)
    )
    np.testing.assert_array_equal(out, [-3, 200, -300, -70000, -(2**40), 4000000000, 5, 17, 1, 42])
    f = mod.get_function("tree_sum")
    with pytest.raises(TypeError, match="argument 2 is a 8-byte signed integer parameter; got a NumPy int32"):
        f(p, p, np.int32(3), block=(32, 1, 1))
    with pytest.raises(TypeError, match="pass a NumPy scalar"):
        f(p, p, 3, block=(32, 1, 1))
    with pytest.raises(TypeError, match="argument 0 is a pointer"):
        f(np.float32(1), p, np.int64(3), block=(32, 1, 1))
    with pytest.raises(TypeError, match="takes 3 arguments, got 2"):
        f(p, p, block=(32, 1, 1))
    with pytest.raises(LookupError, match="no kernel named 'nope'"):
        mod.get_function("nope")


def test_addresses_as_integers_reach_into_a_buffer(mod):
    x = np.arange(64, dtype=np.float32)
    out = np.zeros(1, np.float32)
    addr = np.uintp(x.ctypes.data + 32 * 4)  # pointer arithmetic, as a backend does for storage offsets
    mod.get_function("tree_sum")(addr, out, np.int64(32), block=(32, 1, 1), grid=(1, 1, 1))
    assert out[0] == x[32:].sum()


def test_prepared_call_matches_unprepared(mod):
    x = np.arange(100, dtype=np.float32)
    out = np.zeros(1, np.float32)
    f = mod.get_function("tree_sum").prepare("PPq")
    f.prepared_call((1, 1, 1), (128, 1, 1), x.ctypes.data, out.ctypes.data, 100)
    assert out[0] == x.sum()


def test_launches_from_two_python_threads(mod):
    rng = np.random.default_rng(3)
    xs = [rng.random(256 * 4).astype(np.float32) for _ in range(2)]
    outs = [np.zeros(4, np.float32) for _ in range(2)]
    f = mod.get_function("warp_reduce")

    def run(k):
        for _ in range(20):
            f(xs[k], outs[k], block=(256, 1, 1), grid=(4, 1, 1))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x, out in zip(xs, outs):
        np.testing.assert_allclose(out, x.reshape(4, 256).sum(1), rtol=1e-5)


def test_ucontext_fallback_gives_the_same_results(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_CUDA_CACHE", str(tmp_path))
    mod = load_module(CASES, {"EMBER_USE_UCONTEXT": None})
    x = np.random.default_rng(4).random(512).astype(np.float32)
    out = np.zeros(2, np.float32)
    mod.get_function("warp_reduce")(x, out, block=(256, 1, 1), grid=(2, 1, 1))
    np.testing.assert_allclose(out, x.reshape(2, 256).sum(1), rtol=1e-5)
    with pytest.raises(KernelError, match="reached by 10"):
        mod.get_function("early_return_barrier")(np.zeros(32, np.float32), block=(32, 1, 1), grid=(1, 1, 1))
