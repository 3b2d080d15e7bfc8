// Indexing kernels: index_select, index_add, gather, scatter, masked_fill, and the compaction
// behind masked_select and nonzero. An index outside its dimension is never followed: the
// kernel skips it and sets *bad_index = 1, which the caller turns into an IndexError.
// Negative indices count from the end, as in PyTorch. Launch 1-D, any grid (grid-stride).
#include "ember_cuda.cuh"

__device__ __forceinline__ bool ember_wrap(i64* idx, i64 size) {
    i64 v = *idx;
    if (v < 0) v += size;
    if (v < 0 || v >= size) return false;
    *idx = v;
    return true;
}

// atomic out += v on the element type (no native atomics for 1- and 2-byte integers or bool).
#define EMBER_WIDE_int32 1
#define EMBER_WIDE_int64 1
#if EMBER_IS_FLOAT || EMBER_CAT(EMBER_WIDE_, EMBER_DTYPE)
#define EMBER_HAS_ATOMIC_ADD 1
__device__ __forceinline__ void ember_atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void ember_atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void ember_atomic_add(__half* p, float v) { atomicAdd(p, __float2half_rn(v)); }
__device__ __forceinline__ void ember_atomic_add(int* p, int v) { atomicAdd(p, v); }
__device__ __forceinline__ void ember_atomic_add(long long* p, long long v) {
    atomicAdd((unsigned long long*)p, (unsigned long long)v);  // two's complement: same bits
}
#endif

// x viewed as [outer, dim_size, inner], out as [outer, nidx, inner]: out[o, j, i] = x[o, idx[j], i].
extern "C" __global__ void index_select(i64 outer, i64 dim_size, i64 inner, const scalar_t* __restrict__ x,
                                        i64 nidx, const i64* __restrict__ idx, scalar_t* __restrict__ out,
                                        int* __restrict__ bad_index) {
    EMBER_FOR(e, outer * nidx * inner) {
        i64 i = e % inner, j = (e / inner) % nidx, o = e / (inner * nidx);
        i64 k = idx[j];
        if (!ember_wrap(&k, dim_size)) {
            *bad_index = 1;
            out[e] = cvt<scalar_t>(0);
            continue;
        }
        out[e] = x[(o * dim_size + k) * inner + i];
    }
}

#if EMBER_HAS_ATOMIC_ADD
// out viewed as [outer, dim_size, inner], src as [outer, nidx, inner]: out[o, idx[j], i] += alpha * src[o, j, i].
// Repeated indices accumulate (atomically). float16/32/64, int32 and int64 only.
extern "C" __global__ void index_add(i64 outer, i64 dim_size, i64 inner, scalar_t* __restrict__ out, i64 nidx,
                                     const i64* __restrict__ idx, const scalar_t* __restrict__ src, acc_t alpha,
                                     int* __restrict__ bad_index) {
    EMBER_FOR(e, outer * nidx * inner) {
        i64 i = e % inner, j = (e / inner) % nidx, o = e / (inner * nidx);
        i64 k = idx[j];
        if (!ember_wrap(&k, dim_size)) {
            *bad_index = 1;
            continue;
        }
        ember_atomic_add(&out[(o * dim_size + k) * inner + i], (acc_t)(alpha * cvt<acc_t>(src[e])));
    }
}
#endif

// gather / scatter over an index tensor of ndim dims. meta = [index shape, index strides,
// strides of the data operand (x for gather, out for scatter), strides of the other operand
// (out for gather, src for scatter)], each ndim int64. Along `dim` the data operand is
// addressed by the index value (its size there is dim_size).
__device__ __forceinline__ bool ember_gather_offsets(i64 e, int ndim, int dim, i64 dim_size, const i64* meta,
                                                     const i64* idx, i64* data_off, i64* other_off) {
    const i64 *shape = meta, *istr = meta + ndim, *dstr = meta + 2 * ndim, *ostr = meta + 3 * ndim;
    i64 ioff = 0, doff = 0, ooff = 0, rest = e, along = 0;
    for (int d = ndim - 1; d >= 0; --d) {
        i64 c = rest % shape[d];
        rest /= shape[d];
        ioff += c * istr[d];
        ooff += c * ostr[d];
        if (d != dim) doff += c * dstr[d];
    }
    along = idx[ioff];
    if (!ember_wrap(&along, dim_size)) return false;
    *data_off = doff + along * dstr[dim];
    *other_off = ooff;
    return true;
}

