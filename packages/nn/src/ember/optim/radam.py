"""RAdam: Adam with a rectified adaptive learning rate."""

from __future__ import annotations

import math

import ember
from ember.optim.hyperparameters import check_adam_hyperparameters
from ember.optim.optimizer import Optimizer, advance, check_grad, step_tensor


class RAdam(Optimizer):
    """Implements RAdam (Liu et al., 2019), as ``torch.optim.RAdam``: momentum SGD while the
    variance estimate is unreliable (``rho_t <= 5``), then Adam scaled by the rectification term.

    The update is written with ember ops (no fused kernel), so it runs on every backend.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: coefficients of the running averages of the gradient and its square.
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        decoupled_weight_decay: shrink the parameters directly, as AdamW does (default False).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        check_adam_hyperparameters(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _step_group(self, group: dict) -> None:
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        rho_inf = 2 / (1 - beta2) - 1
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
                m, v = st["exp_avg"], st["exp_avg_sq"]
                m.lerp_(g, 1 - beta1)
                v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                corrected = m / (1 - beta1 ** step)
                correction2 = 1 - beta2 ** step
                rho_t = rho_inf - 2 * step * beta2 ** step / correction2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive = math.sqrt(correction2) / (v.sqrt() + eps)
                    p.sub_(corrected * lr * adaptive * rect)
                else:
                    p.sub_(corrected * lr)
