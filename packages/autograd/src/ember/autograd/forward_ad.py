"""``forward_ad``: forward-mode derivatives with dual tensors (``torch.autograd.forward_ad``).

ember's autograd records reverse-mode graphs only, so a dual tensor here is the primal made a graph input
with its tangent kept aside; ``unpack_dual`` of a result computes its tangent J v from the recorded graph
by the double-vjp identity: with g(u) = J^T u (differentiable in u), J v = d/du (g(u) . v). The rules are
written with ember ops, so g is differentiable and every op with a reverse rule has a forward derivative.
Costs: two reverse passes per ``unpack_dual``, and dual computations must run with grad mode on.
"""

from __future__ import annotations

from collections import namedtuple

from ember._core import TensorBase, is_grad_enabled
from ember.autograd.gradients import grad
from ember.ops.creation import zeros_like

__all__ = ["dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual", "UnpackedDualTensor"]

UnpackedDualTensor = namedtuple("UnpackedDualTensor", ["primal", "tangent"])

_levels: list[dict] = []   # per open level: id(dual) -> (dual, tangent)


def enter_dual_level() -> int:
    """Open a new (nested) dual level and return its index."""
    _levels.append({})
    return len(_levels) - 1


def exit_dual_level(*, level: int | None = None) -> None:
    """Close the innermost dual level (its dual tensors become ordinary tensors)."""
    if not _levels:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one entered.")
    if level is not None and level != len(_levels) - 1:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one entered.")
    _levels.pop()


class dual_level:
    """A context in which dual tensors can be made and unpacked::

        with forward_ad.dual_level():
            x = forward_ad.make_dual(primal, tangent)
            y = f(x)
            jvp = forward_ad.unpack_dual(y).tangent
    """

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc) -> None:
        exit_dual_level()


def _level(level):
    if not _levels:
        raise RuntimeError("make_dual and unpack_dual need a dual level: use `with forward_ad.dual_level():`")
    return _levels[-1 if level is None else level]


def make_dual(tensor, tangent, *, level: int | None = None):
    """``tensor`` carrying the tangent ``tangent`` (same shape and dtype) for forward-mode derivatives."""
    duals = _level(level)
    if not isinstance(tensor, TensorBase) or not isinstance(tangent, TensorBase):
        raise TypeError("make_dual expects tensors for both the primal and the tangent")
    if tuple(tangent.shape) != tuple(tensor.shape):
        raise RuntimeError(f"Trying to set a forward gradient that has a different size than that of the original "
                           f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the given "
                           f"forward gradient is of size {list(tangent.shape)}.")
    if not tensor.dtype.is_floating_point:
        raise ValueError(f"Expected primal to be floating point, but got {tensor.dtype}")
    if not is_grad_enabled():
        raise RuntimeError("ember's forward AD records the computation with reverse-mode autograd: make dual "
                           "tensors outside no_grad()")
    dual = tensor.view_as(tensor) if tensor.requires_grad else tensor.detach().requires_grad_(True)
    duals[id(dual)] = (dual, tangent.detach().to(tensor.dtype))
    return dual


def unpack_dual(tensor, *, level: int | None = None) -> UnpackedDualTensor:
    """``(primal, tangent)`` of ``tensor``: its value and its forward derivative with respect to the dual
    tensors of the level (None if it depends on none)."""
    duals = _level(level)
    if id(tensor) in duals and duals[id(tensor)][0] is tensor:
        return UnpackedDualTensor(tensor.detach(), duals[id(tensor)][1])
    live = [(d, t) for d, t in duals.values()]
    if not isinstance(tensor, TensorBase) or not tensor.requires_grad or not live:
        return UnpackedDualTensor(tensor.detach() if isinstance(tensor, TensorBase) else tensor, None)
    u = zeros_like(tensor).requires_grad_(True)
    pulled = grad(tensor, [d for d, _ in live], grad_outputs=u, create_graph=True, allow_unused=True)
    terms = [(g * t).sum() for g, (_, t) in zip(pulled, live) if g is not None]
    if not terms:
        return UnpackedDualTensor(tensor.detach(), None)
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    if not total.requires_grad:   # the result is linear in u only through constants: a zero tangent
        return UnpackedDualTensor(tensor.detach(), zeros_like(tensor))
    (tangent,) = grad(total, u, allow_unused=True)
    return UnpackedDualTensor(tensor.detach(), zeros_like(tensor) if tangent is None else tangent.detach())
