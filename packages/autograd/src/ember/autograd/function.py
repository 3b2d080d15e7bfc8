"""``ember.autograd.Function``: ops with a hand-written backward, as in ``torch.autograd.Function``.

The ``ctx`` a ``forward`` receives is the graph node itself (``<MyFnBackward>``), as in
PyTorch, so whatever ``forward`` stores on it is there in ``backward``.
"""

from __future__ import annotations

import functools
from typing import Any

from ember import _core
from ember.autograd import anomaly_state
from ember.autograd.node import (
    SECOND_BACKWARD,
    Node,
    OpNode,
    attach_output,
    check_version,
    detached_alias,
    edge_of,
    meta_of,
    version_of,
)
from ember.grad_mode import no_grad

_TensorBase = _core.TensorBase


class FunctionCtx:
    """What ``forward`` can tell ``backward`` through ``ctx``."""

    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` (or None) for ``backward``; read them back from ``ctx.saved_tensors``.
        Version checks catch an in-place change made to them in between."""
        for t in tensors:
            if t is not None and not isinstance(t, _TensorBase):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self.to_save = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that have no gradient (indices, masks): they will not require grad."""
        self.non_differentiable = tensors

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs that ``forward`` modified in place (and returns)."""
        self.dirty_tensors = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, ``backward`` receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = value


class BackwardFunction(Node, FunctionCtx):
    """The node of one ``Function.apply`` call; also its ``ctx``."""

    _forward_cls: type = None
    materialize_grads = True
    to_save: tuple = ()
    non_differentiable: tuple = ()
    dirty_tensors: tuple = ()

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked against in-place changes."""
        saved = self.__dict__.get("_saved")
        if saved is None:
            if self.__dict__.get("_released"):
                raise RuntimeError(SECOND_BACKWARD)
            return tuple(self.to_save)  # inside forward, or nothing recorded
        out = []
        for t, version, output_nr in saved:
            if t is None:
                out.append(None)
                continue
            if version_of(t) != version:
                check_version(t, version)
            if output_nr is not None and _core.is_grad_enabled() and t._dtype.is_floating_point:
                t = attach_output(self, t, output_nr)
            out.append(t)
        return tuple(out)

    def name(self) -> str:
        return type(self).__name__

    def _apply(self, grads, needs, create_graph):
        grads = (grads,) if self._n_outputs == 1 else tuple(grads)
        if self.materialize_grads:
            from ember.ops.creation import zeros
            grads = tuple(g if g is not None else zeros(shape, dtype=dtype, device=device)
                          for g, (shape, dtype, device) in zip(grads, self._output_metas))
        result = self._forward_cls.backward(self, *grads)
        if type(result) is not tuple:
            result = (result,)
        n = len(self._edges)
        if len(result) > n and all(r is None for r in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(result)})")
        return tuple(r if e is not None else None for r, e in zip(result, self._edges))

    def _release(self) -> None:
        if self.__dict__.get("_saved"):
            self._saved = None
            self._released = True

    def __call__(self, *grads):
        return self._forward_cls.backward(self, *grads)


class _FunctionMeta(type):
    """Gives every Function subclass its own node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(f"{name}Backward", (BackwardFunction,), {"_forward_cls": cls,
                                                                        "__module__": cls.__module__})


class Function(metaclass=_FunctionMeta):
    """An op with a custom backward. Subclass it, define the static methods ``forward`` and
    ``backward``, and call ``MyFn.apply(*args)``.

    Example::

        >>> class Exp(ember.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         y = x.exp()
        ...         ctx.save_for_backward(y)
        ...         return y
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (y,) = ctx.saved_tensors
        ...         return grad * y
        >>> Exp.apply(ember.zeros(2, requires_grad=True))
        tensor([1., 1.], grad_fn=<ExpBackward>)

    ``forward`` may instead take only the inputs, with a static ``setup_context(ctx, inputs,
    output)`` that fills ``ctx``.
    """

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        return NotImplemented

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run ``forward`` on ``args`` and record a node whose backward is ``backward``."""
        ctx = cls._backward_cls()
        ctx._hooks = None
        edges = tuple(edge_of(a) if isinstance(a, _TensorBase) else None for a in args)
        ctx.needs_input_grad = tuple(e is not None for e in edges)
        recording = _core.is_grad_enabled() and any(ctx.needs_input_grad)
        custom_setup = cls.setup_context is not Function.setup_context
        with no_grad():
            if custom_setup:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
            else:
                output = cls.forward(ctx, *args, **kwargs)
        if not recording:
            return output
        if anomaly_state.is_anomaly_enabled():
            anomaly_state.remember_forward(ctx)
        ctx._edges = edges
        ctx._inputs = tuple((a._data.shape, a._dtype, a._device) if isinstance(a, _TensorBase) else None
                            for a in args)
        single = not isinstance(output, tuple)
        outputs = (output,) if single else output
        results = _attach_outputs(ctx, args, outputs)
        _save(ctx, args, outputs, results)
        return results[0] if single else tuple(results)


def _attach_outputs(ctx, args, outputs) -> list:
    """Make the tensor outputs this node's outputs (aliases where forward returned an input)."""
    non_diff = {id(t) for t in ctx.non_differentiable}
    dirty = {id(t) for t in ctx.dirty_tensors}
    inputs = {id(a) for a in args if isinstance(a, _TensorBase)}
    results, metas = [], []
    for i, o in enumerate(outputs):
        if not isinstance(o, _TensorBase):
            results.append(o)
            metas.append(((), None, None))
            continue
        metas.append((o._data.shape, o._dtype, o._device))
        if id(o) in dirty:
            if o._requires_grad and o.grad_fn is None:
                raise RuntimeError("a leaf Variable that requires grad has been used in an in-place operation.")
        elif id(o) in inputs:
            o = detached_alias(o)  # forward returned an input as is: the output is a new alias
        if id(outputs[i]) in non_diff or not o._dtype.is_floating_point:
            results.append(o)
            continue
        o._requires_grad = True
        o.grad_fn = ctx
        if i or (o._autograd_meta is not None and o._autograd_meta.output_nr):
            meta_of(o).output_nr = i
        results.append(o)
    ctx._n_outputs = len(outputs)
    ctx._output_metas = tuple(metas)
    return results


def _save(ctx, args, outputs, results) -> None:
    """Keep ``ctx.to_save``: outputs as detached aliases (no cycle), inputs as they are."""
    out_index = {id(o): i for i, o in enumerate(outputs) if isinstance(o, _TensorBase)}
    saved = []
    for t in ctx.to_save:
        if t is None:
            saved.append((None, None, None))
        elif id(t) in out_index:
            alias = detached_alias(results[out_index[id(t)]])
            saved.append((alias, version_of(alias), out_index[id(t)]))
        else:
            saved.append((t, version_of(t), None))
    ctx._saved = saved
    ctx.to_save = ()


class DelayedError(OpNode):
    """Stands in for a backward that ran with ``once_differentiable``: differentiating it raises."""

    __slots__ = ()

    def _apply(self, grads, needs, create_graph):
        raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")

    def _release(self) -> None:
        pass


def once_differentiable(fn):
    """Decorate ``backward``: it runs without recording, and differentiating its result raises."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not _core.is_grad_enabled():
            return outputs
        grads = [a for a in args if isinstance(a, _TensorBase) and a.requires_grad]
        if not grads:
            return outputs
        node = DelayedError()
        node._edges = tuple(edge_of(g) for g in grads)
        node._inputs = tuple((g._data.shape, g._dtype, g._device) for g in grads)
        node._n_outputs, node._hooks, node._released, node._output, node._versions = 1, None, False, None, None
        single = not isinstance(outputs, tuple)
        wrapped = []
        for o in ((outputs,) if single else outputs):
            if isinstance(o, _TensorBase) and o._dtype.is_floating_point:
                o = detached_alias(o)
                o._requires_grad = True
                o.grad_fn = node
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)
    return wrapper


__all__ = ["Function", "FunctionCtx", "BackwardFunction", "once_differentiable"]
