"""Special functions, ``ember.special``: PyTorch's ``torch.special``.

Kernels (one input array, no params; integer inputs are lifted to the default float dtype):

    erfc    1 - erf(x), without the cancellation        erfinv  the inverse of erf on [-1, 1]
    ndtri   the standard normal quantile function
    i0, i1  modified Bessel functions of the 1st kind    i0e, i1e  the same times exp(-|x|)

The rest is composed from those and ember's pointwise ops (``erf``, ``lgamma``, ``digamma``,
``polygamma``, ``log1p``, ...), so it differentiates through their rules.
"""

from __future__ import annotations

import math

from ember import _core, dtypes
from ember._core import FLOAT, TensorBase, binary, unary
from ember.ops import activation, pointwise, reduction
from ember.ops.creation import scalar_tensor
from ember.ops.pointwise import _out, _write_inplace

__all__ = ["erf", "erfc", "erfcx", "erfinv", "expm1", "exp2", "log1p", "gammaln", "digamma", "psi", "polygamma",
           "multigammaln", "logit", "expit", "xlogy", "xlog1py", "i0", "i0e", "i1", "i1e", "sinc", "round",
           "softmax", "log_softmax", "logsumexp", "ndtr", "ndtri", "log_ndtr", "entr", "zeta",
           "modified_bessel_i0", "modified_bessel_i1", "spherical_bessel_j0", "gammainc", "gammaincc",
           "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
           "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "SpecialMethods"]

_SQRT_HALF = math.sqrt(0.5)
_SQRT_2 = math.sqrt(2.0)

def _kernel_op(name: str, doc: str):
    """An op on one of this module's kernels; a backend without the kernel runs it on host
    copies, so ember.special works on every device."""
    def op(input, *, out=None):
        _check(name, input)
        if name in input._device._kernels:
            return _out(unary(name, input, FLOAT), out)
        return _out(unary(name, input.cpu(), FLOAT).to(input.device), out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


erfc = _kernel_op("erfc", "The complementary error function ``1 - erf(input)``, accurate where erf is near 1.")
erfinv = _kernel_op("erfinv", "The inverse error function: ``erf(erfinv(y)) = y`` on [-1, 1]; ±inf at ±1, NaN "
                              "outside.")
ndtri = _kernel_op("ndtri", "The inverse of :func:`ndtr`: the x with ``ndtr(x) = p``; ±inf at 1 and 0, NaN "
                            "outside [0, 1]. Accurate in both tails.")
i0 = _kernel_op("i0", "The modified Bessel function of the first kind of order 0, ``I0(input)``.")
i0e = _kernel_op("i0e", "``exp(-|input|) * I0(input)``, without the overflow of I0.")
i1 = _kernel_op("i1", "The modified Bessel function of the first kind of order 1, ``I1(input)``.")
i1e = _kernel_op("i1e", "``exp(-|input|) * I1(input)``, without the overflow of I1.")
bessel_j0 = _kernel_op("bessel_j0", "The Bessel function of the first kind of order 0, ``J0(input)``.")
bessel_j1 = _kernel_op("bessel_j1", "The Bessel function of the first kind of order 1, ``J1(input)``.")
bessel_y0 = _kernel_op("bessel_y0", "The Bessel function of the second kind of order 0, ``Y0(input)`` (NaN for "
                                    "negative inputs, -inf at 0).")
bessel_y1 = _kernel_op("bessel_y1", "The Bessel function of the second kind of order 1, ``Y1(input)`` (NaN for "
                                    "negative inputs, -inf at 0).")
modified_bessel_k0 = _kernel_op("modified_bessel_k0", "The modified Bessel function of the second kind of order 0, "
                                                      "``K0(input)`` (NaN for negative inputs, inf at 0).")
modified_bessel_k1 = _kernel_op("modified_bessel_k1", "The modified Bessel function of the second kind of order 1, "
                                                      "``K1(input)`` (NaN for negative inputs, inf at 0).")
scaled_modified_bessel_k0 = _kernel_op("scaled_modified_bessel_k0", "``exp(input) * K0(input)``, without the "
                                                                    "underflow of K0.")
scaled_modified_bessel_k1 = _kernel_op("scaled_modified_bessel_k1", "``exp(input) * K1(input)``, without the "
                                                                    "underflow of K1.")

modified_bessel_i0 = i0
modified_bessel_i1 = i1
erf = pointwise.erf
expm1 = pointwise.expm1
exp2 = pointwise.exp2
log1p = pointwise.log1p
gammaln = pointwise.lgamma
digamma = psi = pointwise.digamma
polygamma = pointwise.polygamma
expit = pointwise.sigmoid
xlogy = pointwise.xlogy
round = pointwise.round  # noqa: A001 - PyTorch's name
logsumexp = reduction.logsumexp


def _check(name: str, input) -> None:
    if not isinstance(input, TensorBase):
        raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _floating(input):
    return input if input._dtype.is_floating_point else input.to(dtypes.get_default_dtype())


def softmax(input, dim: int, *, dtype=None):
    """``exp(input) / sum(exp(input), dim)``; see :func:`ember.softmax`."""
    return activation.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim: int, *, dtype=None):
    """``log(softmax(input, dim))``, computed stably; see :func:`ember.log_softmax`."""
    return activation.log_softmax(input, dim, dtype=dtype)


def erfcx(input, *, out=None):
    """The scaled complementary error function ``exp(input**2) * erfc(input)``.

    For large positive inputs (where ``erfc`` underflows) its continued fraction is used.
    """
    _check("erfcx", input)
    x = _floating(input)
    xd = pointwise.where(x > 20, 0.0, x)   # each branch sees only its own inputs: no inf * 0 in backward
    direct = pointwise.exp(xd * xd) * erfc(xd)
    # Laplace's continued fraction, 1/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), 40 levels
    xs = pointwise.where(x > 20, x, 20.0)
    frac = xs * 0
    for k in range(40, 0, -1):
        frac = (k / 2) / (xs + frac)
    tail = 1 / (math.sqrt(math.pi) * (xs + frac))
    return _out(pointwise.where(x > 20, tail, direct), out)


def logit(input, eps: float | None = None, *, out=None):
    """``log(p / (1 - p))``; with ``eps``, ``p`` is first clamped to ``[eps, 1 - eps]``."""
    _check("logit", input)
    x = _floating(input)
    if eps is not None:
        x = pointwise.clamp(x, eps, 1 - eps)
    return _out(pointwise.log(x / (1 - x)), out)


def _floating_pair(name: str, input, other):
    """Two operands (at least one a tensor, a number on its device) in their promoted floating dtype
    (the default dtype for two integer operands)."""
    if not isinstance(input, TensorBase) and not isinstance(other, TensorBase):
        raise TypeError(f"special_{name}(): expected at least one Tensor argument")
    like = input if isinstance(input, TensorBase) else other
    x = input if isinstance(input, TensorBase) else scalar_tensor(input, device=like.device)
    y = other if isinstance(other, TensorBase) else scalar_tensor(other, device=like.device)
    dtype = dtypes.promote_types(x.dtype, y.dtype)
    if not dtype.is_floating_point:
        dtype = dtypes.get_default_dtype()
    return x.to(dtype), y.to(dtype)


def xlog1py(input, other, *, out=None):
    """``input * log1p(other)``, and 0 where ``input`` is 0 (unless ``other`` is NaN)."""
    x, y = _floating_pair("xlog1py", input, other)
    product = x * pointwise.log1p(y)
    zero = pointwise.logical_and(x == 0, pointwise.logical_not(pointwise.isnan(y)))
    return _out(pointwise.where(zero, 0.0, product), out)


def multigammaln(input, p: int, *, out=None):
    """The log of the multivariate gamma function of dimension ``p``:
    ``p (p - 1) / 4 * log(pi) + sum_{i=0}^{p-1} lgamma(input - i / 2)``; defined for elements
    above ``(p - 1) / 2`` (below, as in PyTorch, the formula is evaluated anyway, unchecked)."""
    _check("multigammaln", input)
    if isinstance(p, bool) or not isinstance(p, int) or p < 1:
        raise RuntimeError(f"p has to be greater than or equal to 1, got {p}")
    if not input._dtype.is_floating_point:
        raise RuntimeError(f"mvlgamma is not implemented for {_core._type_name(input._dtype)}")
    total = pointwise.lgamma(input)
    for i in range(1, p):
        total = total + pointwise.lgamma(input - i / 2)
    return _out(total + p * (p - 1) / 4 * math.log(math.pi), out)


def sinc(input, *, out=None):
    """The normalized sinc function ``sin(pi x) / (pi x)``, 1 at 0."""
    _check("sinc", input)
    x = _floating(input)
    at_zero = x == 0
    safe = pointwise.where(at_zero, 1.0, x) * math.pi   # keeps 0/0 out of the gradient too
    return _out(pointwise.where(at_zero, 1.0, pointwise.sin(safe) / safe), out)


def _incomplete_gamma(name: str, input, other, out):
    if not isinstance(input, TensorBase) and not isinstance(other, TensorBase):
        raise TypeError(f"special_{name}(): expected at least one Tensor argument")
    device = (input if isinstance(input, TensorBase) else other)._device
    if name in device._kernels:
        return _out(binary(name, input, other, FLOAT), out)
    host = [x.cpu() if isinstance(x, TensorBase) else x for x in (input, other)]
    return _out(binary(name, host[0], host[1], FLOAT).to(device), out)


def gammainc(input, other, *, out=None):
    """The regularized lower incomplete gamma function
    ``P(a, x) = 1 / Gamma(a) * integral_0^x t^(a-1) e^-t dt`` with ``a = input > 0``,
    ``x = other >= 0``. Differentiable in ``x`` only (as in PyTorch)."""
    return _incomplete_gamma("gammainc", input, other, out)


def gammaincc(input, other, *, out=None):
    """The regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``, computed
    directly where it is small. Differentiable in ``x`` only (as in PyTorch)."""
    return _incomplete_gamma("gammaincc", input, other, out)


def spherical_bessel_j0(input, *, out=None):
    """The spherical Bessel function of the first kind of order 0, ``sin(x) / x`` (1 at 0)."""
    _check("spherical_bessel_j0", input)
    x = _floating(input)
    at_zero = x == 0
    safe = pointwise.where(at_zero, 1.0, x)
    return _out(pointwise.where(at_zero, 1.0, pointwise.sin(safe) / safe), out)


def ndtr(input, *, out=None):
    """The standard normal cumulative distribution function ``(1 + erf(x / sqrt 2)) / 2``,
    computed as ``erfc(-x / sqrt 2) / 2`` so the left tail keeps its digits."""
    _check("ndtr", input)
    x = _floating(input)
    return _out(0.5 * erfc(-x * _SQRT_HALF), out)


def log_ndtr(input, *, out=None):
    """``log(ndtr(input))``, finite far into the left tail (asymptotic series below -20)."""
    _check("log_ndtr", input)
    x = _floating(input)
    xd = pointwise.where(x < -20, 0.0, x)   # each branch sees only its own inputs: no inf * 0 in backward
    # left of 0, log of ndtr (erfc keeps the tail's digits); right of it, log1p of the small 1 - ndtr
    left = pointwise.log(0.5 * erfc(-xd * _SQRT_HALF))
    right = pointwise.log1p(-0.5 * erfc(xd * _SQRT_HALF))
    direct = pointwise.where(xd < 0, left, right)
    # log ndtr(x) = -x^2/2 - log(-x) - log(2 pi)/2 + log(sum_k (-1)^k (2k-1)!! / x^(2k)); at x < -20
    # twelve terms leave an error below 1e-20
    xs = pointwise.where(x < -20, x, -20.0)
    r = 1 / (xs * xs)
    series, term = 1.0, 1.0
    for k in range(1, 12):
        term = -term * (2 * k - 1) * r
        series = series + term
    tail = -0.5 * xs * xs - pointwise.log(-xs) - 0.5 * math.log(2 * math.pi) + pointwise.log(series)
    return _out(pointwise.where(x < -20, tail, direct), out)


def entr(input, *, out=None):
    """The elementwise entropy ``-x log x``: 0 at 0, ``-inf`` for negative x."""
    _check("entr", input)
    x = _floating(input)
    positive = x > 0
    safe = pointwise.where(positive, x, 1.0)
    value = -safe * pointwise.log(safe)
    return _out(pointwise.where(positive, value, pointwise.where(x == 0, 0.0, -math.inf) + x * 0), out)


def zeta(input, other, *, out=None):
    """The Hurwitz zeta function ``sum_{k>=0} (k + q)^-x`` for ``x = input > 1``, ``q = other > 0``
    (Euler-Maclaurin: 12 terms summed, then the integral and 8 Bernoulli corrections); inf at
    ``x = 1`` and NaN for ``x < 1`` or ``q <= 0``."""
    x, q = _floating_pair("zeta", input, other)
    n = 12
    total = x * 0 + q * 0
    for k in range(n):
        total = total + (q + k) ** (-x)
    a = q + n
    total = total + a ** (1 - x) / (x - 1) + 0.5 * a ** (-x)
    # B_2j / (2j)! * x (x+1) ... (x+2j-2) * a^(-x-2j+1)
    bernoulli = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)
    rising = x
    for j, b in enumerate(bernoulli, start=1):
        total = total + b / math.factorial(2 * j) * rising * a ** (-x - 2 * j + 1)
        rising = rising * (x + 2 * j - 1) * (x + 2 * j)
    result = pointwise.where(x == 1, math.inf, total)
    invalid = pointwise.logical_or(x < 1, q <= 0)   # PyTorch: NaN or inf there, by case
    return _out(pointwise.where(invalid, math.nan, result), out)



