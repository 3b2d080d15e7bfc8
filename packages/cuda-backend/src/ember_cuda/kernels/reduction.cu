// Reductions over any set of dimensions, and scans along one dimension.
//
// reduce_*: one block per output element (grid-stride over outputs), its threads striding over
// the n_red reduced elements, combined by a shuffle tree (ember_block_reduce). Launch with
// blockDim.x a multiple of 32 (256 is a good default), blockDim.y = blockDim.z = 1.
// `meta` = [keep_shape(nd_keep), keep_strides(nd_keep) of x, out_strides(nd_keep),
//           red_shape(nd_red), red_strides(nd_red) of x], int64, strides in elements.
#include "ember_cuda.cuh"

#define KEEP_SHAPE (meta)
#define KEEP_IN (meta + nd_keep)
#define KEEP_OUT (meta + 2 * nd_keep)
#define RED_SHAPE (meta + 3 * nd_keep)
#define RED_IN (meta + 3 * nd_keep + nd_red)

#define EMBER_REDUCE_ARGS                                                                                \
    i64 n_out, i64 n_red, const scalar_t *__restrict__ x, int nd_keep, int nd_red, const i64 *__restrict__ meta

#define FOR_OUTPUTS(o) for (i64 o = blockIdx.x; o < n_out; o += gridDim.x)
#define FOR_REDUCED(r) for (i64 r = threadIdx.x; r < n_red; r += blockDim.x)
#define X_AT(base, r) cvt<red_t>(x[(base) + ember_offset((r), nd_red, RED_SHAPE, RED_IN)])

#define EMBER_REDUCE(name, Op, identity, finish)                                                        \
    extern "C" __global__ void reduce_##name(EMBER_REDUCE_ARGS, scalar_t* __restrict__ out) {          \
        __shared__ red_t scratch[32];                                                                   \
        FOR_OUTPUTS(o) {                                                                                \
            i64 base = ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_IN);                                   \
            red_t acc = (identity);                                                                     \
            FOR_REDUCED(r) { acc = Op()(acc, X_AT(base, r)); }                                          \
            acc = ember_block_reduce(acc, Op(), (red_t)(identity), scratch);                            \
            if (threadIdx.x == 0) out[ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_OUT)] = cvt<scalar_t>(finish); \
        }                                                                                               \
    }

EMBER_REDUCE(sum, EmberSum, red_t(0), acc)
EMBER_REDUCE(prod, EmberProd, red_t(1), acc)
EMBER_REDUCE(max, EmberMax, ember_lowest<red_t>(), acc)
EMBER_REDUCE(min, EmberMin, ember_highest<red_t>(), acc)
#if EMBER_IS_FLOAT
EMBER_REDUCE(mean, EmberSum, red_t(0), acc / (red_t)n_red)
#endif

// all / any write bool.
#define EMBER_REDUCE_BOOL(name, Op, identity)                                                           \
    extern "C" __global__ void reduce_##name(EMBER_REDUCE_ARGS, bool* __restrict__ out) {              \
        __shared__ long long scratch[32];                                                               \
        FOR_OUTPUTS(o) {                                                                                \
            i64 base = ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_IN);                                   \
            long long acc = (identity);                                                                 \
            FOR_REDUCED(r) { acc = Op()(acc, (long long)(X_AT(base, r) != red_t(0))); }                 \
            acc = ember_block_reduce(acc, Op(), (long long)(identity), scratch);                        \
            if (threadIdx.x == 0) out[ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_OUT)] = acc != 0;       \
        }                                                                                               \
    }
EMBER_REDUCE_BOOL(all, EmberMin, 1ll)
EMBER_REDUCE_BOOL(any, EmberMax, 0ll)

// count of nonzero elements, as int64.
extern "C" __global__ void reduce_count_nonzero(EMBER_REDUCE_ARGS, i64* __restrict__ out) {
    __shared__ long long scratch[32];
    FOR_OUTPUTS(o) {
        i64 base = ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_IN);
        long long acc = 0;
        FOR_REDUCED(r) { acc += (long long)(X_AT(base, r) != red_t(0)); }
        acc = ember_block_reduce(acc, EmberSum(), 0ll, scratch);
        if (threadIdx.x == 0) out[ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_OUT)] = acc;
    }
}

