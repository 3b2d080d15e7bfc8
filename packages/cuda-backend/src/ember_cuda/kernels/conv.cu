// Convolution as im2col + GEMM (matmul.cu), and col2im for the input gradient. NCHW, contiguous.
//
// col has shape [N, C * KH * KW, OH * OW] with rows ordered (c, kh, kw), as a conv weight of shape
// [O, C, KH, KW] flattens, so the forward pass is weight[O, C*KH*KW] @ col[n]. Groups are slices
// of C taken by the caller. Launch 1-D, any grid (grid-stride), e.g. 256 threads per block.
#include "ember_cuda.cuh"

#define CONV_GEOMETRY                                                                                       \
    int C, int H, int W, int KH, int KW, int OH, int OW, int sh, int sw, int ph, int pw, int dh, int dw

// total = N * C * KH * KW * OH * OW; one thread per column entry; padding reads zero.
extern "C" __global__ void im2col(i64 total, const scalar_t* __restrict__ x, scalar_t* __restrict__ col,
                                  CONV_GEOMETRY) {
    EMBER_FOR(i, total) {
        i64 r = i;
        int ow = (int)(r % OW); r /= OW;
        int oh = (int)(r % OH); r /= OH;
        int kw = (int)(r % KW); r /= KW;
        int kh = (int)(r % KH); r /= KH;
        int c = (int)(r % C);
        i64 n = r / C;
        int h = oh * sh - ph + kh * dh, w = ow * sw - pw + kw * dw;
        col[i] = (h >= 0 && h < H && w >= 0 && w < W) ? x[((n * C + c) * H + h) * W + w] : cvt<scalar_t>(0);
    }
}

// total = N * C * H * W; one thread per input element gathers every column entry that read it
// (no atomics, so the result is deterministic). Overwrites x_grad.
extern "C" __global__ void col2im(i64 total, const scalar_t* __restrict__ col, scalar_t* __restrict__ x_grad,
                                  CONV_GEOMETRY) {
    EMBER_FOR(i, total) {
        i64 r = i;
        int w = (int)(r % W); r /= W;
        int h = (int)(r % H); r /= H;
        int c = (int)(r % C);
        i64 n = r / C;
        acc_t acc = acc_t(0);
        for (int kh = 0; kh < KH; kh++) {
            int t = h + ph - kh * dh;
            if (t < 0 || t % sh) continue;
            int oh = t / sh;
            if (oh >= OH) continue;
            for (int kw = 0; kw < KW; kw++) {
                int u = w + pw - kw * dw;
                if (u < 0 || u % sw) continue;
                int ow = u / sw;
                if (ow >= OW) continue;
                i64 row = ((i64)c * KH + kh) * KW + kw;
                acc += cvt<acc_t>(col[((n * C * KH * KW) + row) * ((i64)OH * OW) + (i64)oh * OW + ow]);
            }
        }
        x_grad[i] = cvt<scalar_t>(acc);
    }
}

// bias gradient and bias add of a conv output [N, O, P] (P = OH * OW).
// total = N * O * P: out[n, o, p] += bias[o].
extern "C" __global__ void add_channel_bias(i64 total, scalar_t* __restrict__ out, const scalar_t* __restrict__ bias,
                                            int O, i64 P) {
    EMBER_FOR(i, total) {
        int o = (int)((i / P) % O);
        out[i] = cvt<scalar_t>(cvt<acc_t>(out[i]) + cvt<acc_t>(bias[o]));
    }
}
