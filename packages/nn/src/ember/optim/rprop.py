"""Rprop: resilient backpropagation, steps from the gradient's sign only."""

from __future__ import annotations

import ember
from ember.optim.hyperparameters import check_nonnegative
from ember.optim.optimizer import Optimizer, advance, check_grad, step_tensor


class Rprop(Optimizer):
    """Implements Rprop (Riedmiller & Braun, 1993), as ``torch.optim.Rprop``.

    Each element keeps its own step size: multiplied by ``etaplus`` while the gradient keeps its
    sign, by ``etaminus`` when it flips (and that element skips the update), clamped to
    ``step_sizes``. The update is written with ember ops, so it runs on every backend.

    Args:
        params: tensors or parameter groups to optimize.
        lr: the initial step size (default 1e-2).
        etas: ``(etaminus, etaplus)`` with ``0 < etaminus < 1 < etaplus`` (default (0.5, 1.2)).
        step_sizes: the smallest and largest step size (default (1e-6, 50)).
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable: bool = False,
                 foreach=None, maximize: bool = False, differentiable: bool = False) -> None:
        check_nonnegative(lr=lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _step_group(self, group: dict) -> None:
        etaminus, etaplus = group["etas"]
        low, high = group["step_sizes"]
        with ember.no_grad():
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                check_grad(p, g)
                if g.dtype != p.dtype:  # the update runs in the parameter's dtype
                    g = g.to(p.dtype)
                st = self.state[p]
                if not st:
                    st["step"] = step_tensor()
                    st["prev"] = ember.zeros_like(p)
                    st["step_size"] = ember.full_like(g, group["lr"])
                advance(st)
                if group["maximize"]:
                    g = -g
                trend = (g * st["prev"]).sign()
                flipped = trend < 0
                factor = ember.where(trend > 0, etaplus, ember.where(flipped, etaminus, 1.0)).to(p.dtype)
                size = st["step_size"]
                size.mul_(factor).clamp_(low, high)
                g = ember.where(flipped, 0.0, g).to(p.dtype)
                p.addcmul_(g.sign(), size, value=-1)
                st["prev"].copy_(g)
