"""Tensor hooks: ``register_hook``, ``retain_grad`` and post-accumulate hooks on leaves.

Hooks of a leaf live in its ``_autograd_meta``; hooks of a non-leaf live on its ``grad_fn``
(by output index), where the engine runs them before the node.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable

from ember.autograd.node import RemovableHandle, add_hook, meta_of


def _output_nr(t) -> int:
    return 0 if t._autograd_meta is None else t._autograd_meta.output_nr


def register_hook(t, hook: Callable) -> RemovableHandle:
    """Run ``hook(grad)`` each time the gradient of ``t`` is computed; a non-None return value
    replaces the gradient. Returns a handle whose ``remove()`` takes the hook out."""
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t.grad_fn is None:
        m = meta_of(t)
        if m.hooks is None:
            m.hooks = OrderedDict()
        return add_hook(m.hooks, hook)
    return add_hook(t.grad_fn._tensor_hook_dict(_output_nr(t)), hook)


def register_post_accumulate_grad_hook(t, hook: Callable) -> RemovableHandle:
    """Run ``hook(t)`` after the gradient of leaf ``t`` was accumulated into ``t.grad``."""
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    m = meta_of(t)
    if m.post_accumulate is None:
        m.post_accumulate = OrderedDict()
    return add_hook(m.post_accumulate, hook)


def retain_grad(t) -> None:
    """Let non-leaf ``t`` keep its gradient in ``.grad`` (a no-op on leaves)."""
    if not t.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if t.grad_fn is None:
        return
    t.grad_fn._hookset().retain[_output_nr(t)] = weakref.ref(t)


def retains_grad(t) -> bool:
    """True for a non-leaf on which ``retain_grad()`` was called."""
    fn = t.grad_fn
    if fn is None or fn._hooks is None:
        return False
    ref = fn._hooks.retain.get(_output_nr(t))
    return ref is not None and ref() is t


__all__ = ["register_hook", "register_post_accumulate_grad_hook", "retain_grad", "retains_grad",
           "RemovableHandle"]
