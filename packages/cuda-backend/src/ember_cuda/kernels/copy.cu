// Copies between strided layouts, with a cast from EMBER_SRC_DTYPE to EMBER_DTYPE.
//
// Build with -DEMBER_DTYPE=<destination> -DEMBER_SRC_DTYPE=<source> (the source defaults to the
// destination). Casts follow C++/PyTorch: float to int truncates toward zero, anything to bool
// is "nonzero" (NaN is true), float16 rounds to nearest even.
#include "ember_cuda.cuh"

#ifndef EMBER_SRC_DTYPE
typedef scalar_t src_t;
#endif

// dst[...] = (scalar_t)src[...]; meta = [shape(ndim), dst strides(ndim), src strides(ndim)].
extern "C" __global__ void copy_strided(i64 n, const src_t* __restrict__ src, scalar_t* __restrict__ dst, int ndim,
                                        const i64* __restrict__ meta) {
    EMBER_FOR(i, n) {
        src_t v = src[ember_offset(i, ndim, meta, meta + 2 * ndim)];
        dst[ember_offset(i, ndim, meta, meta + ndim)] = cvt<scalar_t>(v);
    }
}

// Contiguous to contiguous, the common case of .to(dtype).
extern "C" __global__ void copy_contiguous(i64 n, const src_t* __restrict__ src, scalar_t* __restrict__ dst) {
    EMBER_FOR(i, n) { dst[i] = cvt<scalar_t>(src[i]); }
}
