"""Adam and AdamW."""

from __future__ import annotations

import ember
from ember.optim.optimizer import Optimizer, advance, run_update, step_tensor


class Adam(Optimizer):
    """Implements Adam, as ``torch.optim.Adam`` (``amsgrad``, ``maximize``, and decoupled weight
    decay when ``decoupled_weight_decay=True``, which is AdamW).

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        betas: coefficients of the running averages of the gradient and its square.
        eps: added to the denominator for numerical stability (default 1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the AMSGrad variant (default False).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _update(self, param, grad, state, group) -> None:
        if not state:
            state["step"] = step_tensor()
            state["exp_avg"] = ember.zeros_like(param)
            state["exp_avg_sq"] = ember.zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = ember.zeros_like(param)
        step = advance(state)
        beta1, beta2 = group["betas"]
        tensors = [param, grad, state["exp_avg"], state["exp_avg_sq"], state.get("max_exp_avg_sq", param)]
        run_update("adam_step", tensors, step, group["lr"], beta1, beta2, group["eps"], group["weight_decay"],
                   group["amsgrad"], group["maximize"], group["decoupled_weight_decay"])


class AdamW(Adam):
    """Implements AdamW: Adam with decoupled weight decay (default 1e-2), as ``torch.optim.AdamW``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