// argmax / argmin: int64 position in the flattened reduced dims; the first of equal values wins,
// and a NaN counts as the extreme (its first position is the answer), as in PyTorch.
template <bool IsMax>
__device__ __forceinline__ bool ember_better(red_t a, i64 ia, red_t b, i64 ib) {
    // true if (a, ia) should be preferred over (b, ib)
    if (ember_isnan(a)) return !ember_isnan(b) || ia < ib;
    if (ember_isnan(b)) return false;
    if (a == b) return ia < ib;
    return IsMax ? a > b : a < b;
}

template <bool IsMax>
__device__ void ember_arg_reduce(EMBER_REDUCE_ARGS, i64* __restrict__ out) {
    __shared__ red_t sval[32];
    __shared__ i64 sidx[32];
    const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    FOR_OUTPUTS(o) {
        i64 base = ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_IN);
        red_t best = IsMax ? ember_lowest<red_t>() : ember_highest<red_t>();
        i64 bi = n_red;  // "none yet": loses every tie
        FOR_REDUCED(r) {
            red_t v = X_AT(base, r);
            if (ember_better<IsMax>(v, r, best, bi)) {
                best = v;
                bi = r;
            }
        }
        for (int s = 16; s > 0; s >>= 1) {
            red_t ov = __shfl_xor_sync(EMBER_FULL_MASK, best, s);
            i64 oi = __shfl_xor_sync(EMBER_FULL_MASK, bi, s);
            if (ember_better<IsMax>(ov, oi, best, bi)) {
                best = ov;
                bi = oi;
            }
        }
        __syncthreads();
        if (lane == 0) {
            sval[warp] = best;
            sidx[warp] = bi;
        }
        __syncthreads();
        best = lane < nwarps ? sval[lane] : best;
        bi = lane < nwarps ? sidx[lane] : n_red;
        for (int s = 16; s > 0; s >>= 1) {
            red_t ov = __shfl_xor_sync(EMBER_FULL_MASK, best, s);
            i64 oi = __shfl_xor_sync(EMBER_FULL_MASK, bi, s);
            if (ember_better<IsMax>(ov, oi, best, bi)) {
                best = ov;
                bi = oi;
            }
        }
        if (threadIdx.x == 0) out[ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_OUT)] = bi < n_red ? bi : 0;
    }
}
extern "C" __global__ void reduce_argmax(EMBER_REDUCE_ARGS, i64* __restrict__ out) {
    ember_arg_reduce<true>(n_out, n_red, x, nd_keep, nd_red, meta, out);
}
extern "C" __global__ void reduce_argmin(EMBER_REDUCE_ARGS, i64* __restrict__ out) {
    ember_arg_reduce<false>(n_out, n_red, x, nd_keep, nd_red, meta, out);
}

#if EMBER_IS_FLOAT
// var (take_sqrt = 0) or std (take_sqrt = 1) with Bessel-style `correction`: two passes over the
// data (mean first, then squared deviations), which stays accurate where sum(x^2) - n*mean^2 does not.
extern "C" __global__ void reduce_var(EMBER_REDUCE_ARGS, scalar_t* __restrict__ out, double correction,
                                      int take_sqrt) {
    __shared__ red_t scratch[32];
    FOR_OUTPUTS(o) {
        i64 base = ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_IN);
        red_t s = 0;
        FOR_REDUCED(r) { s += X_AT(base, r); }
        red_t mean = ember_block_reduce(s, EmberSum(), red_t(0), scratch) / (red_t)n_red;
        red_t m2 = 0;
        FOR_REDUCED(r) {
            red_t d = X_AT(base, r) - mean;
            m2 += d * d;
        }
        m2 = ember_block_reduce(m2, EmberSum(), red_t(0), scratch);
        red_t dof = (red_t)((double)n_red - correction);
        red_t v = m2 / (dof > red_t(0) ? dof : red_t(0));  // no degrees of freedom: inf or nan, as in PyTorch
        if (threadIdx.x == 0) out[ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_OUT)] = cvt<scalar_t>(take_sqrt ? sqrt(v) : v);
    }
}

