"""RMSprop."""

from __future__ import annotations

import ember
from ember.optim.hyperparameters import check_nonnegative
from ember.optim.optimizer import Optimizer, advance, run_update, step_tensor


class RMSprop(Optimizer):
    """Implements RMSprop, as ``torch.optim.RMSprop`` (``centered``, ``momentum``).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        alpha: smoothing constant (default 0.99).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance (default False).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False) -> None:
        check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay, alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group) -> None:
        if not state:
            state["step"] = step_tensor()
            state["square_avg"] = ember.zeros_like(param)
            if group["momentum"] > 0:
                state["momentum_buffer"] = ember.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = ember.zeros_like(param)
        advance(state)
        tensors = [param, grad, state["square_avg"], state.get("grad_avg", param), state.get("momentum_buffer", param)]
        run_update("rmsprop_step", tensors, group["lr"], group["alpha"], group["eps"], group["weight_decay"],
                   group["momentum"], group["centered"], group["maximize"])
