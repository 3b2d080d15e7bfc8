"""CPU kernels for ``softmax`` and ``log_softmax`` along one dim, ReLU's gradient and LeakyReLU.

NumPy's vectorised ``exp`` beats a scalar libm loop, so the softmaxes are NumPy passes over one
temporary; float16 works in float32.
"""

import numpy as np

from ember.backends.cpu import _gelu, _pointwise


def _shifted(x, dim):
    """``x - max(x, dim)`` in the working dtype, as a new array."""
    work = x.astype(np.float32) if x.dtype == np.float16 else x
    return np.subtract(work, np.maximum.reduce(work, axis=dim, keepdims=True))


def softmax(x, dim):
    if x.size == 0:
        return x.copy()
    if x.ndim == 0:
        return softmax(x.reshape(1), 0).reshape(())
    e = _shifted(x, dim)
    np.exp(e, out=e)
    e /= np.add.reduce(e, axis=dim, keepdims=True)
    return e.astype(x.dtype, copy=False)


def log_softmax(x, dim):
    if x.size == 0:
        return x.copy()
    if x.ndim == 0:
        return log_softmax(x.reshape(1), 0).reshape(())
    y = _shifted(x, dim)
    y -= np.log(np.add.reduce(np.exp(y), axis=dim, keepdims=True))
    return y.astype(x.dtype, copy=False)


def attention_softmax(scores, *rest):
    """softmax(scores * scale + mask) over the last dim, in one working array; rows of -inf only
    give zeros when ``zero_dead_rows`` (else NaN, as an explicit softmax)."""
    scale, zero_dead_rows = rest[-2:]
    work = np.multiply(scores, np.float32(scale) if scores.dtype == np.float32 else scale)
    if len(rest) == 3:
        work += rest[0]
    top = np.maximum.reduce(work, axis=-1, keepdims=True)
    if zero_dead_rows:
        top[top == -np.inf] = 0   # exp(-inf - 0) = 0 everywhere in the row: no NaN
    work -= top
    np.exp(work, out=work)
    total = np.add.reduce(work, axis=-1, keepdims=True)
    if zero_dead_rows:
        total[total == 0] = 1
    work /= total
    return work


def gelu(x, approximate_tanh):
    """x * Phi(x) (or the tanh approximation), one Cython pass."""
    out = np.empty(x.shape, dtype=x.dtype)   # x's shape: ascontiguousarray makes a 0-d array 1-d
    _gelu.forward(np.ascontiguousarray(x).reshape(-1), out.reshape(-1), approximate_tanh)
    return out


def gelu_backward(grad, x, approximate_tanh):
    """The gradient of ``gelu`` at ``x`` times ``grad`` (same shape and dtype), one Cython pass."""
    out = np.empty(x.shape, dtype=x.dtype)   # x's shape: ascontiguousarray makes a 0-d array 1-d
    _gelu.backward(np.ascontiguousarray(grad, dtype=x.dtype).reshape(-1), np.ascontiguousarray(x).reshape(-1),
                   out.reshape(-1), approximate_tanh)
    return out


def threshold_backward(grad, x, threshold):
    """``grad`` where ``x > threshold`` (or x is NaN), else 0: the gradient of ReLU and threshold."""
    if grad.shape == x.shape and grad.dtype == x.dtype and grad.dtype in (np.float32, np.float64):
        out = np.empty(grad.shape, dtype=grad.dtype)
        _pointwise.threshold_backward(np.ascontiguousarray(grad).reshape(-1), np.ascontiguousarray(x).reshape(-1),
                                      out.reshape(-1), threshold)
        return out
    return np.where(x <= threshold, grad.dtype.type(0), grad)


def leaky_relu(x, slope):
    """``x`` where ``x > 0``, else ``x * slope`` (NaN stays NaN).

    For 0 < slope <= 1 that is max(x, x * slope) (min above 1): branch-free passes, about 15x faster than a
    select on data whose signs are random. A slope of 0 keeps the select, for 0 * inf = NaN at -inf.
    """
    out = np.multiply(x, x.dtype.type(slope))
    if 0 < slope <= 1:
        return np.maximum(x, out, out=out)
    if slope > 1:
        return np.minimum(x, out, out=out)
    return np.where(x > 0, x, out)


def leaky_relu_backward(grad, x, slope):
    """``grad`` where ``x > 0``, else ``grad * slope`` (a product, as in PyTorch: inf * 0 is NaN).

    For 0 <= slope <= 1 the factor is fmax(sign(x), slope): 1 where x > 0, the slope elsewhere (NaN included).
    """
    if 0 <= slope <= 1:
        factor = np.sign(x).astype(grad.dtype, copy=False)
        np.fmax(factor, grad.dtype.type(slope), out=factor)
        return np.multiply(grad, factor, out=factor)
    return np.where(x > 0, grad, grad * grad.dtype.type(slope))


KERNELS = {"softmax": softmax, "log_softmax": log_softmax, "threshold_backward": threshold_backward,
           "attention_softmax": attention_softmax, "gelu": gelu, "gelu_backward": gelu_backward,
           "leaky_relu": leaky_relu, "leaky_relu_backward": leaky_relu_backward}
