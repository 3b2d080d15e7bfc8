"""``spectral_norm``: divide a weight by its largest singular value (Miyato et al., 2018), estimated by
power iteration that advances one step per training-mode forward call (a forward pre-hook)."""

from __future__ import annotations

import ember
from ember.nn.parameter import Parameter

__all__ = ["spectral_norm", "remove_spectral_norm"]


def _normalize(x, eps: float):
    return x / ember.clamp(x.norm(), min=eps)


def weight_as_matrix(weight, dim: int):
    """``weight`` as a (size of ``dim``, rest) matrix, ``dim`` first."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def power_iteration(weight_mat, u, v, steps: int, eps: float) -> None:
    """Advance the singular-vector estimates ``u`` and ``v`` in place by ``steps`` steps."""
    with ember.no_grad():
        for _ in range(steps):
            v.copy_(_normalize(ember.mv(weight_mat.t(), u), eps))
            u.copy_(_normalize(ember.mv(weight_mat, v), eps))


class SpectralNorm:
    """The forward pre-hook that sets ``module.<name>`` to ``<name>_orig`` / sigma."""

    _version = 1

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name = name
        self.n_power_iterations = n_power_iterations
        self.dim = dim
        self.eps = eps

    def reshape_weight_to_matrix(self, weight):
        return weight_as_matrix(weight, self.dim)

    def compute_weight(self, module, do_power_iteration: bool):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            power_iteration(weight_mat.detach(), u, v, self.n_power_iterations, self.eps)
            u, v = u.clone(), v.clone()
        sigma = ember.dot(u, ember.mv(weight_mat, v))
        return weight / sigma

    def remove(self, module) -> None:
        with ember.no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))

    @staticmethod
    def apply(module, name: str, n_power_iterations: int, dim: int, eps: float) -> SpectralNorm:
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"spectral_norm needs a parameter named {name!r} in {type(module).__name__}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        with ember.no_grad():
            h, w = fn.reshape_weight_to_matrix(weight).shape
            u = _normalize(ember.randn(h, dtype=weight.dtype, device=weight.device), eps)
            v = _normalize(ember.randn(w, dtype=weight.dtype, device=weight.device), eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn


def _default_dim(module) -> int:
    from ember.nn.modules.conv import ConvTranspose1d, ConvTranspose2d
    from ember.nn.modules.conv3d import ConvTranspose3d

    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0


def spectral_norm(module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: int | None = None):
    """Keep ``module.<name>`` divided by its spectral norm (largest singular value).

    Adds the Parameter ``<name>_orig`` and the buffers ``<name>_u``, ``<name>_v`` (the singular vector
    estimates); every forward call in training mode advances them by ``n_power_iterations`` steps.

    Args:
        dim: the dim of the output channels (default 0; 1 for transposed convolutions).

    Example::

        >>> m = spectral_norm(nn.Linear(20, 40))
        >>> m.weight_u.shape
        ember.Size([40])
    """
    SpectralNorm.apply(module, name, n_power_iterations, _default_dim(module) if dim is None else dim, eps)
    return module


def remove_spectral_norm(module, name: str = "weight"):
    """Undo ``spectral_norm``: ``module.<name>`` becomes one Parameter again. Returns the module."""
    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
