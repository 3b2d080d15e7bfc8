"""Adamax."""

from __future__ import annotations

import ember
from ember.optim.hyperparameters import check_adam_hyperparameters
from ember.optim.optimizer import Optimizer, advance, run_update, step_tensor


class Adamax(Optimizer):
    """Implements Adamax (Adam based on the infinity norm), as ``torch.optim.Adamax``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 2e-3).
        betas: coefficients of the running averages (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False) -> None:
        check_adam_hyperparameters(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group) -> None:
        if not state:
            state["step"] = step_tensor()
            state["exp_avg"] = ember.zeros_like(param)
            state["exp_inf"] = ember.zeros_like(param)
        step = advance(state)
        beta1, beta2 = group["betas"]
        run_update("adamax_step", [param, grad, state["exp_avg"], state["exp_inf"]], step, group["lr"], beta1,
                   beta2, group["eps"], group["weight_decay"], group["maximize"])
