# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Fused optimizer updates: one pass over each parameter's memory, no temporaries.

Each kernel updates ``param`` and its state buffers in place. All arrays are flat,
C-contiguous and of one floating dtype; ``ember.optim`` ensures that before calling.
The arithmetic follows PyTorch's reference (single-tensor) implementations step by step.
"""

from libc.math cimport fabs, sqrt

ctypedef fused real:
    float
    double


def sgd(real[::1] p, real[::1] g, real[::1] buf, bint first, double lr, double momentum,
        double dampening, double weight_decay, bint nesterov, bint maximize):
    """SGD with momentum, dampening, Nesterov and weight decay (``buf`` unused if momentum == 0)."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef double d
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if weight_decay != 0:
                d = d + weight_decay * p[i]
            if momentum != 0:
                if first:
                    buf[i] = <real>d
                else:
                    buf[i] = <real>(momentum * buf[i] + (1 - dampening) * d)
                if nesterov:
                    d = d + momentum * buf[i]
                else:
                    d = buf[i]
            p[i] = <real>(p[i] - lr * d)


def adam(real[::1] p, real[::1] g, real[::1] m, real[::1] v, real[::1] vmax, long step, double lr,
         double beta1, double beta2, double eps, double weight_decay, bint amsgrad, bint maximize,
         bint decoupled):
    """Adam (``decoupled=False``) and AdamW (``decoupled=True``), with AMSGrad."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef double d, denom, bias1 = 1 - beta1 ** step, bias2_sqrt = sqrt(1 - beta2 ** step)
    cdef double step_size = lr / bias1
    cdef real mi, vi
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if decoupled:
                p[i] = <real>(p[i] * (1 - lr * weight_decay))
            elif weight_decay != 0:
                d = d + weight_decay * p[i]
            mi = <real>(m[i] + (1 - beta1) * (d - m[i]))
            vi = <real>(beta2 * v[i] + (1 - beta2) * d * d)
            m[i] = mi
            v[i] = vi
            if amsgrad:
                if vi > vmax[i]:
                    vmax[i] = vi
                denom = sqrt(vmax[i]) / bias2_sqrt + eps
            else:
                denom = sqrt(vi) / bias2_sqrt + eps
            p[i] = <real>(p[i] - step_size * (mi / denom))


def rmsprop(real[::1] p, real[::1] g, real[::1] sq, real[::1] gavg, real[::1] buf, double lr, double alpha,
            double eps, double weight_decay, double momentum, bint centered, bint maximize):
    """RMSprop, optionally centered and with momentum."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef double d, avg
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if weight_decay != 0:
                d = d + weight_decay * p[i]
            sq[i] = <real>(alpha * sq[i] + (1 - alpha) * d * d)
            if centered:
                gavg[i] = <real>(gavg[i] + (1 - alpha) * (d - gavg[i]))
                avg = sqrt(sq[i] - gavg[i] * gavg[i]) + eps
            else:
                avg = sqrt(sq[i]) + eps
            if momentum > 0:
                buf[i] = <real>(momentum * buf[i] + d / avg)
                p[i] = <real>(p[i] - lr * buf[i])
            else:
                p[i] = <real>(p[i] - lr * (d / avg))


def adagrad(real[::1] p, real[::1] g, real[::1] acc, long step, double lr, double lr_decay,
            double weight_decay, double eps, bint maximize):
    """Adagrad with learning-rate decay."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef double d, clr = lr / (1 + (step - 1) * lr_decay)
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if weight_decay != 0:
                d = d + weight_decay * p[i]
            acc[i] = <real>(acc[i] + d * d)
            p[i] = <real>(p[i] - clr * (d / (sqrt(acc[i]) + eps)))


def adadelta(real[::1] p, real[::1] g, real[::1] sq, real[::1] acc_delta, double lr, double rho,
             double eps, double weight_decay, bint maximize):
    """Adadelta."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef double d, delta
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if weight_decay != 0:
                d = d + weight_decay * p[i]
            sq[i] = <real>(rho * sq[i] + (1 - rho) * d * d)
            delta = sqrt(acc_delta[i] + eps) / sqrt(sq[i] + eps) * d
            acc_delta[i] = <real>(rho * acc_delta[i] + (1 - rho) * delta * delta)
            p[i] = <real>(p[i] - lr * delta)


def adamax(real[::1] p, real[::1] g, real[::1] m, real[::1] u, long step, double lr, double beta1,
           double beta2, double eps, double weight_decay, bint maximize):
    """Adamax (Adam with the infinity norm)."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef double d, b, clr = lr / (1 - beta1 ** step)
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if weight_decay != 0:
                d = d + weight_decay * p[i]
            m[i] = <real>(m[i] + (1 - beta1) * (d - m[i]))
            b = fabs(d) + eps
            u[i] = <real>(u[i] * beta2 if u[i] * beta2 > b else b)
            p[i] = <real>(p[i] - clr * (m[i] / u[i]))
