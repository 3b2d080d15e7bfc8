// Normalisation kernels: softmax / log_softmax, batch norm, layer norm, and the negative
// log-likelihood that completes cross-entropy. Floating types only. Block reductions need
// blockDim.x a multiple of 32 (256 is a good default) and blockDim.y = blockDim.z = 1.
#include "ember_cuda.cuh"

#if EMBER_IS_FLOAT
// ---------------------------------------------------------------- softmax
// A contiguous tensor seen as [outer, len, inner], softmax over len: one block per row
// (row = o * inner + i; elements at stride inner). Grid-stride over the outer * inner rows.
#define ROW_BASE(r) (((r) / inner) * len * inner + (r) % inner)

extern "C" __global__ void softmax_forward(i64 outer, i64 len, i64 inner, const scalar_t* __restrict__ x,
                                           scalar_t* __restrict__ y, int log_softmax) {
    __shared__ acc_t scratch[32];
    for (i64 r = blockIdx.x; r < outer * inner; r += gridDim.x) {
        i64 base = ROW_BASE(r);
        acc_t m = ember_lowest<acc_t>();
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) m = ember_max(m, cvt<acc_t>(x[base + j * inner]));
        m = ember_block_reduce(m, EmberMax(), ember_lowest<acc_t>(), scratch);
        acc_t shift = (m == ember_lowest<acc_t>()) ? acc_t(0) : m;
        acc_t s = acc_t(0);
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) s += exp(cvt<acc_t>(x[base + j * inner]) - shift);
        s = ember_block_reduce(s, EmberSum(), acc_t(0), scratch);
        acc_t log_s = log(s);
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
            acc_t v = cvt<acc_t>(x[base + j * inner]) - shift;
            y[base + j * inner] = cvt<scalar_t>(log_softmax ? v - log_s : exp(v) / s);
        }
    }
}

// softmax: gx = y * (g - sum(g * y)); log_softmax: gx = g - exp(y) * sum(g). y is the forward output.
extern "C" __global__ void softmax_backward(i64 outer, i64 len, i64 inner, const scalar_t* __restrict__ grad_out,
                                            const scalar_t* __restrict__ y, scalar_t* __restrict__ grad_in,
                                            int log_softmax) {
    __shared__ acc_t scratch[32];
    for (i64 r = blockIdx.x; r < outer * inner; r += gridDim.x) {
        i64 base = ROW_BASE(r);
        acc_t s = acc_t(0);
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
            acc_t g = cvt<acc_t>(grad_out[base + j * inner]);
            s += log_softmax ? g : g * cvt<acc_t>(y[base + j * inner]);
        }
        s = ember_block_reduce(s, EmberSum(), acc_t(0), scratch);
        for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
            acc_t g = cvt<acc_t>(grad_out[base + j * inner]), v = cvt<acc_t>(y[base + j * inner]);
            grad_in[base + j * inner] = cvt<scalar_t>(log_softmax ? g - exp(v) * s : v * (g - s));
        }
    }
}

