"""The recorder ember-autograd installs in core's dispatcher: it turns each op into a node.

``record`` runs after every kernel whose inputs require grad while grad mode is on, so it is
kept short: look up the rule, make the node, link the edges, save what the rule asked for.
"""

from __future__ import annotations

from ember import _core
from ember.autograd.anomaly_state import remember_forward
from ember.autograd.node import OpNode, detached_alias, edge_of, meta_of, set_history, version_of
from ember.autograd.rules import RULES, Rule
from ember.autograd.views import rebase_view

_TensorBase = _core.TensorBase
_VersionCounter = _core.VersionCounter


_MISSING: dict[str, Rule] = {}   # stand-in rules of ops without one (kept out of RULES)


def _not_implemented(name: str) -> Rule:
    rule = _MISSING.get(name)
    if rule is None:
        def fn(grad, inputs, output, params):
            raise RuntimeError(f"the derivative for '{name}' is not implemented.")
        rule = _MISSING[name] = Rule(name, fn, "NotImplemented", False, False)
    return rule


def _make_node(name: str, inputs: tuple, params):
    """A node of op ``name`` with its edges and saved inputs (its output is saved by the caller)."""
    rule = RULES.get(name)
    if rule is None:
        rule = _not_implemented(name)
    name_ = rule.node_name
    cls = rule._node_types.get(name_) if type(name_) is str else None
    if cls is None:
        cls = rule.node_type(inputs, params)
    node = cls()
    edges = []
    keep = rule.save_inputs
    if keep is True:
        versions = []
        for t in inputs:
            if isinstance(t, _TensorBase):
                vc = t._version_counter
                versions.append(0 if vc is None else vc.value)
                edges.append(edge_of(t))
            else:
                versions.append(None)
                edges.append(None)
        node._inputs = inputs
        node._versions = versions
    elif keep is False:
        saved = []
        for t in inputs:
            if isinstance(t, _TensorBase):
                saved.append((t._data.shape, t._dtype, t._device, t._requires_grad))
                edges.append(edge_of(t))
            else:
                saved.append(t)
                edges.append(None)
        node._inputs = saved
        node._versions = None
    else:
        saved, versions = [], []
        for i, t in enumerate(inputs):
            if isinstance(t, _TensorBase):
                if i in keep:
                    vc = t._version_counter
                    versions.append(0 if vc is None else vc.value)
                    saved.append(t)
                else:
                    versions.append(None)
                    saved.append((t._data.shape, t._dtype, t._device, t._requires_grad))
                edges.append(edge_of(t))
            else:
                versions.append(None)
                saved.append(t)
                edges.append(None)
        node._inputs = saved
        node._versions = versions
    node._edges = edges
    node._params = params
    node._released = False
    node._hooks = None
    return node, rule


class Recorder:
    """Installed with ``ember._core.set_recorder``; see ``ember/_core.pyx``."""

    def record(self, name: str, inputs: tuple, outputs, params) -> None:
        if type(outputs) is tuple:
            return self._record_multi(name, inputs, outputs, params)
        if not outputs._dtype.is_floating_point:
            return  # integer and bool results never require grad
        node, rule = _make_node(name, inputs, params)
        node._n_outputs = 1
        if rule.save_output:
            vc = outputs._version_counter
            if vc is None:
                vc = outputs._version_counter = _VersionCounter()
            alias = _core.create(outputs._data, outputs._device)
            alias._version_counter = vc
            node._output = alias
            node._out_version = vc.value
        else:
            node._output = None
        outputs._requires_grad = True
        outputs.grad_fn = node

    def _record_multi(self, name, inputs, outputs, params) -> None:
        if not any(o._dtype.is_floating_point for o in outputs):
            return
        node, rule = _make_node(name, inputs, params)
        node._n_outputs = len(outputs)
        if rule.save_output:
            keep = rule.save_output if type(rule.save_output) is tuple else range(len(outputs))
            aliases = tuple(detached_alias(o) if i in keep else None for i, o in enumerate(outputs))
            node._output = aliases
            node._out_version = tuple(None if a is None else a._version_counter.value for a in aliases)
        else:
            node._output = None
        for i, o in enumerate(outputs):
            if o._dtype.is_floating_point:
                o._requires_grad = True
                o.grad_fn = node
                if i:
                    meta_of(o).output_nr = i

    def rebase(self, tensor, result) -> None:
        """``tensor`` was overwritten in place by ``result``: it takes over result's history."""
        _unalias_saved(result.grad_fn, tensor)
        if tensor._base is not None:
            rebase_view(tensor, result)
            return
        set_history(tensor, result)


def _unalias_saved(node, tensor) -> None:
    """If ``node`` saved ``tensor`` itself as an input, keep something else: ``tensor`` is about to
    become the node's output and must not hold its own node in a reference cycle.

    Called before the in-place write (``tensor`` still at the version the node recorded), the
    saved input becomes a copy of the old values with the old history, so backward works as in
    PyTorch; called after it, a detached alias, which the version check refuses to use.
    """
    inputs = getattr(node, "_inputs", None)
    if not isinstance(node, OpNode) or inputs is None or not any(x is tensor for x in inputs):
        return
    versions = node._versions
    saved = list(inputs)
    for i, x in enumerate(inputs):
        if x is not tensor:
            continue
        if versions is not None and versions[i] is not None and version_of(tensor) == versions[i]:
            saved[i] = _snapshot(tensor)
            versions[i] = 0
        else:
            saved[i] = detached_alias(tensor)
    node._inputs = tuple(saved) if isinstance(inputs, tuple) else saved


def _snapshot(t):
    """A copy of ``t``'s values that stands for ``t`` as it is now in the graph."""
    snap = _core.create(t._device._kernels["clone"](t._data), t._device)
    snap._requires_grad = t._requires_grad
    snap.grad_fn = t.grad_fn
    if t._autograd_meta is not None and t._autograd_meta.output_nr:
        meta_of(snap).output_nr = t._autograd_meta.output_nr
    return snap


class AnomalyRecorder(Recorder):
    """The recorder while anomaly detection is on: it also keeps each node's forward stack."""

    def record(self, name: str, inputs: tuple, outputs, params) -> None:
        super().record(name, inputs, outputs, params)
        for o in outputs if type(outputs) is tuple else (outputs,):
            if o.grad_fn is not None:
                remember_forward(o.grad_fn)
                break


__all__ = ["Recorder", "AnomalyRecorder", "set_history", "OpNode"]
