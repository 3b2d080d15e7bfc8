// Optimizer updates, in place over a parameter's n contiguous elements, with PyTorch's formulas
// (torch.optim.SGD and Adam/AdamW, foreach=False). One launch per parameter tensor (or per
// flattened group); state tensors have the parameter's dtype. Floating types only.
#include "ember_cuda.cuh"

#if EMBER_IS_FLOAT
// momentum_buf may be null when momentum == 0. first_step: the buffer starts as the gradient.
extern "C" __global__ void sgd_step(i64 n, scalar_t* __restrict__ param, const scalar_t* __restrict__ grad,
                                    scalar_t* __restrict__ momentum_buf, double lr, double momentum, double dampening,
                                    double weight_decay, int nesterov, int maximize, int first_step) {
    EMBER_FOR(i, n) {
        acc_t p = cvt<acc_t>(param[i]), g = cvt<acc_t>(grad[i]);
        if (maximize) g = -g;
        if (weight_decay != 0.0) g += (acc_t)weight_decay * p;
        if (momentum != 0.0) {
            acc_t b = first_step ? g : (acc_t)momentum * cvt<acc_t>(momentum_buf[i]) + (acc_t)(1.0 - dampening) * g;
            momentum_buf[i] = cvt<scalar_t>(b);
            g = nesterov ? g + (acc_t)momentum * b : b;
        }
        param[i] = cvt<scalar_t>(p - (acc_t)lr * g);
    }
}

// Adam (decoupled = 0) or AdamW (decoupled = 1). bias_correction1/2 = 1 - beta^step, computed by the
// caller; max_exp_avg_sq may be null unless amsgrad.
extern "C" __global__ void adam_step(i64 n, scalar_t* __restrict__ param, const scalar_t* __restrict__ grad,
                                     scalar_t* __restrict__ exp_avg, scalar_t* __restrict__ exp_avg_sq,
                                     scalar_t* __restrict__ max_exp_avg_sq, double lr, double beta1, double beta2,
                                     double eps, double weight_decay, double bias_correction1,
                                     double bias_correction2, int amsgrad, int maximize, int decoupled) {
    const acc_t step_size = (acc_t)(lr / bias_correction1), bc2_sqrt = (acc_t)sqrt(bias_correction2);
    EMBER_FOR(i, n) {
        acc_t p = cvt<acc_t>(param[i]), g = cvt<acc_t>(grad[i]);
        if (maximize) g = -g;
        if (weight_decay != 0.0) {
            if (decoupled)
                p *= (acc_t)(1.0 - lr * weight_decay);
            else
                g += (acc_t)weight_decay * p;
        }
        acc_t m = cvt<acc_t>(exp_avg[i]), v = cvt<acc_t>(exp_avg_sq[i]);
        m += (g - m) * (acc_t)(1.0 - beta1);
        v = (acc_t)beta2 * v + (acc_t)(1.0 - beta2) * g * g;
        exp_avg[i] = cvt<scalar_t>(m);
        exp_avg_sq[i] = cvt<scalar_t>(v);
        acc_t vhat = v;
        if (amsgrad) {
            vhat = ember_max(cvt<acc_t>(max_exp_avg_sq[i]), v);
            max_exp_avg_sq[i] = cvt<scalar_t>(vhat);
        }
        acc_t denom = sqrt(vhat) / bc2_sqrt + (acc_t)eps;
        param[i] = cvt<scalar_t>(p - step_size * m / denom);
    }
}
#endif
