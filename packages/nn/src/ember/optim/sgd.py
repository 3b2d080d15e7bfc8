"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

import ember
from ember.optim._group import GroupUpdate
from ember.optim.hyperparameters import check_nonnegative
from ember.optim.optimizer import Optimizer, check_grad, required, run_update


class SGD(Optimizer):
    """Implements stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    Args:
        params: tensors or parameter groups to optimize.
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening of momentum (default 0).
        weight_decay: L2 penalty (default 0).
        nesterov: use Nesterov momentum (default False).
        maximize: maximize the objective instead of minimizing (default False).

    Example::

        >>> optimizer = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> optimizer.zero_grad(); loss_fn(model(x), y).backward(); optimizer.step()
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None) -> None:
        if lr is not required:
            check_nonnegative(lr=lr)
        check_nonnegative(momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def _step_group(self, group) -> None:
        momentum = group["momentum"]
        args = (group["lr"], momentum, group["dampening"], group["weight_decay"], group["nesterov"],
                group["maximize"])
        later, first = GroupUpdate(), GroupUpdate()  # first: the momentum buffer starts as the gradient
        state = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            check_grad(p, g)
            st = state[p]
            new = False
            if momentum != 0:
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = st["momentum_buffer"] = ember.zeros_like(p)
                    new = True
            else:
                st.setdefault("momentum_buffer", None)
                buf = p  # not touched when momentum == 0
            if not (first if new else later).add(p, g, (buf,)):
                run_update("sgd_step", [p, g, buf], new, *args)
        later.run("sgd_group", False, *args)
        first.run("sgd_group", True, *args)
