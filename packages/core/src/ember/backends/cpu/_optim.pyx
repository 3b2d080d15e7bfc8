# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Fused optimizer updates: one pass over each parameter's memory, no temporaries.

Each kernel updates ``param`` and its state buffers in place. All arrays are flat,
C-contiguous and of one floating dtype; ``ember.optim`` ensures that before calling.
The arithmetic follows PyTorch's reference (single-tensor) implementations step by step, in
the parameter's own precision as PyTorch computes it (float32 parameters in float32).

The loops take their options as ``bint`` arguments of an inline function; each kernel calls
it with constant flags for the common combinations, so the compiler emits one branch-free,
vectorisable loop per combination instead of testing every flag on every element.
"""

from libc.math cimport fabs, fabsf, sqrt, sqrtf

cdef extern from *:
    """
    #include <math.h>
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #endif
    /* In-place square roots. A plain sqrt loop does not vectorise: errno handling puts a branch
       in it (and the optimize attribute cannot turn -fmath-errno off), so use the SIMD
       instruction where there is one. */
    static inline void ember_sqrt_f(float *x, Py_ssize_t n) {
        Py_ssize_t i = 0;
    #if defined(__SSE2__)
        for (; i + 4 <= n; i += 4) _mm_storeu_ps(x + i, _mm_sqrt_ps(_mm_loadu_ps(x + i)));
    #endif
        for (; i < n; i++) x[i] = sqrtf(x[i]);
    }
    static inline void ember_sqrt_d(double *x, Py_ssize_t n) {
        Py_ssize_t i = 0;
    #if defined(__SSE2__)
        for (; i + 2 <= n; i += 2) _mm_storeu_pd(x + i, _mm_sqrt_pd(_mm_loadu_pd(x + i)));
    #endif
        for (; i < n; i++) x[i] = sqrt(x[i]);
    }
    """
    void ember_sqrt_f(float *x, Py_ssize_t n) nogil
    void ember_sqrt_d(double *x, Py_ssize_t n) nogil

ctypedef fused real:
    float
    double


cdef inline real _sqrt(real x) noexcept nogil:
    if real is float:
        return sqrtf(x)
    else:
        return sqrt(x)


cdef inline void _sqrt_inplace(real* x, Py_ssize_t n) noexcept nogil:
    if real is float:
        ember_sqrt_f(x, n)
    else:
        ember_sqrt_d(x, n)


cdef inline real _fabs(real x) noexcept nogil:
    if real is float:
        return fabsf(x)
    else:
        return fabs(x)


# -- SGD -------------------------------------------------------------------------------------

cdef inline void _sgd(real* p, const real* g, real* buf, Py_ssize_t n, real lr, real momentum, real keep,
                      real wd, bint decay, bint use_buf, bint first, bint nesterov, bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef real d, b
    for i in range(n):
        d = -g[i] if maximize else g[i]
        if decay:
            d = d + wd * p[i]
        if use_buf:
            if first:
                b = d
            else:
                b = momentum * buf[i] + keep * d
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] = p[i] - lr * d


def sgd(real[::1] p, real[::1] g, real[::1] buf, bint first, double lr, double momentum,
        double dampening, double weight_decay, bint nesterov, bint maximize):
    """SGD with momentum, dampening, Nesterov and weight decay (``buf`` unused if momentum == 0)."""
    cdef Py_ssize_t n = p.shape[0]
    if n == 0:
        return
    cdef real* pp = &p[0]
    cdef real* bp = &buf[0]
    cdef const real* gp = &g[0]
    cdef real lr_ = <real>lr, m = <real>momentum, keep = <real>(1 - dampening), wd = <real>weight_decay
    cdef bint decay = weight_decay != 0, use_buf = momentum != 0
    with nogil:
        if nesterov or maximize:
            _sgd(pp, gp, bp, n, lr_, m, keep, wd, decay, use_buf, first, nesterov, maximize)
        elif not use_buf:
            if decay:
                _sgd(pp, gp, bp, n, lr_, m, keep, wd, True, False, False, False, False)
            else:
                _sgd(pp, gp, bp, n, lr_, m, keep, wd, False, False, False, False, False)
        elif first:
            _sgd(pp, gp, bp, n, lr_, m, keep, wd, decay, True, True, False, False)
        elif decay:
            _sgd(pp, gp, bp, n, lr_, m, keep, wd, True, True, False, False, False)
        else:
            _sgd(pp, gp, bp, n, lr_, m, keep, wd, False, True, False, False, False)


# -- Adam / AdamW ----------------------------------------------------------------------------

cdef enum:
    BLOCK = 256  # elements per block: the square roots run over a stack buffer between two passes


cdef inline void _adam_block(real* p, const real* g, real* m, real* v, real* vmax, real* root, Py_ssize_t n,
                             real step_size, real beta1c, real beta2, real beta2c, real bias2_sqrt, real eps, real wd,
                             real shrink, bint decay, bint decoupled, bint amsgrad, bint maximize) noexcept nogil:
    cdef Py_ssize_t i
    cdef real d, mi, vi
    for i in range(n):
        d = -g[i] if maximize else g[i]
        if decoupled:
            p[i] = p[i] * shrink
        elif decay:
            d = d + wd * p[i]
        mi = m[i] + beta1c * (d - m[i])
        vi = beta2 * v[i] + beta2c * d * d
        m[i] = mi
        v[i] = vi
        if amsgrad:
            if vi < vmax[i]:
                vi = vmax[i]
            vmax[i] = vi
        root[i] = vi
    _sqrt_inplace(root, n)
    for i in range(n):
        p[i] = p[i] + (step_size * m[i]) / (root[i] / bias2_sqrt + eps)


cdef inline void _adam(real* p, const real* g, real* m, real* v, real* vmax, Py_ssize_t n, real step_size,
                       real beta1c, real beta2, real beta2c, real bias2_sqrt, real eps, real wd, real shrink,
                       bint decay, bint decoupled, bint amsgrad, bint maximize) noexcept nogil:
    cdef real root[BLOCK]
    cdef Py_ssize_t start = 0, k
    while start < n:
        k = min(<Py_ssize_t>BLOCK, n - start)
        _adam_block(p + start, g + start, m + start, v + start, vmax + start, root, k, step_size, beta1c, beta2,
                    beta2c, bias2_sqrt, eps, wd, shrink, decay, decoupled, amsgrad, maximize)
        start += k


def adam(real[::1] p, real[::1] g, real[::1] m, real[::1] v, real[::1] vmax, long step, double lr,
         double beta1, double beta2, double eps, double weight_decay, bint amsgrad, bint maximize,
         bint decoupled):
    """Adam (``decoupled=False``) and AdamW (``decoupled=True``), with AMSGrad."""
    cdef Py_ssize_t n = p.shape[0]
    if n == 0:
        return
    cdef real* pp = &p[0]
    cdef const real* gp = &g[0]
    cdef real* mp = &m[0]
    cdef real* vp = &v[0]
    cdef real* xp = &vmax[0]
    cdef real step_size = <real>(-lr / (1 - beta1 ** step)), bias2_sqrt = <real>sqrt(1 - beta2 ** step)
    cdef real b1c = <real>(1 - beta1), b2 = <real>beta2, b2c = <real>(1 - beta2), eps_ = <real>eps
    cdef real wd = <real>weight_decay, shrink = <real>(1 - lr * weight_decay)
    cdef bint decay = weight_decay != 0
    with nogil:
        if maximize or amsgrad:
            _adam(pp, gp, mp, vp, xp, n, step_size, b1c, b2, b2c, bias2_sqrt, eps_, wd, shrink,
                  decay, decoupled, amsgrad, maximize)
        elif decoupled:
            _adam(pp, gp, mp, vp, xp, n, step_size, b1c, b2, b2c, bias2_sqrt, eps_, wd, shrink,
                  False, True, False, False)
        elif decay:
            _adam(pp, gp, mp, vp, xp, n, step_size, b1c, b2, b2c, bias2_sqrt, eps_, wd, shrink,
                  True, False, False, False)
        else:
            _adam(pp, gp, mp, vp, xp, n, step_size, b1c, b2, b2c, bias2_sqrt, eps_, wd, shrink,
                  False, False, False, False)


# -- the others: one loop each; their flags are loop-invariant, which -O3 unswitches ----------

def rmsprop(real[::1] p, real[::1] g, real[::1] sq, real[::1] gavg, real[::1] buf, double lr, double alpha,
            double eps, double weight_decay, double momentum, bint centered, bint maximize):
    """RMSprop, optionally centered and with momentum."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real d, s, a, avg
    cdef real lr_ = <real>lr, al = <real>alpha, alc = <real>(1 - alpha), eps_ = <real>eps
    cdef real wd = <real>weight_decay, mom = <real>momentum
    cdef bint decay = weight_decay != 0, use_buf = momentum > 0
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if decay:
                d = d + wd * p[i]
            s = al * sq[i] + alc * d * d
            sq[i] = s
            if centered:
                a = gavg[i] + alc * (d - gavg[i])
                gavg[i] = a
                avg = _sqrt(s - a * a) + eps_
            else:
                avg = _sqrt(s) + eps_
            if use_buf:
                buf[i] = mom * buf[i] + d / avg
                p[i] = p[i] - lr_ * buf[i]
            else:
                p[i] = p[i] + (-lr_ * d) / avg


