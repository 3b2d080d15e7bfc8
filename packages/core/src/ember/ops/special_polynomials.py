"""The classical orthogonal polynomials of ``torch.special``, evaluated by their three-term
recurrences: Chebyshev (T, U, V, W and their shifted forms on [0, 1]), Hermite (H, He),
Laguerre (L) and Legendre (P).

``n`` is an int or an integer-valued tensor broadcast against ``input`` (one degree per
element); negative degrees give 0, as in PyTorch. Composed of ember ops, so the result is
differentiable with respect to ``input`` (PyTorch's are not).
"""

from __future__ import annotations

from ember import dtypes
from ember._core import TensorBase
from ember.ops import pointwise
from ember.ops.pointwise import _out

__all__ = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w",
           "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
           "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
           "laguerre_polynomial_l", "legendre_polynomial_p"]


def _degrees(name: str, n):
    """``n`` as (the largest degree, a tensor of degrees or None when n is one int)."""
    if isinstance(n, bool):
        raise TypeError(f"special_{name}(): argument 'n' must be Tensor or Number, not bool")
    if isinstance(n, TensorBase):
        values = n.detach().cpu().numpy() if n.device.type != "cpu" else n.detach().numpy()
        if values.size and (values != values.round()).any():
            bad = values[values != values.round()][0]
            raise RuntimeError(f"special_{name}: the degrees n must be integers, got {bad}")
        return (int(values.max()) if values.size else 0), n
    if isinstance(n, float):
        if n != int(n):
            raise RuntimeError(f"special_{name}: the degree n must be an integer, got {n}")
        n = int(n)
    if not isinstance(n, int):
        raise TypeError(f"special_{name}(): argument 'n' must be Tensor or Number, not {type(n).__name__}")
    return n, None


def _evaluate(name: str, input, n, first, step):
    """``p_n(input)`` from ``p_0 = 1``, ``p_1 = first(x)`` and ``p_(k+1) = step(k, x, p_k, p_(k-1))``."""
    if not isinstance(input, TensorBase):
        raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    x = input if input.dtype.is_floating_point else input.to(dtypes.get_default_dtype())
    top, per_element = _degrees(name, n)
    if per_element is None and top < 0:
        return x * 0
    previous, current = x * 0 + 1, first(x)
    if per_element is None:
        if top == 0:
            return previous
        for k in range(1, top):
            previous, current = current, step(k, x, current, previous)
        return current
    degrees = per_element.to(x.dtype)
    result = pointwise.where(degrees == 0, previous, x * 0)
    result = pointwise.where(degrees == 1, current, result)
    for k in range(1, top):
        previous, current = current, step(k, x, current, previous)
        result = pointwise.where(degrees == k + 1, current, result)
    return result


def _chebyshev(k, x, p, q):
    return 2 * x * p - q


def chebyshev_polynomial_t(input, n, *, out=None):
    """Chebyshev polynomial of the first kind ``T_n(input)``."""
    return _out(_evaluate("chebyshev_polynomial_t", input, n, lambda x: x, _chebyshev), out)


def chebyshev_polynomial_u(input, n, *, out=None):
    """Chebyshev polynomial of the second kind ``U_n(input)``."""
    return _out(_evaluate("chebyshev_polynomial_u", input, n, lambda x: 2 * x, _chebyshev), out)


def chebyshev_polynomial_v(input, n, *, out=None):
    """Chebyshev polynomial of the third kind ``V_n(input)``."""
    return _out(_evaluate("chebyshev_polynomial_v", input, n, lambda x: 2 * x - 1, _chebyshev), out)


def chebyshev_polynomial_w(input, n, *, out=None):
    """Chebyshev polynomial of the fourth kind ``W_n(input)``."""
    return _out(_evaluate("chebyshev_polynomial_w", input, n, lambda x: 2 * x + 1, _chebyshev), out)


def _shifted(fn, name: str):
    def shifted(input, n, *, out=None):
        if not isinstance(input, TensorBase):
            raise TypeError(f"special_{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        x = input if input.dtype.is_floating_point else input.to(dtypes.get_default_dtype())
        return fn(2 * x - 1, n, out=out)
    shifted.__name__ = shifted.__qualname__ = name
    shifted.__doc__ = f"``{fn.__name__}`` on [0, 1]: ``{fn.__name__}(2 * input - 1, n)``."
    return shifted


shifted_chebyshev_polynomial_t = _shifted(chebyshev_polynomial_t, "shifted_chebyshev_polynomial_t")
shifted_chebyshev_polynomial_u = _shifted(chebyshev_polynomial_u, "shifted_chebyshev_polynomial_u")
shifted_chebyshev_polynomial_v = _shifted(chebyshev_polynomial_v, "shifted_chebyshev_polynomial_v")
shifted_chebyshev_polynomial_w = _shifted(chebyshev_polynomial_w, "shifted_chebyshev_polynomial_w")


def hermite_polynomial_h(input, n, *, out=None):
    """The physicists' Hermite polynomial ``H_n(input)``."""
    return _out(_evaluate("hermite_polynomial_h", input, n, lambda x: 2 * x,
                          lambda k, x, p, q: 2 * x * p - 2 * k * q), out)


def hermite_polynomial_he(input, n, *, out=None):
    """The probabilists' Hermite polynomial ``He_n(input)``."""
    return _out(_evaluate("hermite_polynomial_he", input, n, lambda x: x, lambda k, x, p, q: x * p - k * q), out)


def laguerre_polynomial_l(input, n, *, out=None):
    """The Laguerre polynomial ``L_n(input)``."""
    return _out(_evaluate("laguerre_polynomial_l", input, n, lambda x: 1 - x,
                     lambda k, x, p, q: ((2 * k + 1 - x) * p - k * q) / (k + 1)), out)


def legendre_polynomial_p(input, n, *, out=None):
    """The Legendre polynomial ``P_n(input)``."""
    return _out(_evaluate("legendre_polynomial_p", input, n, lambda x: x,
                          lambda k, x, p, q: ((2 * k + 1) * x * p - k * q) / (k + 1)), out)
