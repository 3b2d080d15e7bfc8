"""Adagrad."""

from __future__ import annotations

import ember
from ember.optim.hyperparameters import check_nonnegative
from ember.optim.optimizer import Optimizer, advance, run_update, step_tensor


class Adagrad(Optimizer):
    """Implements Adagrad, as ``torch.optim.Adagrad``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of the sum of squared gradients (default 0).
        eps: added to the denominator (default 1e-10).
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None) -> None:
        check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch creates Adagrad's state eagerly
            for p in group["params"]:
                self.state[p]["step"] = step_tensor()
                self.state[p]["sum"] = ember.full_like(p, group["initial_accumulator_value"])

    def _update(self, param, grad, state, group) -> None:
        step = advance(state)
        run_update("adagrad_step", [param, grad, state["sum"]], step, group["lr"], group["lr_decay"],
                   group["weight_decay"], group["eps"], group["maximize"])
