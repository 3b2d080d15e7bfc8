"""Adadelta."""

from __future__ import annotations

import ember
from ember.optim.hyperparameters import check_nonnegative
from ember.optim.optimizer import Optimizer, advance, run_update, step_tensor


class Adadelta(Optimizer):
    """Implements Adadelta, as ``torch.optim.Adadelta``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: coefficient that scales the delta (default 1.0).
        rho: smoothing constant of the running averages (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty (default 0).
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False) -> None:
        check_nonnegative(lr=lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        check_nonnegative(eps=eps, weight_decay=weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group) -> None:
        if not state:
            state["step"] = step_tensor()
            state["square_avg"] = ember.zeros_like(param)
            state["acc_delta"] = ember.zeros_like(param)
        advance(state)
        run_update("adadelta_step", [param, grad, state["square_avg"], state["acc_delta"]], group["lr"],
                   group["rho"], group["eps"], group["weight_decay"], group["maximize"])
