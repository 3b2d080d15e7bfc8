"""``Optimizer``: parameter groups, per-parameter state, and checkpoints of both."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable

import numpy as np

import ember
from ember import _core
from ember.optim.hyperparameters import check_implementation


class _RequiredParameter:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers.

    Args:
        params: an iterable of tensors, or of dicts (parameter groups) each with a
            ``"params"`` entry and per-group options that override ``defaults``.
        defaults: the default options of every group.

    The implementation switches of PyTorch's optimizers are accepted where ember can be honest
    about them: ``foreach`` (any value: ember picks its own kernels, the update is the same),
    ``fused``, ``capturable`` and ``differentiable`` (``False``/``None`` only; ``True`` raises
    ``NotImplementedError``), in the constructor and in ``add_param_group`` alike.
    """

    # state entries that have their parameter's shape; ``load_state_dict`` checks them (an
    # optimizer whose state has other names or shapes overrides this)
    _param_shaped_state = frozenset({"momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "square_avg",
                                     "grad_avg", "sum", "acc_delta", "exp_inf"})

    def __init__(self, params: Iterable, defaults: dict) -> None:
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, _core.TensorBase):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (e.g. a new layer when fine-tuning)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, _core.TensorBase):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            param_group["params"] = list(params)
        for p in param_group["params"]:
            if not isinstance(p, _core.TensorBase):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        check_implementation(param_group.get("foreach"), param_group.get("fused"), param_group.get("capturable"),
                             param_group.get("differentiable"))
        if len({id(p) for p in param_group["params"]}) != len(param_group["params"]):
            raise ValueError("optimizer contains a parameter group with duplicate parameters")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in seen for p in param_group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None by default, which is cheaper)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.detach_()
                        p.grad.zero_()

    def step(self, closure=None):
        """Update the parameters once from their ``.grad``; ``closure`` re-evaluates the loss."""
        loss = None
        if closure is not None:
            with ember.enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group: dict) -> None:
        """Update the group's parameters that have a gradient, one ``_update`` each (optimizers
        with a group kernel override this to update them all in one call)."""
        state = self.state
        for p in group["params"]:
            g = p._grad
            if g is not None:
                check_grad(p, g)
                self._update(p, g, state[p], group)

    def _update(self, param, grad, state: dict, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _update")

    # -- checkpoints --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``{"state": {index: state}, "param_groups": [...]}``; parameters are numbered by their
        position across groups, so the dict does not depend on tensor identity."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: s for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict`` returned; training resumes exactly where it stopped."""
        state_dict = copy.deepcopy(state_dict)
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for ours, theirs in zip(self.param_groups, saved_groups):
            if len(ours["params"]) != len(theirs["params"]):
                raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                                 "optimizer's group")
        by_index = {}
        for ours, theirs in zip(self.param_groups, saved_groups):
            for p, i in zip(ours["params"], theirs["params"]):
                by_index[i] = p
        state = defaultdict(dict)
        for i, s in state_dict["state"].items():
            if i not in by_index:
                continue
            p = by_index[i]
            state[p] = {k: self._check_loaded_state(i, k, _match_param(k, v, p), p) for k, v in s.items()}
        self.state = state
        for ours, theirs in zip(self.param_groups, saved_groups):
            theirs["params"] = ours["params"]
        self.param_groups = saved_groups

    def _check_loaded_state(self, index: int, key: str, value, param):
        """Refuse a loaded state entry that the update kernels could not use with ``param``: a
        buffer of another shape would be read and written past its end by a fused kernel."""
        if key == "step":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = ember.tensor(float(value))   # checkpoints that kept the step as a number
            elif not isinstance(value, _core.TensorBase) or value.numel() != 1:
                raise ValueError(f"loaded state dict has a 'step' for parameter {index} that is not a number or a "
                                 f"one-element tensor: {_describe(value)}")
            return value
        if key not in self._param_shaped_state or value is None:
            return value
        if not isinstance(value, _core.TensorBase):
            raise ValueError(f"loaded state dict has a '{key}' for parameter {index} that is not a tensor: "
                             f"{_describe(value)}")
        if value._data.shape != param._data.shape:
            raise ValueError(f"loaded state dict has a '{key}' of shape {list(value.shape)} for parameter {index} "
                             f"of shape {list(param.shape)}: it was saved for a different model (or the parameters "
                             f"are in another order)")
        return value

    def __getstate__(self) -> dict:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _match_param(key: str, value, param):
    """State tensors follow their parameter's device and (floating) dtype; ``step`` stays as is."""
    if not isinstance(value, _core.TensorBase) or key == "step":
        return value
    return value.to(device=param.device, dtype=param.dtype if value.dtype.is_floating_point else value.dtype)


