# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Fused optimizer updates: one pass over each parameter's memory, no temporaries.

Each kernel updates ``param`` and its state buffers in place. ``<name>`` takes one parameter's
flat, C-contiguous arrays of one floating dtype (the typed memoryviews refuse any other layout,
a read-only buffer and mixed dtypes) and checks that they all have the parameter's length before
its loop; ``<name>_group`` takes a list of such tuples of arrays (any shape), one per parameter,
and checks their layout, dtype and sizes itself. The loops run without bounds checks, so these
per-call checks are what keeps a state buffer of the wrong size (a checkpoint of another model)
from being read or written past its end.
The arithmetic follows PyTorch's reference (single-tensor) implementations step by step, in
the parameter's own precision as PyTorch computes it (float32 parameters in float32).

The loops take their options as ``bint`` arguments of an inline function; each kernel calls
it with constant flags for the common combinations, so the compiler emits one branch-free,
vectorisable loop per combination instead of testing every flag on every element.
"""

from cpython.buffer cimport PyBUF_FORMAT, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer
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


cdef int _check_sizes(str kernel, Py_ssize_t n, tuple others) except -1:
    """Every buffer a single-parameter kernel reads or writes has the parameter's length: the loops
    run over ``n`` elements of each without bounds checks (``others`` holds (name, length) pairs)."""
    for name, m in others:
        if m != n:
            raise ValueError(f"{kernel}: the parameter has {n} elements but its {name} has {m}; every state "
                             f"buffer must have the parameter's shape (was the optimizer state loaded from "
                             f"another model?)")
    return 0


# -- group kernels: the arrays of many parameters in one call --------------------------------

cdef enum:
    MAX_ARRAYS = 5  # param, grad and up to three state buffers


cdef void _close(Py_buffer* views, Py_ssize_t k) noexcept:
    cdef Py_ssize_t j
    for j in range(k):
        PyBuffer_Release(&views[j])


cdef char _open(tuple row, Py_ssize_t k, Py_buffer* views) except 0:
    """Acquire the buffers of one parameter's ``k`` arrays (param, grad, state...): all C-contiguous
    (NumPy refuses a plain buffer otherwise), of one floating dtype and one size, all but the
    gradient writable. Returns the dtype's format character, ``b'f'`` or ``b'd'``."""
    cdef Py_ssize_t j
    cdef char fmt
    if len(row) != k or k > MAX_ARRAYS:
        raise ValueError(f"expected {k} arrays per parameter, got {len(row)}")
    for j in range(k):
        try:
            PyObject_GetBuffer(row[j], &views[j], PyBUF_FORMAT if j == 1 else PyBUF_FORMAT | PyBUF_WRITABLE)
        except BaseException:
            _close(views, j)
            raise
    fmt = views[0].format[0]
    for j in range(k):
        if views[j].format[0] != fmt or views[j].format[1] != 0 or views[j].len != views[0].len:
            _close(views, k)
            raise ValueError("an optimizer group kernel needs the arrays of each parameter to share one size and "
                             f"one dtype (float32 or float64), got dtypes {[str(getattr(row[i], 'dtype', '?')) for i in range(k)]} "
                             f"and sizes {[getattr(row[i], 'size', '?') for i in range(k)]}")
    if fmt != b'f' and fmt != b'd':
        _close(views, k)
        raise ValueError(f"optimizer group kernels update float32 and float64 arrays, got {row[0].dtype}")
    return fmt


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


cdef inline void _sgd_run(real* pp, const real* gp, real* bp, Py_ssize_t n, bint first, double lr,
                          double momentum, double dampening, double weight_decay, bint nesterov,
                          bint maximize) noexcept nogil:
    cdef real lr_ = <real>lr, m = <real>momentum, keep = <real>(1 - dampening), wd = <real>weight_decay
    cdef bint decay = weight_decay != 0, use_buf = momentum != 0
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


def sgd(real[::1] p, const real[::1] g, real[::1] buf, bint first, double lr, double momentum,
        double dampening, double weight_decay, bint nesterov, bint maximize):
    """SGD with momentum, dampening, Nesterov and weight decay (``buf`` unused if momentum == 0)."""
    _check_sizes("sgd", p.shape[0], (("gradient", g.shape[0]), ("momentum buffer", buf.shape[0])))
    if p.shape[0]:
        with nogil:
            _sgd_run(&p[0], &g[0], &buf[0], p.shape[0], first, lr, momentum, dampening, weight_decay, nesterov,
                     maximize)


def sgd_group(list rows, bint first, double lr, double momentum, double dampening, double weight_decay,
              bint nesterov, bint maximize):
    """``sgd`` on many parameters: ``rows`` holds a ``(param, grad, buf)`` tuple of arrays (any
    shape, C-contiguous) per parameter."""
    cdef Py_buffer v[MAX_ARRAYS]
    cdef char fmt
    for row in rows:
        fmt = _open(row, 3, v)
        with nogil:
            if fmt == b'f':
                _sgd_run(<float*>v[0].buf, <const float*>v[1].buf, <float*>v[2].buf, v[0].len // <Py_ssize_t>sizeof(float),
                         first, lr, momentum, dampening, weight_decay, nesterov, maximize)
            else:
                _sgd_run(<double*>v[0].buf, <const double*>v[1].buf, <double*>v[2].buf, v[0].len // <Py_ssize_t>sizeof(double),
                         first, lr, momentum, dampening, weight_decay, nesterov, maximize)
        _close(v, 3)


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


