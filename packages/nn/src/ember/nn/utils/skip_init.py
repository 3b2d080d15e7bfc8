"""``skip_init``: a module whose parameters and buffers are allocated but not initialised."""

from __future__ import annotations

import inspect

import ember
from ember.nn.modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls, *args, **kwargs):
    """Build ``module_cls(*args, **kwargs)`` with uninitialised parameters and buffers (for a caller that
    loads or initialises them itself). The class must take a ``device`` argument.

    ember has no meta device: the module is built on ``device`` and its tensors then replaced by
    uninitialised ones of the same shapes, so the values are arbitrary as in PyTorch, but the construction
    time is not saved.
    """
    if not (inspect.isclass(module_cls) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    module = module_cls(*args, **kwargs)
    with ember.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            tensor.data = ember.empty_like(tensor)
    return module
