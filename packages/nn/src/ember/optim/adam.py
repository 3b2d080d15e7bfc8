"""Adam and AdamW."""

from __future__ import annotations

import ember
from ember.optim._group import GroupUpdate
from ember.optim.hyperparameters import check_adam_hyperparameters
from ember.optim.optimizer import Optimizer, advance, check_grad, run_update, step_tensor


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
        check_adam_hyperparameters(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _step_group(self, group) -> None:
        beta1, beta2 = group["betas"]
        args = (group["lr"], beta1, beta2, group["eps"], group["weight_decay"], group["amsgrad"], group["maximize"],
                group["decoupled_weight_decay"])
        batch = GroupUpdate()
        state = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            check_grad(p, g)
            st = state[p]
            if not st:
                st["step"] = step_tensor()
                st["exp_avg"] = ember.zeros_like(p)
                st["exp_avg_sq"] = ember.zeros_like(p)
                if group["amsgrad"]:
                    st["max_exp_avg_sq"] = ember.zeros_like(p)
            step = advance(st)
            buffers = (st["exp_avg"], st["exp_avg_sq"], st.get("max_exp_avg_sq", p))
            if not batch.add(p, g, buffers, step):
                run_update("adam_step", [p, g, *buffers], step, *args)
        batch.run("adam_group", *args, extras=True)


class AdamW(Adam):
    """Implements AdamW: Adam with decoupled weight decay (default 1e-2), as ``torch.optim.AdamW``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