cdef inline void _adam_run(real* pp, const real* gp, real* mp, real* vp, real* xp, Py_ssize_t n, long step,
                           double lr, double beta1, double beta2, double eps, double weight_decay, bint amsgrad,
                           bint maximize, bint decoupled) noexcept nogil:
    cdef real step_size = <real>(-lr / (1 - beta1 ** step)), bias2_sqrt = <real>sqrt(1 - beta2 ** step)
    cdef real b1c = <real>(1 - beta1), b2 = <real>beta2, b2c = <real>(1 - beta2), eps_ = <real>eps
    cdef real wd = <real>weight_decay, shrink = <real>(1 - lr * weight_decay)
    cdef bint decay = weight_decay != 0
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


def adam(real[::1] p, const real[::1] g, real[::1] m, real[::1] v, real[::1] vmax, long step, double lr,
         double beta1, double beta2, double eps, double weight_decay, bint amsgrad, bint maximize,
         bint decoupled):
    """Adam (``decoupled=False``) and AdamW (``decoupled=True``), with AMSGrad."""
    _check_sizes("adam", p.shape[0], (("gradient", g.shape[0]), ("exp_avg", m.shape[0]), ("exp_avg_sq", v.shape[0]),
                                      ("max_exp_avg_sq", vmax.shape[0])))
    if p.shape[0]:
        with nogil:
            _adam_run(&p[0], &g[0], &m[0], &v[0], &vmax[0], p.shape[0], step, lr, beta1, beta2, eps, weight_decay,
                      amsgrad, maximize, decoupled)


def adam_group(list rows, list steps, double lr, double beta1, double beta2, double eps, double weight_decay,
               bint amsgrad, bint maximize, bint decoupled):
    """``adam`` on many parameters: ``rows`` holds a ``(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq)``
    tuple of arrays (any shape, C-contiguous) per parameter, ``steps`` its step number."""
    cdef Py_buffer v[MAX_ARRAYS]
    cdef char fmt
    cdef long step
    if len(steps) != len(rows):
        raise ValueError(f"adam_group: {len(rows)} parameters but {len(steps)} step numbers")
    for row, s in zip(rows, steps):
        step = s
        fmt = _open(row, 5, v)
        with nogil:
            if fmt == b'f':
                _adam_run(<float*>v[0].buf, <const float*>v[1].buf, <float*>v[2].buf, <float*>v[3].buf,
                          <float*>v[4].buf, v[0].len // <Py_ssize_t>sizeof(float), step, lr, beta1, beta2, eps, weight_decay,
                          amsgrad, maximize, decoupled)
            else:
                _adam_run(<double*>v[0].buf, <const double*>v[1].buf, <double*>v[2].buf, <double*>v[3].buf,
                          <double*>v[4].buf, v[0].len // <Py_ssize_t>sizeof(double), step, lr, beta1, beta2, eps, weight_decay,
                          amsgrad, maximize, decoupled)
        _close(v, 5)


# -- the others: one loop each; their flags are loop-invariant, which -O3 unswitches ----------

def rmsprop(real[::1] p, const real[::1] g, real[::1] sq, real[::1] gavg, real[::1] buf, double lr, double alpha,
            double eps, double weight_decay, double momentum, bint centered, bint maximize):
    """RMSprop, optionally centered and with momentum."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real d, s, a, avg
    cdef real lr_ = <real>lr, al = <real>alpha, alc = <real>(1 - alpha), eps_ = <real>eps
    cdef real wd = <real>weight_decay, mom = <real>momentum
    cdef bint decay = weight_decay != 0, use_buf = momentum > 0
    _check_sizes("rmsprop", n, (("gradient", g.shape[0]), ("square_avg", sq.shape[0]), ("grad_avg", gavg.shape[0]),
                                ("momentum_buffer", buf.shape[0])))
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


def adagrad(real[::1] p, const real[::1] g, real[::1] acc, long step, double lr, double lr_decay,
            double weight_decay, double eps, bint maximize):
    """Adagrad with learning-rate decay."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real d, a
    cdef real clr = <real>(lr / (1 + (step - 1) * lr_decay)), wd = <real>weight_decay, eps_ = <real>eps
    cdef bint decay = weight_decay != 0
    _check_sizes("adagrad", n, (("gradient", g.shape[0]), ("sum", acc.shape[0])))
    with nogil:
        for i in range(n):
            d = -g[i] if maximize else g[i]
            if decay:
                d = d + wd * p[i]
            a = acc[i] + d * d
            acc[i] = a
            p[i] = p[i] + (-clr * d) / (_sqrt(a) + eps_)


def adadelta(real[::1] p, const real[::1] g, real[::1] sq, real[::1] acc_delta, double lr, double rho,
             double eps, double weight_decay, bint maximize):
    """Adadelta."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real d, s, delta
    cdef real lr_ = <real>lr, r = <real>rho, rc = <real>(1 - rho), eps_ = <real>eps, wd = <real>weight_decay
    cdef bint decay = weight_decay != 0
    _check_sizes("adadelta", n, (("gradient", g.shape[0]), ("square_avg", sq.shape[0]),
                                 ("acc_delta", acc_delta.shape[0])))
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


def adamax(real[::1] p, const real[::1] g, real[::1] m, real[::1] u, long step, double lr, double beta1,
           double beta2, double eps, double weight_decay, bint maximize):
    """Adamax (Adam with the infinity norm)."""
    cdef Py_ssize_t i, n = p.shape[0]
    cdef real d, b, ui
    cdef real clr = <real>(lr / (1 - beta1 ** step)), b1c = <real>(1 - beta1), b2 = <real>beta2
    cdef real eps_ = <real>eps, wd = <real>weight_decay
    cdef bint decay = weight_decay != 0
    _check_sizes("adamax", n, (("gradient", g.shape[0]), ("exp_avg", m.shape[0]), ("exp_inf", u.shape[0])))
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
