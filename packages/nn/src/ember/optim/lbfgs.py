"""L-BFGS: a limited-memory quasi-Newton method (Nocedal & Wright, Numerical Optimization, ch. 7)."""

from __future__ import annotations

import numpy as np

import ember
from ember.optim.hyperparameters import check_nonnegative
from ember.optim.line_search import strong_wolfe
from ember.optim.optimizer import Optimizer

_CURVATURE_MIN = 1e-10  # pairs with s.y at or below this would make the inverse Hessian indefinite


class LBFGS(Optimizer):
    """Implements L-BFGS, as ``torch.optim.LBFGS``.

    Each ``step(closure)`` runs up to ``max_iter`` iterations: the two-loop recursion over the
    last ``history_size`` curvature pairs gives a direction, then either a fixed step ``lr``
    (the first iteration's scaled by the gradient's L1 norm) or a strong Wolfe line search.
    The vector arithmetic runs on host NumPy copies of the flattened parameters, in their dtype.

    Args:
        params: the tensors to optimize (one parameter group only).
        lr: step length (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure evaluations per ``step`` (default ``max_iter * 5 // 4``).
        tolerance_grad: stop when the gradient's largest entry is at most this (default 1e-7).
        tolerance_change: stop when the loss or the step changes less than this (default 1e-9).
        history_size: curvature pairs kept (default 100).
        line_search_fn: ``None`` or ``"strong_wolfe"``.

    Example::

        >>> opt = ember.optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = loss_fn(model(x), y)
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure)
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if isinstance(lr, ember.Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        check_nonnegative(lr=lr)
        if not isinstance(max_iter, int) or max_iter < 1:
            raise ValueError(f"Invalid max_iter: {max_iter} (expected a positive integer)")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if not isinstance(history_size, int) or history_size < 1:
            raise ValueError(f"Invalid history_size: {history_size} (expected a positive integer)")
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError(f"only 'strong_wolfe' is supported as line_search_fn, got {line_search_fn!r}")
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self._params = self.param_groups[0]["params"]

    # -- flat views of the parameters ----------------------------------------------------------
    def _dtype(self):
        return self._params[0].detach().cpu().numpy().dtype

    def _flat_params(self) -> np.ndarray:
        return np.concatenate([p.detach().cpu().numpy().reshape(-1) for p in self._params]).astype(self._dtype())

    def _flat_grad(self) -> np.ndarray:
        parts = []
        for p in self._params:
            g = p.grad
            parts.append(np.zeros(p.numel(), self._dtype()) if g is None else g.detach().cpu().numpy().reshape(-1))
        return np.concatenate(parts).astype(self._dtype(), copy=False)

    def _set_params(self, flat: np.ndarray) -> None:
        offset = 0
        with ember.no_grad():
            for p in self._params:
                n = p.numel()
                p.copy_(ember.from_numpy(np.ascontiguousarray(flat[offset:offset + n]).reshape(tuple(p.shape))))
                offset += n

    def _evaluate(self, closure) -> float:
        with ember.enable_grad():
            return float(closure())

    # -- the state, kept as tensors so that state_dict/load_state_dict and ember.save work -----
    def _load(self, state: dict) -> dict:
        def host(t):
            return None if t is None else t.detach().cpu().numpy().reshape(-1).copy()
        return {
            "d": host(state.get("d")),
            "t": state.get("t"),
            "old_dirs": [host(v) for v in state.get("old_dirs", [])],
            "old_stps": [host(v) for v in state.get("old_stps", [])],
            "ro": [float(v) for v in state.get("ro", [])],
            "H_diag": float(state["H_diag"]) if "H_diag" in state else 1.0,
            "prev_flat_grad": host(state.get("prev_flat_grad")),
            "prev_loss": state.get("prev_loss"),
        }

    def _store(self, state: dict, mem: dict) -> None:
        def tensor(a):
            return None if a is None else ember.from_numpy(np.array(a))
        state["d"] = tensor(mem["d"])
        state["t"] = mem["t"]
        state["old_dirs"] = [tensor(v) for v in mem["old_dirs"]]
        state["old_stps"] = [tensor(v) for v in mem["old_stps"]]
        state["ro"] = [tensor(np.asarray(v, self._dtype())) for v in mem["ro"]]
        state["H_diag"] = tensor(np.asarray(mem["H_diag"], self._dtype()))
        state["prev_flat_grad"] = tensor(mem["prev_flat_grad"])
        state["prev_loss"] = mem["prev_loss"]
        state["al"] = [None if a is None else tensor(np.asarray(a, self._dtype())) for a in mem.get("al", [])]

    # -- the iteration ---------------------------------------------------------------------------
    def _direction(self, g: np.ndarray, mem: dict) -> np.ndarray:
        """``-H g`` by the two-loop recursion (N&W Algorithm 7.4), with ``H0 = H_diag * I``."""
        s_list, y_list, rho = mem["old_stps"], mem["old_dirs"], mem["ro"]
        q = -g
        alpha = [None] * len(s_list)
        for i in reversed(range(len(s_list))):
            alpha[i] = rho[i] * float(s_list[i] @ q)
            q = q - alpha[i] * y_list[i]
        r = q * mem["H_diag"]
        for i in range(len(s_list)):
            beta = rho[i] * float(y_list[i] @ r)
            r = r + (alpha[i] - beta) * s_list[i]
        mem["al"] = alpha
        return r.astype(g.dtype, copy=False)

    def _remember(self, s: np.ndarray, y: np.ndarray, mem: dict, history_size: int) -> None:
        """Keep the pair ``(s, y)`` if it has positive curvature, dropping the oldest beyond the history."""
        ys = float(y @ s)
        if ys > _CURVATURE_MIN:
            if len(mem["old_dirs"]) == history_size:
                for key in ("old_dirs", "old_stps", "ro"):
                    mem[key].pop(0)
            mem["old_dirs"].append(y)
            mem["old_stps"].append(s)
            mem["ro"].append(1.0 / ys)
            mem["H_diag"] = ys / float(y @ y)  # N&W eq. 7.20

    def step(self, closure):
        """Run up to ``max_iter`` iterations; ``closure`` clears the gradients, computes the loss,
        calls ``backward`` and returns the loss. Returns the loss from the first evaluation."""
        if closure is None or not callable(closure):
            raise RuntimeError("LBFGS.step requires a closure that reevaluates the model and returns the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = float(group["lr"]), group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search = group["history_size"], group["line_search_fn"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with ember.enable_grad():
            first_loss = closure()
        loss = float(first_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return first_loss

        mem = self._load(state)
        d, t = mem["d"], mem["t"]
        prev_g, prev_loss = mem["prev_flat_grad"], mem["prev_loss"]
        it = 0
        while it < max_iter:
            it += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -g
                mem.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
            else:
                self._remember(d * t, g - prev_g, mem, history_size)
                d = self._direction(g, mem)
            prev_g, prev_loss = g.copy(), loss
            # the first step ever is scaled so that it moves the parameters by at most lr (in L1)
            t = min(1.0, 1.0 / float(np.abs(g).sum())) * lr if state["n_iter"] == 1 else lr
            slope = float(g @ d)
            if slope > -tol_change:  # not a descent direction (to working precision)
                break

            if line_search == "strong_wolfe":
                x0 = self._flat_params()

                def evaluate(step, x0=x0, d=d):
                    self._set_params(x0 + (step * d).astype(x0.dtype, copy=False))
                    return self._evaluate(closure), self._flat_grad()

                # the search may spend what is left of this step's evaluation budget
                loss, g, t, trials = strong_wolfe(evaluate, loss, g, d, t, tol_change, max_eval - evals)
                self._set_params(x0 + (t * d).astype(x0.dtype, copy=False))
            else:
                self._set_params(self._flat_params() + (t * d).astype(g.dtype, copy=False))
                trials = 0
                if it != max_iter:  # the last iteration's loss is the next step's first evaluation
                    loss = self._evaluate(closure)
                    g = self._flat_grad()
                    trials = 1
            evals += trials
            state["func_evals"] += trials

            if it == max_iter or evals >= max_eval:
                break
            if np.abs(g).max() <= tol_grad:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        mem.update(d=d, t=t, prev_flat_grad=prev_g, prev_loss=prev_loss)
        self._store(state, mem)
        return first_loss
