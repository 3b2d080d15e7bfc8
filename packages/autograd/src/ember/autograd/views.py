"""In-place ops on views: writing into a view changes its base, so the base's history changes.

After ``base[0].mul_(w)`` (or any in-place op whose target is a view) the base becomes the
output of a ``CopySlices`` node: its gradient outside the view flows to the base's old history,
inside the view to the op that produced the new values. The view's place in the base is
replayed from the chain of view ops that made it (any backend, differentiable), or, when that
chain was not recorded (the base did not require grad), from the NumPy strides (CPU only).
"""

from __future__ import annotations

import numpy as np

from ember import _core
from ember.autograd.node import Node, edge_of, meta_of, set_history
from ember.grad_mode import no_grad

_TensorBase = _core.TensorBase

# view ops and how to replay them on another tensor of the input's shape
_TUPLE_VIEWS = {"split", "unbind"}
VIEW_OPS = {"view", "permute", "transpose", "t", "squeeze", "unsqueeze", "expand", "narrow", "getitem",
            "diagonal", "as_strided", "unfold"} | _TUPLE_VIEWS


def _target_of(t):
    fn = t.grad_fn
    if fn is None:
        return t if t._requires_grad else None
    return fn


def _recorded_chain(view, base):
    """The (op, params, output index) steps from ``base`` to ``view``, if autograd recorded them."""
    steps = []
    node = view.grad_fn
    nr = 0 if view._autograd_meta is None else view._autograd_meta.output_nr
    base_target = _target_of(base)
    while node is not None:
        rule = getattr(node, "_rule", None)
        if rule is None or rule.op not in VIEW_OPS or not node._edges or node._edges[0] is None:
            return None
        steps.append((rule.op, node._params, nr))
        target, nr = node._edges[0]
        if target is base_target:
            return steps[::-1]
        if isinstance(target, _TensorBase):
            return None
        node = target
    return None


def _replay(steps):
    def view_fn(t):
        for op, params, nr in steps:
            if op in _TUPLE_VIEWS:
                t = _core.call(op, (t,), params)[nr]
            else:
                t = _core.call_view(op, t, params)
        return t
    return view_fn


def _strided(view, base):
    """``view``'s place in ``base`` from the CPU arrays' strides: a function on NumPy arrays."""
    b, v = base._data, view._data
    if not isinstance(b, np.ndarray) or not isinstance(v, np.ndarray) or not b.flags.c_contiguous:
        raise RuntimeError(
            "ember.autograd: an in-place operation on a view of a tensor needs the view's history: "
            "create the view after the base requires grad, or do the operation out of place")
    itemsize = b.itemsize
    offset = (v.__array_interface__["data"][0] - b.__array_interface__["data"][0]) // itemsize
    strides = tuple(s // itemsize for s in v.strides)
    shape = v.shape

    def view_of(arr: np.ndarray) -> np.ndarray:
        flat = arr.reshape(-1)[offset:]
        return np.lib.stride_tricks.as_strided(flat, shape, tuple(s * arr.itemsize for s in strides))
    return view_of


class CopySlices(Node):
    """The base's node after an in-place op on one of its views."""

    __slots__ = ("_view_fn", "_np_view", "_inputs")

    def _apply(self, grad, needs, create_graph):
        from ember.ops.creation import ones
        needs = self.needs_of(needs)
        g_base = g_view = None
        if self._view_fn is not None:
            if needs[0]:
                mask = ones(self._inputs[0][0], dtype=grad.dtype, device=grad.device)
                with no_grad():
                    self._view_fn(mask).mul_(0)
                g_base = grad * mask
            if needs[1]:
                g_view = self._view_fn(grad)
        else:
            if create_graph and grad._requires_grad:
                raise RuntimeError(
                    "ember.autograd: double backward through an in-place op on a view of a tensor that did not "
                    "require grad when the view was made is not supported; make the view after the base requires "
                    "grad, or do the operation out of place")
            data = np.ascontiguousarray(grad.detach()._data)
            if needs[0]:
                kept = data.copy()
                self._np_view(kept)[...] = 0
                g_base = _core.create(kept, grad._device)
            if needs[1]:
                g_view = _core.create(self._np_view(data).copy(), grad._device)
        return g_base, g_view


def rebase_view(view, result) -> None:
    """``view`` (of ``base``) was overwritten in place by ``result``: rewrite the base's history."""
    base = view._base
    if base._requires_grad and base.grad_fn is None and _core.is_grad_enabled():
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    steps = _recorded_chain(view, base) if view.grad_fn is not None else None
    node = CopySlices()
    node._hooks = None
    node._n_outputs = 1
    node._view_fn = _replay(steps) if steps is not None else None
    node._np_view = None if steps is not None else _strided(view, base)
    node._edges = (edge_of(base), (result.grad_fn, 0 if result._autograd_meta is None
                                   else result._autograd_meta.output_nr))
    node._inputs = ((base._data.shape, base._dtype, base._device),
                   (result._data.shape, result._dtype, result._device))
    base.grad_fn = node
    base._requires_grad = True
    if base._autograd_meta is not None and base._autograd_meta.output_nr:
        meta_of(base).output_nr = 0
    # the view now reads the new base: its history is the base's, seen through the view
    if node._view_fn is not None:
        alias = _core.create(base._data, base._device)
        alias._requires_grad = True
        alias.grad_fn = node
        prev = _core.is_grad_enabled()
        _core._set_grad_enabled(True)
        try:
            replayed = node._view_fn(alias)
        finally:
            _core._set_grad_enabled(prev)
        set_history(view, replayed)
    else:
        set_history(view, result)