class SpecialMethods:
    """``x.erfc()``, ``x.erfinv_()``, ``x.logit(eps)``, ``x.mvlgamma(p)``, ... as in PyTorch."""

    __slots__ = ()

    def logit(self, eps: float | None = None):
        return logit(self, eps)

    def logit_(self, eps: float | None = None):
        return _write_inplace(self, logit(self, eps))

    def igamma(self, other):
        return gammainc(self, other)

    def igamma_(self, other):
        return _write_inplace(self, gammainc(self, other))

    def igammac(self, other):
        return gammaincc(self, other)

    def igammac_(self, other):
        return _write_inplace(self, gammaincc(self, other))

    def mvlgamma(self, p: int):
        return multigammaln(self, p)

    def mvlgamma_(self, p: int):
        return _write_inplace(self, multigammaln(self, p))


def _attach(names):
    for name in names:
        fn = globals()[name]

        def method(self, _fn=fn):
            return _fn(self)

        def method_(self, _fn=fn):
            return _write_inplace(self, _fn(self))

        method.__name__, method_.__name__ = name, name + "_"
        method.__doc__ = fn.__doc__
        setattr(SpecialMethods, name, method)
        setattr(SpecialMethods, name + "_", method_)


_attach(["erfc", "erfinv", "i0", "sinc"])