// logsumexp: max first, then log(sum(exp(x - max))) + max; all -inf gives -inf, +inf gives +inf.
extern "C" __global__ void reduce_logsumexp(EMBER_REDUCE_ARGS, scalar_t* __restrict__ out) {
    __shared__ red_t scratch[32];
    FOR_OUTPUTS(o) {
        i64 base = ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_IN);
        red_t m = ember_lowest<red_t>();
        FOR_REDUCED(r) { m = ember_max(m, X_AT(base, r)); }
        m = ember_block_reduce(m, EmberMax(), ember_lowest<red_t>(), scratch);
        red_t shift = (m == ember_lowest<red_t>() || m == ember_highest<red_t>()) ? red_t(0) : m;
        red_t s = 0;
        FOR_REDUCED(r) { s += exp(X_AT(base, r) - shift); }
        s = ember_block_reduce(s, EmberSum(), red_t(0), scratch);
        if (threadIdx.x == 0) out[ember_offset(o, nd_keep, KEEP_SHAPE, KEEP_OUT)] = cvt<scalar_t>(log(s) + shift);
    }
}
#endif

// ---------------------------------------------------------------- scans
// scan_cumsum / scan_cumprod along one dimension of length `len`: one block per line (grid-stride
// over the n_lines lines), each chunk of blockDim.x elements scanned by warp shuffles and a
// scan of the warp totals, then carried into the next chunk.
// `meta` = [line_shape(nd), line_strides(nd) of x, line_strides(nd) of out]; x_stride and
// out_stride step along the scanned dimension.
template <class Op>
__device__ void ember_scan(i64 n_lines, i64 len, const scalar_t* __restrict__ x, i64 x_stride, scalar_t* __restrict__ out,
                           i64 out_stride, int nd, const i64* __restrict__ meta, red_t identity) {
    __shared__ red_t warp_total[32];
    __shared__ red_t carry_in;
    const unsigned lane = threadIdx.x & 31u, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
    Op op;
    for (i64 line = blockIdx.x; line < n_lines; line += gridDim.x) {
        const scalar_t* xl = x + ember_offset(line, nd, meta, meta + nd);
        scalar_t* ol = out + ember_offset(line, nd, meta, meta + 2 * nd);
        red_t carry = identity;
        for (i64 start = 0; start < len; start += blockDim.x) {
            i64 j = start + threadIdx.x;
            red_t v = j < len ? cvt<red_t>(xl[j * x_stride]) : identity;
            for (int d = 1; d < 32; d <<= 1) {
                red_t up = __shfl_up_sync(EMBER_FULL_MASK, v, d);
                if ((int)lane >= d) v = op(up, v);
            }
            if (lane == 31) warp_total[warp] = v;
            __syncthreads();
            if (warp == 0) {
                red_t t = lane < nwarps ? warp_total[lane] : identity;
                for (int d = 1; d < 32; d <<= 1) {
                    red_t up = __shfl_up_sync(EMBER_FULL_MASK, t, d);
                    if ((int)lane >= d) t = op(up, t);
                }
                if (lane < nwarps) warp_total[lane] = t;  // inclusive scan of warp totals
            }
            __syncthreads();
            red_t prefix = warp > 0 ? op(carry, warp_total[warp - 1]) : carry;
            v = op(prefix, v);
            if (j < len) ol[j * out_stride] = cvt<scalar_t>(v);
            if (threadIdx.x == blockDim.x - 1) carry_in = v;
            __syncthreads();
            carry = carry_in;
            __syncthreads();
        }
    }
}
extern "C" __global__ void scan_cumsum(i64 n_lines, i64 len, const scalar_t* __restrict__ x, i64 x_stride,
                                       scalar_t* __restrict__ out, i64 out_stride, int nd, const i64* __restrict__ meta) {
    ember_scan<EmberSum>(n_lines, len, x, x_stride, out, out_stride, nd, meta, red_t(0));
}
extern "C" __global__ void scan_cumprod(i64 n_lines, i64 len, const scalar_t* __restrict__ x, i64 x_stride,
                                        scalar_t* __restrict__ out, i64 out_stride, int nd, const i64* __restrict__ meta) {
    ember_scan<EmberProd>(n_lines, len, x, x_stride, out, out_stride, nd, meta, red_t(1));
}