// ---------------------------------------------------------------- batch norm
// x is [N, C, HW] contiguous. One block per channel (grid-stride over C). weight, bias,
// running_mean and running_var may be null (pass address 0). Training mode: batch statistics
// (two passes), running stats updated with the unbiased variance, save_mean / save_invstd kept
// for the backward pass.
extern "C" __global__ void batch_norm_forward_train(i64 N, i64 C, i64 HW, const scalar_t* __restrict__ x,
                                                    const scalar_t* __restrict__ weight, const scalar_t* __restrict__ bias,
                                                    scalar_t* __restrict__ running_mean, scalar_t* __restrict__ running_var,
                                                    double momentum, double eps, scalar_t* __restrict__ y,
                                                    acc_t* __restrict__ save_mean, acc_t* __restrict__ save_invstd) {
    __shared__ acc_t scratch[32];
    const i64 M = N * HW;
    for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
        acc_t s = acc_t(0);
        for (i64 k = threadIdx.x; k < M; k += blockDim.x) s += cvt<acc_t>(x[((k / HW) * C + c) * HW + k % HW]);
        acc_t mean = ember_block_reduce(s, EmberSum(), acc_t(0), scratch) / (acc_t)M;
        acc_t m2 = acc_t(0);
        for (i64 k = threadIdx.x; k < M; k += blockDim.x) {
            acc_t d = cvt<acc_t>(x[((k / HW) * C + c) * HW + k % HW]) - mean;
            m2 += d * d;
        }
        m2 = ember_block_reduce(m2, EmberSum(), acc_t(0), scratch);
        acc_t invstd = acc_t(1) / sqrt(m2 / (acc_t)M + (acc_t)eps);
        acc_t w = weight ? cvt<acc_t>(weight[c]) : acc_t(1), b = bias ? cvt<acc_t>(bias[c]) : acc_t(0);
        for (i64 k = threadIdx.x; k < M; k += blockDim.x) {
            i64 at = ((k / HW) * C + c) * HW + k % HW;
            y[at] = cvt<scalar_t>((cvt<acc_t>(x[at]) - mean) * invstd * w + b);
        }
        if (threadIdx.x == 0) {
            save_mean[c] = mean;
            save_invstd[c] = invstd;
            if (running_mean) {
                acc_t mom = (acc_t)momentum;
                running_mean[c] = cvt<scalar_t>((acc_t(1) - mom) * cvt<acc_t>(running_mean[c]) + mom * mean);
                acc_t unbiased = m2 / (acc_t)(M - 1);  // M == 1 gives nan or inf, as in PyTorch
                running_var[c] = cvt<scalar_t>((acc_t(1) - mom) * cvt<acc_t>(running_var[c]) + mom * unbiased);
            }
        }
    }
}

// Evaluation mode: y = (x - running_mean) / sqrt(running_var + eps) * weight + bias, elementwise.
extern "C" __global__ void batch_norm_forward_eval(i64 N, i64 C, i64 HW, const scalar_t* __restrict__ x,
                                                   const scalar_t* __restrict__ weight, const scalar_t* __restrict__ bias,
                                                   const scalar_t* __restrict__ running_mean,
                                                   const scalar_t* __restrict__ running_var, double eps,
                                                   scalar_t* __restrict__ y) {
    EMBER_FOR(i, N * C * HW) {
        i64 c = (i / HW) % C;
        acc_t invstd = acc_t(1) / sqrt(cvt<acc_t>(running_var[c]) + (acc_t)eps);
        acc_t w = weight ? cvt<acc_t>(weight[c]) : acc_t(1), b = bias ? cvt<acc_t>(bias[c]) : acc_t(0);
        y[i] = cvt<scalar_t>((cvt<acc_t>(x[i]) - cvt<acc_t>(running_mean[c])) * invstd * w + b);
    }
}

