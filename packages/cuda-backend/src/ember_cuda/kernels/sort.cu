// Sorting rows (the caller makes the sorted dimension the last, contiguous one), returning
// values and int64 source positions. A bitonic network over (value, position) pairs: comparing
// the position on ties makes the result equal to a stable sort. NaN sorts as the largest value,
// as in PyTorch. topk is a sort followed by a slice.
//
// sort_rows_shared: one block per row (grid-stride over rows), the row padded to p2 (a power
// of two >= len) in dynamic shared memory: shared = p2 * (sizeof(acc_t) + 8) bytes, which must
// fit in 48 KiB (p2 <= 4096 for float32, 2048 for float64). blockDim.x: any multiple of 32.
// Longer rows: sort_global_init, then sort_global_step for k = 2, 4, .., p2 and j = k/2, .., 1,
// then copy the first len of each padded row.
#include "ember_cuda.cuh"

// true if (a, ia) must come before (b, ib); positions >= len are padding and go last.
__device__ __forceinline__ bool ember_before(acc_t a, i64 ia, acc_t b, i64 ib, i64 len, int descending) {
    bool pa = ia >= len, pb = ib >= len;
    if (pa || pb) return !pa || (pb && ia < ib);
    bool na = ember_isnan(a), nb = ember_isnan(b);
    if (na || nb) {
        if (na && nb) return ia < ib;
        return descending ? na : nb;
    }
    if (a == b) return ia < ib;
    return descending ? a > b : a < b;
}

extern "C" __global__ void sort_rows_shared(i64 rows, i64 len, i64 p2, const scalar_t* __restrict__ x,
                                            scalar_t* __restrict__ values, i64* __restrict__ indices, int descending) {
    extern __shared__ __align__(16) unsigned char ember_sort_smem[];
    i64* idx = (i64*)ember_sort_smem;
    acc_t* key = (acc_t*)(ember_sort_smem + p2 * sizeof(i64));
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        for (i64 j = threadIdx.x; j < p2; j += blockDim.x) {
            idx[j] = j;
            key[j] = j < len ? cvt<acc_t>(x[r * len + j]) : acc_t(0);
        }
        __syncthreads();
        for (i64 k = 2; k <= p2; k <<= 1) {
            for (i64 j = k >> 1; j > 0; j >>= 1) {
                for (i64 i = threadIdx.x; i < p2; i += blockDim.x) {
                    i64 l = i ^ j;
                    if (l <= i) continue;
                    bool up = (i & k) == 0;
                    bool swap = up ? ember_before(key[l], idx[l], key[i], idx[i], len, descending)
                                   : ember_before(key[i], idx[i], key[l], idx[l], len, descending);
                    if (swap) {
                        acc_t tk = key[i];
                        key[i] = key[l];
                        key[l] = tk;
                        i64 ti = idx[i];
                        idx[i] = idx[l];
                        idx[l] = ti;
                    }
                }
                __syncthreads();
            }
        }
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
            values[r * len + j] = cvt<scalar_t>(key[j]);
            indices[r * len + j] = idx[j];
        }
        __syncthreads();
    }
}

// Padded work rows [rows, p2] of keys and positions.
extern "C" __global__ void sort_global_init(i64 rows, i64 len, i64 p2, const scalar_t* __restrict__ x,
                                            scalar_t* __restrict__ keys, i64* __restrict__ idx) {
    EMBER_FOR(e, rows * p2) {
        i64 r = e / p2, j = e % p2;
        idx[e] = j;
        keys[e] = j < len ? x[r * len + j] : cvt<scalar_t>(0);
    }
}

// One compare-exchange stage (k, j) of the network over every padded row.
extern "C" __global__ void sort_global_step(i64 rows, i64 len, i64 p2, scalar_t* __restrict__ keys,
                                            i64* __restrict__ idx, i64 k, i64 j, int descending) {
    EMBER_FOR(e, rows * p2) {
        i64 i = e % p2, l = i ^ j;
        if (l <= i) continue;
        i64 a = e, b = e - i + l;
        acc_t ka = cvt<acc_t>(keys[a]), kb = cvt<acc_t>(keys[b]);
        bool up = (i & k) == 0;
        bool swap = up ? ember_before(kb, idx[b], ka, idx[a], len, descending)
                       : ember_before(ka, idx[a], kb, idx[b], len, descending);
        if (swap) {
            scalar_t t = keys[a];
            keys[a] = keys[b];
            keys[b] = t;
            i64 ti = idx[a];
            idx[a] = idx[b];
            idx[b] = ti;
        }
    }
}
