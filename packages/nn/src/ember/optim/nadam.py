"""NAdam: Adam with Nesterov momentum."""

from __future__ import annotations

import ember
from ember.optim.hyperparameters import check_adam_hyperparameters, check_nonnegative
from ember.optim.optimizer import Optimizer, advance, check_grad, step_tensor


class NAdam(Optimizer):
    """Implements NAdam (Dozat, 2016), as ``torch.optim.NAdam``.

    The update is written with ember ops (no fused kernel), so it runs on every backend.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: coefficients of the running averages of the gradient and its square.
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum_decay: the ``psi`` of the momentum schedule ``mu_t = beta1 (1 - 0.96^(t psi) / 2)``
            (default 4e-3).
        decoupled_weight_decay: shrink the parameters directly, as AdamW does, instead of adding
            the penalty to the gradient (default False).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        check_adam_hyperparameters(lr, betas, eps, weight_decay)
        check_nonnegative(momentum_decay=momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _step_group(self, group: dict) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd, psi = group["weight_decay"], group["momentum_decay"]
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
                    st["mu_product"] = ember.ones(())
                    st["exp_avg"] = ember.zeros_like(p)
                    st["exp_avg_sq"] = ember.zeros_like(p)
                step = advance(st)
                if group["maximize"]:
                    g = -g
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * wd)
                    else:
                        g = g + wd * p
                mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
                mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
                st["mu_product"].mul_(mu)
                mu_product = float(st["mu_product"])
                m, v = st["exp_avg"], st["exp_avg_sq"]
                m.lerp_(g, 1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                denom = (v / (1 - beta2 ** step)).sqrt() + eps
                p.addcdiv_(g, denom, value=-lr * (1.0 - mu) / (1.0 - mu_product))
                p.addcdiv_(m, denom, value=-lr * mu_next / (1.0 - mu_product * mu_next))