// Training-mode backward from the saved statistics; one block per channel. grad_in,
// grad_weight and grad_bias may each be null.
extern "C" __global__ void batch_norm_backward(i64 N, i64 C, i64 HW, const scalar_t* __restrict__ grad_out,
                                               const scalar_t* __restrict__ x, const scalar_t* __restrict__ weight,
                                               const acc_t* __restrict__ save_mean,
                                               const acc_t* __restrict__ save_invstd, scalar_t* __restrict__ grad_in,
                                               scalar_t* __restrict__ grad_weight, scalar_t* __restrict__ grad_bias) {
    __shared__ acc_t scratch[32];
    const i64 M = N * HW;
    for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
        acc_t mean = save_mean[c], invstd = save_invstd[c];
        acc_t sdy = acc_t(0), sdyx = acc_t(0);
        for (i64 k = threadIdx.x; k < M; k += blockDim.x) {
            i64 at = ((k / HW) * C + c) * HW + k % HW;
            acc_t g = cvt<acc_t>(grad_out[at]);
            sdy += g;
            sdyx += g * (cvt<acc_t>(x[at]) - mean) * invstd;
        }
        sdy = ember_block_reduce(sdy, EmberSum(), acc_t(0), scratch);
        sdyx = ember_block_reduce(sdyx, EmberSum(), acc_t(0), scratch);
        acc_t w = weight ? cvt<acc_t>(weight[c]) : acc_t(1);
        if (grad_in) {
            for (i64 k = threadIdx.x; k < M; k += blockDim.x) {
                i64 at = ((k / HW) * C + c) * HW + k % HW;
                acc_t xhat = (cvt<acc_t>(x[at]) - mean) * invstd;
                acc_t g = cvt<acc_t>(grad_out[at]);
                grad_in[at] = cvt<scalar_t>(w * invstd * (g - sdy / (acc_t)M - xhat * sdyx / (acc_t)M));
            }
        }
        if (threadIdx.x == 0) {
            if (grad_weight) grad_weight[c] = cvt<scalar_t>(sdyx);
            if (grad_bias) grad_bias[c] = cvt<scalar_t>(sdy);
        }
    }
}

// ---------------------------------------------------------------- layer norm
// x is [rows, D] contiguous; normalise each row; weight/bias ([D]) may be null. One block per row.
extern "C" __global__ void layer_norm_forward(i64 rows, i64 D, const scalar_t* __restrict__ x,
                                              const scalar_t* __restrict__ weight, const scalar_t* __restrict__ bias,
                                              double eps, scalar_t* __restrict__ y, acc_t* __restrict__ mean_out,
                                              acc_t* __restrict__ rstd_out) {
    __shared__ acc_t scratch[32];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        const scalar_t* xr = x + r * D;
        acc_t s = acc_t(0);
        for (i64 j = threadIdx.x; j < D; j += blockDim.x) s += cvt<acc_t>(xr[j]);
        acc_t mean = ember_block_reduce(s, EmberSum(), acc_t(0), scratch) / (acc_t)D;
        acc_t m2 = acc_t(0);
        for (i64 j = threadIdx.x; j < D; j += blockDim.x) {
            acc_t d = cvt<acc_t>(xr[j]) - mean;
            m2 += d * d;
        }
        acc_t rstd = acc_t(1) / sqrt(ember_block_reduce(m2, EmberSum(), acc_t(0), scratch) / (acc_t)D + (acc_t)eps);
        for (i64 j = threadIdx.x; j < D; j += blockDim.x) {
            acc_t v = (cvt<acc_t>(xr[j]) - mean) * rstd;
            if (weight) v *= cvt<acc_t>(weight[j]);
            if (bias) v += cvt<acc_t>(bias[j]);
            y[r * D + j] = cvt<scalar_t>(v);
        }
        if (threadIdx.x == 0) {
            mean_out[r] = mean;
            rstd_out[r] = rstd;
        }
    }
}

// dx of layer norm, one block per row: dx = rstd * (wdy - mean(wdy) - xhat * mean(wdy * xhat)).
extern "C" __global__ void layer_norm_backward_input(i64 rows, i64 D, const scalar_t* __restrict__ grad_out,
                                                     const scalar_t* __restrict__ x, const scalar_t* __restrict__ weight,
                                                     const acc_t* __restrict__ mean, const acc_t* __restrict__ rstd,
                                                     scalar_t* __restrict__ grad_in) {
    __shared__ acc_t scratch[32];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        acc_t mu = mean[r], rs = rstd[r], a = acc_t(0), b = acc_t(0);
        for (i64 j = threadIdx.x; j < D; j += blockDim.x) {
            acc_t wdy = cvt<acc_t>(grad_out[r * D + j]) * (weight ? cvt<acc_t>(weight[j]) : acc_t(1));
            a += wdy;
            b += wdy * (cvt<acc_t>(x[r * D + j]) - mu) * rs;
        }
        a = ember_block_reduce(a, EmberSum(), acc_t(0), scratch) / (acc_t)D;
        b = ember_block_reduce(b, EmberSum(), acc_t(0), scratch) / (acc_t)D;
        for (i64 j = threadIdx.x; j < D; j += blockDim.x) {
            acc_t wdy = cvt<acc_t>(grad_out[r * D + j]) * (weight ? cvt<acc_t>(weight[j]) : acc_t(1));
            acc_t xhat = (cvt<acc_t>(x[r * D + j]) - mu) * rs;
            grad_in[r * D + j] = cvt<scalar_t>(rs * (wdy - a - xhat * b));
        }
    }
}