def _describe(value) -> str:
    if isinstance(value, _core.TensorBase):
        return f"a tensor of shape {list(value.shape)}"
    return f"a {type(value).__name__}"


def check_grad(param, grad) -> None:
    if grad._data.shape != param._data.shape:
        raise RuntimeError(f"gradient of shape {list(grad.shape)} does not match its parameter of shape "
                           f"{list(param.shape)}")


def check_state(param, buffers) -> None:
    """Refuse state buffers that do not match ``param`` in shape and device: the fused update
    kernels walk the parameter's length through every buffer."""
    shape, dev = param._data.shape, param._device
    for b in buffers:
        if not isinstance(b, _core.TensorBase):
            raise RuntimeError(f"optimizer state for a parameter of shape {list(param.shape)} holds {_describe(b)} "
                               f"where a tensor belongs")
        if b._data.shape != shape:
            raise RuntimeError(f"optimizer state of shape {list(b.shape)} does not match its parameter of shape "
                               f"{list(param.shape)} (was the state loaded from another model?)")
        if b._device is not dev:
            raise RuntimeError(f"optimizer state on {b._device} does not match its parameter on {dev}")


def step_tensor():
    """The ``step`` counter kept as a 0-d float32 tensor, as PyTorch keeps it."""
    return ember.zeros(())


def advance(state: dict) -> int:
    """Increment ``state["step"]`` in place; returns the new step number."""
    step = state["step"]
    data = step._data
    if step._device.type == "cpu" and data.flags.writeable:  # the usual CPU counter: no dispatch
        data += 1
        step._bump_version()
        return int(data)
    step.add_(1)
    return int(step.item())


def run_update(kernel: str, tensors: list, *args) -> None:
    """Apply the fused update ``kernel`` to ``tensors`` (param, grad, state buffers) in place.

    On the CPU the Cython kernel works on the flat arrays directly. Other layouts and
    backends without the kernel run it on host copies and write the results back.
    """
    param, grad = tensors[0], tensors[1]
    check_state(param, tensors[2:])
    fused = param._device._kernels.get(kernel)
    if param._device.type == "cpu":
        arrays = [t._data for t in tensors]
        dt = arrays[0].dtype
        if dt in (np.float32, np.float64) and all(a.dtype == dt and a.flags.c_contiguous
                                                  for i, a in enumerate(arrays) if i != 1):
            arrays[1] = np.ascontiguousarray(arrays[1], dtype=dt)  # the gradient is only read
            fused(*[a.reshape(-1) for a in arrays], *args)
            for t in {id(t): t for t in tensors if t is not grad}.values():
                t._bump_version()
            return
    elif fused is not None and all(t.is_contiguous() for t in tensors if t is not grad):
        # the backend's own kernel, on flat views (writes land in the tensors)
        flat = [(t.contiguous() if t is grad else t).reshape(-1)._data for t in tensors]
        fused(*flat, *args)
        for t in {id(t): t for t in tensors if t is not grad}.values():
            t._bump_version()
        return
    _run_on_host(kernel, tensors, args)


def _run_on_host(kernel: str, tensors: list, args: tuple) -> None:
    from ember.backends.registry import registry
    work = np.float64 if tensors[0].dtype is ember.float64 else np.float32
    host = [np.ascontiguousarray(t.detach().cpu().numpy(), dtype=work).reshape(-1) for t in tensors]
    registry.cpu._kernels[kernel](*host, *args)
    written = {id(tensors[1])}  # the gradient is read, never written; a repeated tensor is a placeholder
    for t, h in zip(tensors, host):
        if id(t) not in written:
            written.add(id(t))
            with ember.no_grad():
                t.copy_(ember.from_numpy(h.reshape(tuple(t.shape))))
