"""ASGD: averaged stochastic gradient descent."""

from __future__ import annotations

import ember
from ember.optim.hyperparameters import check_nonnegative
from ember.optim.optimizer import Optimizer, advance, check_grad, step_tensor


class ASGD(Optimizer):
    """Implements averaged SGD (Polyak & Juditsky, 1992), as ``torch.optim.ASGD``.

    The parameters take SGD steps with a decaying rate ``eta_t = lr / (1 + lambd lr t)^alpha``;
    ``state["ax"]`` holds their running average, which starts at step ``t0``. The update is
    written with ember ops, so it runs on every backend.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the rate's decay (default 0.75).
        t0: the step at which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None, *,
                 maximize: bool = False, differentiable: bool = False, capturable: bool = False) -> None:
        check_nonnegative(lr=lr, weight_decay=weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _step_group(self, group: dict) -> None:
        lr, lambd, alpha, t0, wd = group["lr"], group["lambd"], group["alpha"], group["t0"], group["weight_decay"]
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
                    # eta and mu are scalar tensors of the default dtype, as PyTorch keeps them
                    st["step"] = step_tensor()
                    st["eta"] = ember.tensor(float(lr))
                    st["mu"] = ember.ones(())
                    st["ax"] = ember.zeros_like(p)
                step = advance(st)
                if group["maximize"]:
                    g = -g
                if wd != 0:
                    g = g + wd * p
                eta = float(st["eta"])
                p.mul_(1 - lambd * eta)
                p.add_(g, alpha=-eta)
                mu = float(st["mu"])
                if mu != 1:
                    st["ax"].add_((p - st["ax"]) * mu)
                else:
                    st["ax"].copy_(p)
                st["eta"].fill_(lr / (1 + lambd * lr * step) ** alpha)
                st["mu"].fill_(1 / max(1, step - t0))
