// The one portability header of ember-cuda's kernels: element types, conversions, strided
// indexing and block reductions, identical under nvcc and under the CPU executor (g++).
//
// The element type comes from -DEMBER_DTYPE=<name>, one of float16 float32 float64 int8 uint8
// int16 int32 int64 bool (NumPy's names); copy.cu also reads -DEMBER_SRC_DTYPE. float16 is
// stored as __half and computed in float32.
#pragma once

#ifdef __CUDACC__
#include <cuda_fp16.h>
#include <stdint.h>
#endif

#define EMBER_CAT_(a, b) a##b
#define EMBER_CAT(a, b) EMBER_CAT_(a, b)

#define EMBER_CTYPE_float16 __half
#define EMBER_CTYPE_float32 float
#define EMBER_CTYPE_float64 double
#define EMBER_CTYPE_int8 signed char
#define EMBER_CTYPE_uint8 unsigned char
#define EMBER_CTYPE_int16 short
#define EMBER_CTYPE_int32 int
#define EMBER_CTYPE_int64 long long
#define EMBER_CTYPE_bool bool

// Arithmetic type: float16 is computed in float32, every other type in itself.
#define EMBER_ACC_float16 float
#define EMBER_ACC_float32 float
#define EMBER_ACC_float64 double
#define EMBER_ACC_int8 signed char
#define EMBER_ACC_uint8 unsigned char
#define EMBER_ACC_int16 short
#define EMBER_ACC_int32 int
#define EMBER_ACC_int64 long long
#define EMBER_ACC_bool bool

// Accumulation type of reductions and scans (shuffles need 4 or 8 bytes).
#define EMBER_RED_float16 float
#define EMBER_RED_float32 float
#define EMBER_RED_float64 double
#define EMBER_RED_int8 long long
#define EMBER_RED_uint8 long long
#define EMBER_RED_int16 long long
#define EMBER_RED_int32 long long
#define EMBER_RED_int64 long long
#define EMBER_RED_bool long long

// 1 bool, 2 integer, 3 floating point.
#define EMBER_KIND_float16 3
#define EMBER_KIND_float32 3
#define EMBER_KIND_float64 3
#define EMBER_KIND_int8 2
#define EMBER_KIND_uint8 2
#define EMBER_KIND_int16 2
#define EMBER_KIND_int32 2
#define EMBER_KIND_int64 2
#define EMBER_KIND_bool 1

#ifndef EMBER_DTYPE
#define EMBER_DTYPE float32
#endif

typedef EMBER_CAT(EMBER_CTYPE_, EMBER_DTYPE) scalar_t;
typedef EMBER_CAT(EMBER_ACC_, EMBER_DTYPE) acc_t;
typedef EMBER_CAT(EMBER_RED_, EMBER_DTYPE) red_t;
#define EMBER_KIND EMBER_CAT(EMBER_KIND_, EMBER_DTYPE)
#define EMBER_IS_FLOAT (EMBER_KIND == 3)
#define EMBER_IS_INT (EMBER_KIND == 2)
#define EMBER_IS_BOOL (EMBER_KIND == 1)

#ifdef EMBER_SRC_DTYPE
typedef EMBER_CAT(EMBER_CTYPE_, EMBER_SRC_DTYPE) src_t;
#endif

typedef long long i64;
#define EMBER_FULL_MASK 0xffffffffu
#define EMBER_MAX_DIMS 16

// ---------------------------------------------------------------- conversions
template <class To, class From>
struct EmberCvt {
    static __device__ __forceinline__ To run(From v) { return (To)v; }
};
template <class To>
struct EmberCvt<To, __half> {
    static __device__ __forceinline__ To run(__half v) { return (To)__half2float(v); }
};
template <class From>
struct EmberCvt<__half, From> {
    static __device__ __forceinline__ __half run(From v) { return __float2half_rn((float)v); }
};
template <>
struct EmberCvt<__half, __half> {
    static __device__ __forceinline__ __half run(__half v) { return v; }
};
template <>
struct EmberCvt<bool, __half> {
    static __device__ __forceinline__ bool run(__half v) { return __half2float(v) != 0.0f; }
};
template <>
struct EmberCvt<__half, bool> {
    static __device__ __forceinline__ __half run(bool v) { return __float2half_rn(v ? 1.0f : 0.0f); }
};

