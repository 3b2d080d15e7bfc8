"""More random distributions: the in-place fills ``cauchy_``, ``log_normal_``, ``geometric_`` and the
samplers ``poisson`` and ``binomial``, drawn from ember's generators on the host."""

from __future__ import annotations

import numpy as np

from ember import _core, dtypes
from ember.grad_mode import no_grad
from ember.ops.creation import tensor
from ember.random import _rng

__all__ = ["poisson", "binomial"]


def _fill(self, values: np.ndarray):
    with no_grad():
        self.copy_(tensor(values, device=self.device).to(self.dtype))
    return self


def _check_float(self, fn: str) -> None:
    if not self.dtype.is_floating_point:
        raise RuntimeError(f"{fn} is implemented for floating point tensors only, got {self.dtype}")


def poisson(input, generator=None):
    """A sample from the Poisson distribution with each element of ``input`` as its rate."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"poisson\" not implemented for '{_core._type_name(input.dtype)}'")
    rates = input.detach().cpu().numpy()
    if (rates < 0).any() or not np.isfinite(rates).all():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return tensor(_rng(generator).poisson(rates).astype(rates.dtype), device=input.device)


def binomial(count, prob, generator=None):
    """A sample from the binomial distribution with ``count`` trials and success probability ``prob``
    (elementwise)."""
    n = count.detach().cpu().numpy()
    p = prob.detach().cpu().numpy()
    if ((p < 0) | (p > 1)).any():
        raise RuntimeError("binomial: probabilities must be in [0, 1]")
    if (n < 0).any():
        raise RuntimeError("binomial: count must be non-negative")
    draws = _rng(generator).binomial(np.broadcast_to(n, np.broadcast_shapes(n.shape, p.shape)).astype(np.int64), p)
    return tensor(draws.astype(np.result_type(n.dtype, p.dtype)), device=count.device)


class RandomFillMethods:
    __slots__ = ()

    def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None):
        """Fill with samples of the Cauchy distribution ``median + sigma * tan(pi * (U - 1/2))``."""
        _check_float(self, "cauchy_")
        if sigma <= 0:
            raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
        u = _rng(generator).random(tuple(self.shape))
        return _fill(self, median + sigma * np.tan(np.pi * (u - 0.5)))

    def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None):
        """Fill with samples whose logarithm is normal with ``mean`` and ``std``."""
        _check_float(self, "log_normal_")
        if std <= 0:
            raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
        return _fill(self, np.exp(_rng(generator).normal(mean, std, tuple(self.shape))))

    def geometric_(self, p: float, *, generator=None):
        """Fill with the number of Bernoulli(``p``) trials up to and including the first success (>= 1)."""
        if not 0 < p < 1:
            raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
        if self.dtype is dtypes.bool:
            raise RuntimeError("geometric_ is not implemented for bool tensors")
        return _fill(self, _rng(generator).geometric(p, tuple(self.shape)))
