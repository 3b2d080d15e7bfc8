// 2-D max and average pooling, forward and backward, NCHW contiguous, one thread per output
// element (forward) or per input element (backward, a gather: deterministic, no atomics).
// `planes` = N * C. Launch 1-D, any grid (grid-stride).
#include "ember_cuda.cuh"

#define POOL_GEOMETRY int H, int W, int OH, int OW, int KH, int KW, int sh, int sw, int ph, int pw

// out and indices (position h * W + w in the input plane, as PyTorch returns) of each window;
// a NaN in a window wins, as in PyTorch. Dilation (dh, dw) as in max_pool2d.
extern "C" __global__ void max_pool2d_forward(i64 planes, const scalar_t* __restrict__ x, scalar_t* __restrict__ out,
                                              i64* __restrict__ indices, POOL_GEOMETRY, int dh, int dw) {
    EMBER_FOR(i, planes * OH * OW) {
        int ow = (int)(i % OW), oh = (int)((i / OW) % OH);
        i64 plane = i / ((i64)OH * OW);
        const scalar_t* xp = x + plane * H * W;
        acc_t best = acc_t(0);
        i64 where = -1;
        for (int kh = 0; kh < KH; kh++) {
            int h = oh * sh - ph + kh * dh;
            if (h < 0 || h >= H) continue;
            for (int kw = 0; kw < KW; kw++) {
                int w = ow * sw - pw + kw * dw;
                if (w < 0 || w >= W) continue;
                acc_t v = cvt<acc_t>(xp[h * W + w]);
                if (where < 0 || v > best || (ember_isnan(v) && !ember_isnan(best))) {
                    best = v;
                    where = (i64)h * W + w;
                }
            }
        }
        out[i] = cvt<scalar_t>(best);
        indices[i] = where < 0 ? 0 : where;
    }
}

#if EMBER_IS_FLOAT
// grad_in[plane, h, w] = sum of grad_out over the windows whose index points at (h, w).
extern "C" __global__ void max_pool2d_backward(i64 planes, const scalar_t* __restrict__ grad_out,
                                               const i64* __restrict__ indices, scalar_t* __restrict__ grad_in,
                                               POOL_GEOMETRY, int dh, int dw) {
    EMBER_FOR(i, planes * H * W) {
        int w = (int)(i % W), h = (int)((i / W) % H);
        i64 plane = i / ((i64)H * W), me = (i64)h * W + w;
        acc_t acc = acc_t(0);
        for (int kh = 0; kh < KH; kh++) {
            int t = h + ph - kh * dh;
            if (t < 0 || t % sh || t / sh >= OH) continue;
            for (int kw = 0; kw < KW; kw++) {
                int u = w + pw - kw * dw;
                if (u < 0 || u % sw || u / sw >= OW) continue;
                i64 o = plane * OH * OW + (i64)(t / sh) * OW + u / sw;
                if (indices[o] == me) acc += cvt<acc_t>(grad_out[o]);
            }
        }
        grad_in[i] = cvt<scalar_t>(acc);
    }
}

// PyTorch's divisor: divisor_override if > 0, else the window clipped to the padded input
// (count_include_pad) or to the input itself.
__device__ __forceinline__ int ember_avg_divisor(int oh, int ow, POOL_GEOMETRY, int count_include_pad,
                                                 int divisor_override) {
    if (divisor_override > 0) return divisor_override;
    int h0 = oh * sh - ph, w0 = ow * sw - pw;
    int h1 = min(h0 + KH, H + ph), w1 = min(w0 + KW, W + pw);
    if (count_include_pad) return (h1 - h0) * (w1 - w0);
    h0 = max(h0, 0);
    w0 = max(w0, 0);
    h1 = min(h1, H);
    w1 = min(w1, W);
    return max((h1 - h0) * (w1 - w0), 1);
}