extern "C" __global__ void gather(i64 n, const scalar_t* __restrict__ x, const i64* __restrict__ index,
                                  scalar_t* __restrict__ out, int ndim, int dim, i64 dim_size, const i64* __restrict__ meta,
                                  int* __restrict__ bad_index) {
    EMBER_FOR(e, n) {
        i64 xo, oo;
        if (ember_gather_offsets(e, ndim, dim, dim_size, meta, index, &xo, &oo)) {
            out[oo] = x[xo];
        } else {
            *bad_index = 1;
            out[ember_offset(e, ndim, meta, meta + 3 * ndim)] = cvt<scalar_t>(0);
        }
    }
}

// out[..index..] = src (reduce = 0) or += src (reduce = 1; float and int32/int64 builds only, others
// set *bad_index = 2).
// With repeated indices and reduce = 0 the winner is unspecified, as in PyTorch on CUDA.
extern "C" __global__ void scatter(i64 n, const scalar_t* __restrict__ src, const i64* __restrict__ index,
                                   scalar_t* __restrict__ out, int ndim, int dim, i64 dim_size,
                                   const i64* __restrict__ meta, int reduce, int* __restrict__ bad_index) {
    EMBER_FOR(e, n) {
        i64 oo, so;
        if (!ember_gather_offsets(e, ndim, dim, dim_size, meta, index, &oo, &so)) {
            *bad_index = 1;
            continue;
        }
        if (reduce == 1) {
#if EMBER_HAS_ATOMIC_ADD
            ember_atomic_add(&out[oo], cvt<acc_t>(src[so]));
#else
            *bad_index = 2;  // no atomic add for this element type: the caller widens first
#endif
            continue;
        }
        out[oo] = src[so];
    }
}

// out[...] = value where mask; meta = [shape, out strides, mask strides] over the out shape.
extern "C" __global__ void masked_fill(i64 n, scalar_t* __restrict__ out, const bool* __restrict__ mask, acc_t value,
                                       int ndim, const i64* __restrict__ meta) {
    scalar_t v = cvt<scalar_t>(value);
    EMBER_FOR(i, n) {
        if (mask[ember_offset(i, ndim, meta, meta + 2 * ndim)]) out[ember_offset(i, ndim, meta, meta + ndim)] = v;
    }
}

// masked_select's second step: positions is the inclusive cumsum (int64) of the contiguous mask,
// x is contiguous of the same shape; out[positions[i] - 1] = x[i] where mask[i].
extern "C" __global__ void compact(i64 n, const scalar_t* __restrict__ x, const bool* __restrict__ mask,
                                   const i64* __restrict__ positions, scalar_t* __restrict__ out) {
    EMBER_FOR(i, n) {
        if (mask[i]) out[positions[i] - 1] = x[i];
    }
}

// nonzero's second step: the coordinates (row of ndim int64 in out) of each set element of a
// contiguous mask of `shape`; positions as for compact.
extern "C" __global__ void nonzero_coords(i64 n, const bool* __restrict__ mask, const i64* __restrict__ positions,
                                          int ndim, const i64* __restrict__ shape, i64* __restrict__ out) {
    EMBER_FOR(i, n) {
        if (!mask[i]) continue;
        i64* row = out + (positions[i] - 1) * ndim, rest = i;
        for (int d = ndim - 1; d >= 0; --d) {
            row[d] = rest % shape[d];
            rest /= shape[d];
        }
    }
}
