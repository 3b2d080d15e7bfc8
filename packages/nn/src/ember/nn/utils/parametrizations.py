"""Ready-made parametrizations (``torch.nn.utils.parametrizations``): ``orthogonal``, ``weight_norm`` and
``spectral_norm``, on top of ``parametrize.register_parametrization``."""

from __future__ import annotations

import ember
from ember.nn.modules.module import Module
from ember.nn.utils import parametrize
from ember.nn.utils.orthogonal import orthogonal
from ember.nn.utils.spectral_norm import _default_dim, weight_as_matrix
from ember.nn.utils.weight_norm import norm_except_dim

__all__ = ["orthogonal", "weight_norm", "spectral_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return weight_v * (weight_g / norm_except_dim(weight_v, 2, self.dim))

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name: str = "weight", dim: int | None = 0):
    """Parametrize ``module.<name>`` as magnitude times direction: the originals are
    ``parametrizations.<name>.original0`` (g) and ``original1`` (v), and ``w = g * v / ||v||``.

    Example::

        >>> m = weight_norm(nn.Linear(20, 40))
        >>> m.parametrizations.weight.original0.shape
        ember.Size([40, 1])
    """
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def _normalize(x, eps: float):
    return x / ember.clamp(x.norm(), min=eps)


class _SpectralNorm(Module):
    def __init__(self, weight, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got "
                             f"{dim})")
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = weight_as_matrix(weight, self.dim)
            h, w = weight_mat.shape
            self.register_buffer("_u", _normalize(ember.randn(h, dtype=weight.dtype, device=weight.device), eps))
            self.register_buffer("_v", _normalize(ember.randn(w, dtype=weight.dtype, device=weight.device), eps))
            self._power_method(weight_mat, 15)

    def _power_method(self, weight_mat, n_power_iterations: int) -> None:
        with ember.no_grad():
            weight_mat = weight_mat.detach()
            for _ in range(n_power_iterations):
                self._u.copy_(_normalize(ember.mv(weight_mat, self._v), self.eps))
                self._v.copy_(_normalize(ember.mv(weight_mat.t(), self._u), self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return _normalize(weight, self.eps)
        weight_mat = weight_as_matrix(weight, self.dim)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        return weight / ember.dot(u, ember.mv(weight_mat, v))

    def right_inverse(self, value):
        return value


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None):
    """Parametrize ``module.<name>`` as itself divided by its spectral norm, estimated by power iteration
    (15 steps on registration, ``n_power_iterations`` per training-mode read).

    Args:
        dim: the dim of the output channels (default 0; 1 for transposed convolutions).
    """
    weight = getattr(module, name, None)
    if not isinstance(weight, ember.Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    dim = _default_dim(module) if dim is None else dim
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