extern "C" __global__ void avg_pool2d_forward(i64 planes, const scalar_t* __restrict__ x, scalar_t* __restrict__ out,
                                              POOL_GEOMETRY, int count_include_pad, int divisor_override) {
    EMBER_FOR(i, planes * OH * OW) {
        int ow = (int)(i % OW), oh = (int)((i / OW) % OH);
        const scalar_t* xp = x + (i / ((i64)OH * OW)) * H * W;
        acc_t acc = acc_t(0);
        for (int h = max(oh * sh - ph, 0); h < min(oh * sh - ph + KH, H); h++)
            for (int w = max(ow * sw - pw, 0); w < min(ow * sw - pw + KW, W); w++) acc += cvt<acc_t>(xp[h * W + w]);
        int d = ember_avg_divisor(oh, ow, H, W, OH, OW, KH, KW, sh, sw, ph, pw, count_include_pad, divisor_override);
        out[i] = cvt<scalar_t>(acc / (acc_t)d);
    }
}

extern "C" __global__ void avg_pool2d_backward(i64 planes, const scalar_t* __restrict__ grad_out,
                                               scalar_t* __restrict__ grad_in, POOL_GEOMETRY, int count_include_pad,
                                               int divisor_override) {
    EMBER_FOR(i, planes * H * W) {
        int w = (int)(i % W), h = (int)((i / W) % H);
        i64 plane = i / ((i64)H * W);
        acc_t acc = acc_t(0);
        for (int kh = 0; kh < KH; kh++) {
            int t = h + ph - kh;
            if (t < 0 || t % sh || t / sh >= OH) continue;
            for (int kw = 0; kw < KW; kw++) {
                int u = w + pw - kw;
                if (u < 0 || u % sw || u / sw >= OW) continue;
                int oh = t / sh, ow = u / sw;
                int d = ember_avg_divisor(oh, ow, H, W, OH, OW, KH, KW, sh, sw, ph, pw, count_include_pad,
                                          divisor_override);
                acc += cvt<acc_t>(grad_out[plane * OH * OW + (i64)oh * OW + ow]) / (acc_t)d;
            }
        }
        grad_in[i] = cvt<scalar_t>(acc);
    }
}

// Adaptive average pooling: window [floor(o * H / OH), ceil((o + 1) * H / OH)).
__device__ __forceinline__ int ember_start(int o, int in, int out) { return (int)(((i64)o * in) / out); }
__device__ __forceinline__ int ember_end(int o, int in, int out) { return (int)((((i64)o + 1) * in + out - 1) / out); }

extern "C" __global__ void adaptive_avg_pool2d_forward(i64 planes, const scalar_t* __restrict__ x,
                                                       scalar_t* __restrict__ out, int H, int W, int OH, int OW) {
    EMBER_FOR(i, planes * OH * OW) {
        int ow = (int)(i % OW), oh = (int)((i / OW) % OH);
        const scalar_t* xp = x + (i / ((i64)OH * OW)) * H * W;
        int h0 = ember_start(oh, H, OH), h1 = ember_end(oh, H, OH);
        int w0 = ember_start(ow, W, OW), w1 = ember_end(ow, W, OW);
        acc_t acc = acc_t(0);
        for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++) acc += cvt<acc_t>(xp[h * W + w]);
        out[i] = cvt<scalar_t>(acc / (acc_t)((h1 - h0) * (w1 - w0)));
    }
}

extern "C" __global__ void adaptive_avg_pool2d_backward(i64 planes, const scalar_t* __restrict__ grad_out,
                                                        scalar_t* __restrict__ grad_in, int H, int W, int OH, int OW) {
    EMBER_FOR(i, planes * H * W) {
        int w = (int)(i % W), h = (int)((i / W) % H);
        i64 plane = i / ((i64)H * W);
        acc_t acc = acc_t(0);
        for (int oh = (int)(((i64)h * OH) / H); oh < OH && ember_start(oh, H, OH) <= h; oh++) {
            int h0 = ember_start(oh, H, OH), h1 = ember_end(oh, H, OH);
            if (h >= h1) continue;
            for (int ow = (int)(((i64)w * OW) / W); ow < OW && ember_start(ow, W, OW) <= w; ow++) {
                int w0 = ember_start(ow, W, OW), w1 = ember_end(ow, W, OW);
                if (w >= w1) continue;
                acc += cvt<acc_t>(grad_out[plane * OH * OW + (i64)oh * OW + ow]) / (acc_t)((h1 - h0) * (w1 - w0));
            }
        }
        grad_in[i] = cvt<scalar_t>(acc);
    }
}
#endif