// dweight and dbias of layer norm: one thread per column summing over rows (deterministic).
// Either output may be null. Launch 1-D over D.
extern "C" __global__ void layer_norm_backward_params(i64 rows, i64 D, const scalar_t* __restrict__ grad_out,
                                                      const scalar_t* __restrict__ x, const acc_t* __restrict__ mean,
                                                      const acc_t* __restrict__ rstd, scalar_t* __restrict__ grad_weight,
                                                      scalar_t* __restrict__ grad_bias) {
    EMBER_FOR(j, D) {
        acc_t gw = acc_t(0), gb = acc_t(0);
        for (i64 r = 0; r < rows; r++) {
            acc_t g = cvt<acc_t>(grad_out[r * D + j]);
            gw += g * (cvt<acc_t>(x[r * D + j]) - mean[r]) * rstd[r];
            gb += g;
        }
        if (grad_weight) grad_weight[j] = cvt<scalar_t>(gw);
        if (grad_bias) grad_bias[j] = cvt<scalar_t>(gb);
    }
}

// ---------------------------------------------------------------- negative log-likelihood
// logp is [N, C] contiguous (log-probabilities), target [N] int64, weight [C] or null.
// loss[n] = -weight[t] * logp[n, t] and wsum[n] = weight[t] (0 for ignore_index), so the
// caller's mean is sum(loss) / sum(wsum). A target outside [0, C) sets *bad_target = 1.
extern "C" __global__ void nll_loss_forward(i64 N, i64 C, const scalar_t* __restrict__ logp,
                                            const i64* __restrict__ target, const scalar_t* __restrict__ weight,
                                            i64 ignore_index, scalar_t* __restrict__ loss, scalar_t* __restrict__ wsum,
                                            int* __restrict__ bad_target) {
    EMBER_FOR(n, N) {
        i64 t = target[n];
        acc_t l = acc_t(0), w = acc_t(0);
        if (t != ignore_index) {
            if (t < 0 || t >= C) {
                *bad_target = 1;
            } else {
                w = weight ? cvt<acc_t>(weight[t]) : acc_t(1);
                l = -w * cvt<acc_t>(logp[n * C + t]);
            }
        }
        loss[n] = cvt<scalar_t>(l);
        wsum[n] = cvt<scalar_t>(w);
    }
}

// grad_logp[n, c] = -weight[t] * grad_loss[n] at c == t, else 0 (whole rows written).
extern "C" __global__ void nll_loss_backward(i64 N, i64 C, const scalar_t* __restrict__ grad_loss,
                                             const i64* __restrict__ target, const scalar_t* __restrict__ weight,
                                             i64 ignore_index, scalar_t* __restrict__ grad_logp) {
    EMBER_FOR(i, N * C) {
        i64 n = i / C, c = i % C, t = target[n];
        acc_t g = acc_t(0);
        if (t == c && t != ignore_index) g = -(weight ? cvt<acc_t>(weight[t]) : acc_t(1)) * cvt<acc_t>(grad_loss[n]);
        grad_logp[i] = cvt<scalar_t>(g);
    }
}
#endif
