"""Hook handles, and the machinery behind ``Module.register_full_backward_hook``."""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any

from ember import _core

__all__ = ["RemovableHandle", "BackwardHook"]


class RemovableHandle:
    """A handle that removes the hook it was returned for: ``handle.remove()``.

    Also a context manager: the hook is removed on exit.

    Args:
        hooks_dict: the dict of hooks, keyed by handle id.
        extra_dict: a dict, or list of dicts, whose entry for this id is removed as well.
    """

    id: int
    next_id: int = 0

    def __init__(self, hooks_dict: Any, *, extra_dict: Any = None) -> None:
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = RemovableHandle.next_id
        RemovableHandle.next_id += 1
        extras = [extra_dict] if isinstance(extra_dict, dict) else list(extra_dict or ())
        self.extra_dict_ref = tuple(weakref.ref(d) for d in extras)

    def remove(self) -> None:
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            d = ref()
            if d is not None and self.id in d:
                del d[self.id]

    def __getstate__(self):
        return (self.hooks_dict_ref(), self.id, tuple(ref() for ref in self.extra_dict_ref))

    def __setstate__(self, state) -> None:
        self.hooks_dict_ref = weakref.ref(OrderedDict() if state[0] is None else state[0])
        self.id = state[1]
        RemovableHandle.next_id = max(RemovableHandle.next_id, self.id + 1)
        self.extra_dict_ref = tuple(weakref.ref(d) for d in state[2] if d is not None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def _tensors(values) -> list[int]:
    return [i for i, v in enumerate(values) if isinstance(v, _core.TensorBase)]


class BackwardHook:
    """Calls a module's full backward hooks once the gradients of its inputs are known.

    The module's tensor inputs and outputs pass through identity autograd functions: the one
    on the outputs catches ``grad_output`` (and runs backward pre-hooks, which may replace
    it), the one on the inputs catches ``grad_input`` and runs the hooks, which may replace
    it. When no input requires grad, the hooks run at the outputs with ``grad_input`` all None.
    """

    def __init__(self, module, user_hooks, user_pre_hooks) -> None:
        self.module = module
        self.user_hooks = user_hooks
        self.user_pre_hooks = user_pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_index: list[int] = []
        self.inputs_need_grad = False

    def _identity(self, tensors, on_backward):
        from ember.autograd import Function

        class BackwardHookFunction(Function):
            @staticmethod
            def forward(ctx, *args):
                ctx.mark_non_differentiable(*[a for a in args if not a.requires_grad])
                return tuple(a.view_as(a) for a in args)

            @staticmethod
            def backward(ctx, *grads):
                result = on_backward(grads)
                return result if result is not None else grads

        out = BackwardHookFunction.apply(*tensors)
        return out if isinstance(out, tuple) else (out,)

    def _run_hooks(self, grad_inputs):
        for hook in self.user_hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is None:
                continue
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(grad_inputs):
                raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got "
                                   f"{len(result)}, but expected {len(grad_inputs)}")
            grad_inputs = result
        return grad_inputs

    def setup_input_hook(self, args):
        """Route the module's tensor inputs through an identity whose backward runs the hooks."""
        self.n_inputs = len(args)
        self.input_index = [i for i in _tensors(args) if args[i].requires_grad]
        self.inputs_need_grad = bool(self.input_index) and _core.is_grad_enabled()
        if not self.inputs_need_grad or not self.user_hooks:
            return args

        def on_backward(grads):
            full = [None] * self.n_inputs
            for i, g in zip(self.input_index, grads):
                full[i] = g
            full = self._run_hooks(tuple(full))
            self.grad_outputs = None
            return tuple(full[i] for i in self.input_index)

        wrapped = self._identity([args[i] for i in self.input_index], on_backward)
        args = list(args)
        for i, t in zip(self.input_index, wrapped):
            args[i] = t
        return tuple(args)

    def setup_output_hook(self, result):
        """Route the module's tensor outputs through an identity that catches ``grad_output``."""
        single = isinstance(result, _core.TensorBase)
        outputs = (result,) if single else result
        if not isinstance(outputs, tuple):
            return result
        index = [i for i in _tensors(outputs) if outputs[i].requires_grad]
        if not index or not _core.is_grad_enabled():
            return result
        n = len(outputs)

        def on_backward(grads):
            full = [None] * n
            for i, g in zip(index, grads):
                full[i] = g
            full = tuple(full)
            for hook in self.user_pre_hooks:
                new = hook(self.module, full)
                if new is not None:
                    new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
                    if len(new) != len(full):
                        raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, "
                                           f"got {len(new)}, but expected {len(full)}")
                    full = new
            self.grad_outputs = full
            if not self.inputs_need_grad:
                self._run_hooks((None,) * self.n_inputs)
                self.grad_outputs = None
            return tuple(full[i] for i in index)

        wrapped = self._identity([outputs[i] for i in index], on_backward)
        outputs = list(outputs)
        for i, t in zip(index, wrapped):
            outputs[i] = t
        return outputs[0] if single else tuple(outputs)