template <class To, class From>
__device__ __forceinline__ To cvt(From v) {
    return EmberCvt<To, From>::run(v);
}

// ---------------------------------------------------------------- indexing
// Grid-stride loop over [0, n): any grid size is correct; fewer blocks mean fewer fibers on the CPU.
#define EMBER_FOR(i, n) \
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)blockDim.x * gridDim.x)

// Element offset of linear index `i` of a tensor of `shape` (ndim dims) laid out with `strides`.
__device__ __forceinline__ i64 ember_offset(i64 i, int ndim, const i64* shape, const i64* strides) {
    i64 off = 0;
    for (int d = ndim - 1; d >= 0; --d) {
        i64 s = shape[d];
        i64 q = i / s;
        off += (i - q * s) * strides[d];
        i = q;
    }
    return off;
}

// ---------------------------------------------------------------- math on the arithmetic type
__device__ __forceinline__ bool ember_isnan(float x) { return x != x; }
__device__ __forceinline__ bool ember_isnan(double x) { return x != x; }
template <class T>
__device__ __forceinline__ bool ember_isnan(T) {
    return false;
}

// Sign tests that compile without "pointless comparison" warnings for unsigned and bool types.
template <class T>
__device__ __forceinline__ bool ember_negative(T v) {
    return v < T(0);
}
__device__ __forceinline__ bool ember_negative(unsigned char) { return false; }
__device__ __forceinline__ bool ember_negative(bool) { return false; }
template <class T>
__device__ __forceinline__ bool ember_minus_one(T v) {
    return v == T(-1);
}
__device__ __forceinline__ bool ember_minus_one(unsigned char) { return false; }

// max/min that propagate NaN, as PyTorch's reductions and maximum/minimum do.
template <class T>
__device__ __forceinline__ T ember_max(T a, T b) {
    return (ember_isnan(a) || a > b) ? a : (ember_isnan(b) ? b : (a == b ? a : b));
}
template <class T>
__device__ __forceinline__ T ember_min(T a, T b) {
    return (ember_isnan(a) || a < b) ? a : (ember_isnan(b) ? b : (a == b ? a : b));
}

template <class T>
__device__ __forceinline__ T ember_lowest();
template <>
__device__ __forceinline__ float ember_lowest<float>() {
    return -__int_as_float(0x7f800000);
}
template <>
__device__ __forceinline__ double ember_lowest<double>() {
    return -__longlong_as_double(0x7ff0000000000000ll);
}
template <>
__device__ __forceinline__ long long ember_lowest<long long>() {
    return (long long)(-9223372036854775807ll - 1);
}
template <class T>
__device__ __forceinline__ T ember_highest();
template <>
__device__ __forceinline__ float ember_highest<float>() {
    return __int_as_float(0x7f800000);
}
template <>
__device__ __forceinline__ double ember_highest<double>() {
    return __longlong_as_double(0x7ff0000000000000ll);
}
template <>
__device__ __forceinline__ long long ember_highest<long long>() {
    return 9223372036854775807ll;
}

// ---------------------------------------------------------------- block reductions
// Every thread of the block must call these (block-uniform), with blockDim.x a multiple of 32
// and blockDim.y == blockDim.z == 1. `scratch` holds 32 values. All threads get the result.
struct EmberSum {
    template <class T>
    __device__ __forceinline__ T operator()(T a, T b) const {
        return a + b;
    }
};
struct EmberProd {
    template <class T>
    __device__ __forceinline__ T operator()(T a, T b) const {
        return a * b;
    }
};
struct EmberMax {
    template <class T>
    __device__ __forceinline__ T operator()(T a, T b) const {
        return ember_max(a, b);
    }
};
struct EmberMin {
    template <class T>
    __device__ __forceinline__ T operator()(T a, T b) const {
        return ember_min(a, b);
    }
};

template <class T, class Op>
__device__ __forceinline__ T ember_warp_reduce(T v, Op op) {
    for (int o = 16; o > 0; o >>= 1) v = op(v, __shfl_xor_sync(EMBER_FULL_MASK, v, o));
    return v;
}

template <class T, class Op>
__device__ T ember_block_reduce(T v, Op op, T identity, T* scratch) {
    const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5;
    const unsigned nwarps = blockDim.x >> 5;
    v = ember_warp_reduce(v, op);
    __syncthreads();  // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < nwarps ? scratch[lane] : identity;
    return ember_warp_reduce(v, op);
}
