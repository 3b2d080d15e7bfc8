"""The derivative rules: one per op, keyed by the op's kernel name.

A rule is a function ``(grad, inputs, output, params) -> grads``, registered with ``@rule``::

    @rule("mul", "MulBackward0")
    def _(grad, inputs, output, params):
        a, b = inputs
        return grad * b, grad * a

- ``grad``: the gradient of the op's output (a Tensor), or for ops with several outputs a
  tuple with one entry per output (None where no gradient flowed).
- ``inputs``: the op's inputs as the dispatcher saw them (tensors and Python scalars). With
  ``save_inputs=False`` the tensors are ``TensorMeta`` stand-ins (shape, dtype, device only),
  so the op's inputs are not kept alive for backward; ``save_inputs=(1,)`` keeps only input 1.
- ``output``: with ``save_output=True``, the op's output (a tuple for multi-output ops), else None.
- ``params``: the kernel's parameter tuple (None for elementwise ops).
- An optional fifth parameter ``needs`` receives a tuple of bools: which inputs need a
  gradient, so a rule can skip expensive work.

A rule returns one gradient per input (a tuple, or a bare Tensor for one-input ops); None for
inputs that get no gradient (Python scalars, integer tensors, indices). The engine sums
broadcast gradients back to each input's shape and casts them to its dtype, so rules do not.
Rules are written with ember ops, so they run on every backend and are differentiable
themselves (double backward).

Every module in this package is imported when ``ember.autograd`` is, so a new op family's
rules go in a new module here (ember-nn's convolution and loss rules live in ``nn_ops.py``).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable

from ember.autograd.node import OpNode

__all__ = ["rule", "RULES", "Rule", "load_all"]


class Rule:
    """A registered derivative: the function, its node name(s) and what it saves."""

    __slots__ = ("op", "fn", "node_name", "save_inputs", "save_output", "uses", "wants_needs", "_node_types")

    def __init__(self, op: str, fn: Callable, node_name, save_inputs, save_output, uses=None) -> None:
        self.op = op
        self.fn = fn
        self.node_name = node_name
        self.save_inputs = save_inputs
        self.save_output = save_output
        self.uses = uses
        self.wants_needs = fn.__code__.co_argcount >= 5
        self._node_types: dict[str, type] = {}

    def node_type(self, inputs, params) -> type:
        """The Node subclass for one recording (its name may depend on the inputs and params)."""
        name = self.node_name if isinstance(self.node_name, str) else self.node_name(inputs, params)
        try:
            return self._node_types[name]
        except KeyError:
            cls = type(name, (OpNode,), {"__slots__": (), "_rule": self, "__module__": "ember.autograd.node"})
            self._node_types[name] = cls
            return cls


RULES: dict[str, Rule] = {}


def rule(op: str, node_name: str | Callable[[tuple, tuple | None], str], *, save_inputs: bool | tuple = True,
         save_output: bool | tuple[int, ...] = False,
         uses: dict[int, tuple[int, ...]] | None = None) -> Callable[[Callable], Callable]:
    """Register the derivative of kernel ``op``; its graph nodes are named ``node_name``.

    Args:
        op: the kernel name the dispatcher records (``"mul"``, ``"sum"``, ``"conv2d"``).
        node_name: PyTorch's name of the backward node (``"MulBackward0"``), or a function
            ``(inputs, params) -> str`` when the name depends on them (``SumBackward0/1``).
        save_inputs: keep the input tensors for backward. Rules that only need shapes and
            dtypes say False and receive ``TensorMeta`` stand-ins; a tuple of input positions
            keeps only those inputs (``(1,)``: the index of ``gather``).
        save_output: keep (a detached alias of) the output for backward; for multi-output ops a
            tuple of output indices keeps (and version-checks) only those, the rest arrive as None.
        uses: which saved inputs the gradient of each input reads, ``{0: (1,), 1: (0,)}`` for
            ``mul``. Only those are checked against in-place changes, so ``y.mul_(2)`` works
            although ``mul`` saved ``y``. Without it every saved input is checked.

    The decorated function is returned unchanged, so decorators can be stacked to share a rule
    between ops.
    """
    if not isinstance(save_inputs, bool):
        save_inputs = tuple(save_inputs)
    def register(fn: Callable) -> Callable:
        RULES[op] = Rule(op, fn, node_name, save_inputs, save_output, uses)
        return fn
    return register


def load_all() -> None:
    """Import every rule module in this package (built in, and added by other distributions)."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
