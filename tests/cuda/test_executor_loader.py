"""The executor's loader: compile once per source and flags, cache on disk, report errors."""

import numpy as np
import pytest

from ember_cuda.executor import CompileError, load_module

KERNEL = """
extern "C" __global__ void scale(float* x, float k, long long n) {
    long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= k * FACTOR;
}
"""


def test_libraries_are_cached_by_source_and_defines(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("EMBER_CUDA_CACHE", str(cache))
    src = tmp_path / "scale.cu"
    src.write_text(KERNEL)
    m2 = load_module(src, {"FACTOR": 2})
    m3 = load_module(src, {"FACTOR": 3})
    assert load_module(src, {"FACTOR": 2}) is m2
    assert len(list(cache.glob("scale-*.so"))) == 2
    x = np.ones(100, np.float32)
    m2.get_function("scale")(x, np.float32(1.5), np.int64(100), block=(64, 1, 1), grid=(2, 1, 1))
    m3.get_function("scale")(x, np.float32(1.0), np.int64(100), block=(64, 1, 1), grid=(2, 1, 1))
    np.testing.assert_array_equal(x, np.full(100, 9.0, np.float32))
    src.write_text(KERNEL.replace("*=", "+="))  # a changed source gets a new library
    load_module(src, {"FACTOR": 2})
    assert len(list(cache.glob("scale-*.so"))) == 3


def test_compile_errors_carry_the_compiler_message(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_CUDA_CACHE", str(tmp_path))
    src = tmp_path / "broken.cu"
    src.write_text('extern "C" __global__ void k(float* x) { x[0] = undeclared_name; }\n')
    with pytest.raises(CompileError, match="undeclared_name"):
        load_module(src)
    empty = tmp_path / "empty.cu"
    empty.write_text("static int helper() { return 1; }\n")
    with pytest.raises(CompileError, match="defines no __global__ function"):
        load_module(empty)


def test_kernels_made_by_macros_are_found(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_CUDA_CACHE", str(tmp_path))
    src = tmp_path / "macros.cu"
    src.write_text(
        '#define K(name, v) extern "C" __global__ void name(int* o) { o[threadIdx.x] = v; }\n'
        "K(one, 1)\nK(two, 2)\n#if 0\nK(hidden, 3)\n#endif\n"
    )
    m = load_module(src)
    assert m.kernel_names == ["one", "two"]
    o = np.zeros(4, np.int32)
    m.get_function("two")(o, block=(4, 1, 1))
    assert (o == 2).all()


def test_invalid_define_names_are_refused(tmp_path):
    src = tmp_path / "x.cu"
    src.write_text(KERNEL)
    with pytest.raises(ValueError, match="invalid macro name"):
        load_module(src, {"A B": 1})
