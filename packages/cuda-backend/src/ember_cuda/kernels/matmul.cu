// Batched GEMM: C = alpha * A @ B + beta * C, the fallback when cuBLAS is absent.
//
// A is M x K, B is K x N, C is M x N, each given by (batch, row, column) strides in elements, so
// transposed and broadcast (batch stride 0) operands need no copy. beta == 0 never reads C.
// Launch: block = (16, 16, 1), grid = (ceil(N / 64), ceil(M / 64), min(batch, 65535)).
// Each block computes a 64 x 64 tile of C from 16-wide slabs of A and B staged in shared
// memory; each thread accumulates a 4 x 4 sub-tile in registers.
#include "ember_cuda.cuh"

#define BM 64
#define BN 64
#define BK 16
#define TM 4
#define TN 4

#if !EMBER_IS_BOOL
extern "C" __global__ void gemm(i64 batch, i64 M, i64 N, i64 K, const scalar_t* __restrict__ A, i64 a_bs, i64 a_rs, i64 a_cs,
         const scalar_t* __restrict__ B, i64 b_bs, i64 b_rs, i64 b_cs, scalar_t* __restrict__ C, i64 c_bs, i64 c_rs,
         i64 c_cs, acc_t alpha, acc_t beta) {
    __shared__ acc_t As[BK][BM + 1];
    __shared__ acc_t Bs[BK][BN + 1];
    const int tx = threadIdx.x, ty = threadIdx.y, tid = ty * 16 + tx;
    const i64 row0 = (i64)blockIdx.y * BM, col0 = (i64)blockIdx.x * BN;
    for (i64 b = blockIdx.z; b < batch; b += gridDim.z) {
        const scalar_t* Ab = A + b * a_bs;
        const scalar_t* Bb = B + b * b_bs;
        acc_t acc[TM][TN];
        for (int i = 0; i < TM; i++)
            for (int j = 0; j < TN; j++) acc[i][j] = acc_t(0);
        for (i64 k0 = 0; k0 < K; k0 += BK) {
            // 1024 elements of each slab, four per thread; out-of-range entries are zero.
            for (int e = tid; e < BM * BK; e += 256) {
                int r = e / BK, k = e % BK;
                i64 gr = row0 + r, gk = k0 + k;
                As[k][r] = (gr < M && gk < K) ? cvt<acc_t>(Ab[gr * a_rs + gk * a_cs]) : acc_t(0);
            }
            for (int e = tid; e < BK * BN; e += 256) {
                int k = e / BN, c = e % BN;
                i64 gk = k0 + k, gc = col0 + c;
                Bs[k][c] = (gk < K && gc < N) ? cvt<acc_t>(Bb[gk * b_rs + gc * b_cs]) : acc_t(0);
            }
            __syncthreads();
            for (int k = 0; k < BK; k++) {
                acc_t a[TM], bv[TN];
                for (int i = 0; i < TM; i++) a[i] = As[k][ty + 16 * i];
                for (int j = 0; j < TN; j++) bv[j] = Bs[k][tx + 16 * j];
                for (int i = 0; i < TM; i++)
                    for (int j = 0; j < TN; j++) acc[i][j] += a[i] * bv[j];
            }
            __syncthreads();
        }
        scalar_t* Cb = C + b * c_bs;
        for (int i = 0; i < TM; i++) {
            i64 r = row0 + ty + 16 * i;
            if (r >= M) continue;
            for (int j = 0; j < TN; j++) {
                i64 c = col0 + tx + 16 * j;
                if (c >= N) continue;
                scalar_t* p = Cb + r * c_rs + c * c_cs;
                acc_t v = alpha * acc[i][j];
                if (beta != acc_t(0)) v += beta * cvt<acc_t>(*p);
                *p = cvt<scalar_t>(v);
            }
        }
    }
}
#endif