def adagrad(real[::1] p, real[::1] g, real[::1] acc, long step, double lr, double lr_decay,
            double weight_decay, double eps, bint maximize):
    """Adagrad with learning-rate decay."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real d, a
    cdef real clr = <real>(lr / (1 + (step - 1) * lr_decay)), wd = <real>weight_decay, eps_ = <real>eps
    cdef bint decay = weight_decay != 0
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if decay:
                d = d + wd * p[i]
            a = acc[i] + d * d
            acc[i] = a
            p[i] = p[i] + (-clr * d) / (_sqrt(a) + eps_)


def adadelta(real[::1] p, real[::1] g, real[::1] sq, real[::1] acc_delta, double lr, double rho,
             double eps, double weight_decay, bint maximize):
    """Adadelta."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real d, s, delta
    cdef real lr_ = <real>lr, r = <real>rho, rc = <real>(1 - rho), eps_ = <real>eps, wd = <real>weight_decay
    cdef bint decay = weight_decay != 0
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if decay:
                d = d + wd * p[i]
            s = r * sq[i] + rc * d * d
            sq[i] = s
            delta = _sqrt(acc_delta[i] + eps_) / _sqrt(s + eps_) * d
            acc_delta[i] = r * acc_delta[i] + rc * delta * delta
            p[i] = p[i] - lr_ * delta


def adamax(real[::1] p, real[::1] g, real[::1] m, real[::1] u, long step, double lr, double beta1,
           double beta2, double eps, double weight_decay, bint maximize):
    """Adamax (Adam with the infinity norm)."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real d, b, ui
    cdef real clr = <real>(lr / (1 - beta1 ** step)), b1c = <real>(1 - beta1), b2 = <real>beta2
    cdef real eps_ = <real>eps, wd = <real>weight_decay
    cdef bint decay = weight_decay != 0
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if decay:
                d = d + wd * p[i]
            m[i] = m[i] + b1c * (d - m[i])
            b = _fabs(d) + eps_
            ui = u[i] * b2
            u[i] = ui if ui > b else b
            p[i] = p[i] + (-clr * m[i]) / u[i]
