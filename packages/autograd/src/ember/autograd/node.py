"""Graph nodes: what a recorded op keeps for backward, and the edges to its inputs' nodes.

A tensor's ``grad_fn`` is a ``Node``. Its edges point at the nodes that produced its inputs, or
at the input tensor itself when that is a leaf (shown as ``AccumulateGrad`` in
``next_functions``). ``OpNode`` subclasses are made per derivative rule and named after
PyTorch's nodes (``MulBackward0``), so ``type(t.grad_fn).__name__`` reads as in PyTorch.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict

from ember import _core
from ember.autograd.anomaly_state import is_anomaly_enabled

_TensorBase = _core.TensorBase

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward.")


class AutogradMeta:
    """Per-tensor autograd state, kept in ``Tensor._autograd_meta`` only when needed."""

    __slots__ = ("output_nr", "hooks", "post_accumulate", "accumulator")

    def __init__(self) -> None:
        self.output_nr = 0
        self.hooks: OrderedDict | None = None            # leaf tensor hooks
        self.post_accumulate: OrderedDict | None = None  # leaf post-accumulate-grad hooks
        self.accumulator = None                          # weakref to the leaf's AccumulateGrad


def meta_of(t) -> AutogradMeta:
    m = t._autograd_meta
    if m is None:
        m = t._autograd_meta = AutogradMeta()
    return m


def edge_of(t):
    """The edge a recorded op keeps to input ``t``: (node or leaf tensor, output index) or None."""
    if not t._requires_grad:
        return None
    fn = t.grad_fn
    if fn is None:
        return (t, 0)
    m = t._autograd_meta
    return (fn, 0 if m is None else m.output_nr)


class TensorMeta:
    """What a rule that did not save an input may know of it: shape, dtype and device."""

    __slots__ = ("shape", "dtype", "device", "requires_grad")

    def __init__(self, shape, dtype, device, requires_grad=False) -> None:
        self.shape = shape
        self.dtype = dtype
        self.device = device
        self.requires_grad = requires_grad

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def dim(self) -> int:
        return len(self.shape)

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"TensorMeta(shape={tuple(self.shape)}, dtype={self.dtype}, device={self.device})"


class Metas:
    """The ``inputs`` a rule sees when its op did not save them: each tensor appears as a
    ``TensorMeta``, made only when the rule looks at it."""

    __slots__ = ("_raw",)

    def __init__(self, raw) -> None:
        self._raw = raw

    def __getitem__(self, i):
        x = self._raw[i]
        if type(i) is slice:
            return tuple(TensorMeta(*m) if type(m) is tuple else m for m in x)
        return TensorMeta(*x) if type(x) is tuple else x

    def __iter__(self):
        return (TensorMeta(*m) if type(m) is tuple else m for m in self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def type_description(t) -> str:
    """``[ember.FloatTensor [3]]``: how version errors name a tensor."""
    return f"[{t.type()} [{', '.join(str(s) for s in t.shape)}]]"


def check_version(t, expected: int) -> None:
    version = t._version
    if version != expected:
        hint = ("Hint: the backtrace further above shows the operation that failed to compute its gradient. The "
                "variable in question was changed in there or anywhere later." if is_anomaly_enabled() else
                "Hint: enable anomaly detection to find the operation that failed to compute its gradient, with "
                "ember.autograd.set_detect_anomaly(True, check_nan=False).")
        which = ""
        if t.grad_fn is not None:
            nr = 0 if t._autograd_meta is None else t._autograd_meta.output_nr
            which = f", which is output {nr} of {t.grad_fn.name()},"
        raise RuntimeError(
            f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: {type_description(t)}{which} is at version {version}; expected version "
            f"{expected} instead. {hint}")


def version_of(t) -> int:
    vc = t._version_counter
    return 0 if vc is None else vc.value


def detached_alias(t):
    """A tensor sharing ``t``'s data and version counter but not its history (no cycle)."""
    vc = t._version_counter
    if vc is None:
        vc = t._version_counter = _core.VersionCounter()
    alias = _core.create(t._data, t._device)
    alias._version_counter = vc
    return alias


def attach_output(node, alias, output_nr: int):
    """A saved output seen as ``node``'s output again, for double backward (``create_graph``)."""
    if not alias._dtype.is_floating_point:
        return alias
    t = _core.create(alias._data, alias._device)
    t._version_counter = alias._version_counter
    t._requires_grad = True
    t.grad_fn = node
    if output_nr:
        meta_of(t).output_nr = output_nr
    return t


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` takes the hook out again."""

    _next_id = 0

    def __init__(self, hooks: OrderedDict) -> None:
        self._hooks = weakref.ref(hooks)
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        hooks = self._hooks()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


def add_hook(hooks: OrderedDict, fn) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


class NodeHooks:
    """The hooks registered on one node: before it runs, after it runs, and tensor hooks
    (``Tensor.register_hook`` on its outputs, by output index)."""

    __slots__ = ("pre", "post", "tensor", "retain")

    def __init__(self) -> None:
        self.pre: OrderedDict = OrderedDict()
        self.post: OrderedDict = OrderedDict()
        self.tensor: dict[int, OrderedDict] = {}
        self.retain: dict[int, weakref.ref] = {}  # output index -> tensor that retains its grad


class Node:
    """A step of the backward graph: gradients of outputs in, gradients of inputs out.

    The engine reads ``_edges`` (one per input: None or (node or leaf tensor, output index)),
    ``_inputs`` (per input the tensor, or a (shape, dtype, device, ...) tuple: what its gradient
    must look like), ``_n_outputs`` and ``_hooks``, and calls ``_apply(grads, needs, create_graph)``.
    """

    __slots__ = ("_edges", "_n_outputs", "_hooks", "__weakref__")

    def name(self) -> str:
        """The node's name, as in PyTorch: ``MulBackward0``."""
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """``((node, output_index), ...)`` for each input; AccumulateGrad for leaves, None for
        inputs that do not require grad."""
        out = []
        for e in self._edges:
            if e is None:
                out.append((None, 0))
            elif isinstance(e[0], _TensorBase):
                out.append((accumulator_of(e[0]), 0))
            else:
                out.append(e)
        return tuple(out)

    def _hookset(self) -> NodeHooks:
        if self._hooks is None:
            self._hooks = NodeHooks()
        return self._hooks

    def register_hook(self, fn) -> RemovableHandle:
        """Call ``fn(grad_inputs, grad_outputs)`` after this node computed its input gradients;
        a non-None return value replaces ``grad_inputs``."""
        return add_hook(self._hookset().post, fn)

    def register_prehook(self, fn) -> RemovableHandle:
        """Call ``fn(grad_outputs)`` before this node runs; a non-None return replaces them."""
        return add_hook(self._hookset().pre, fn)

    def _tensor_hook_dict(self, output_nr: int) -> OrderedDict:
        table = self._hookset().tensor
        hooks = table.get(output_nr)
        if hooks is None:
            hooks = table[output_nr] = OrderedDict()
        return hooks

    def _apply(self, grads, needs, create_graph):
        """Input gradients from output gradients (a tuple, one per input, or one tensor).

        ``needs`` says which inputs need a gradient; None means every input with an edge
        (``needs_of`` spells it out)."""
        raise NotImplementedError

    def needs_of(self, needs):
        return [e is not None for e in self._edges] if needs is None else needs

    def _release(self) -> None:
        """Free what was saved for backward (``retain_graph=False``)."""


class OpNode(Node):
    """The node of an op recorded by the dispatcher; its subclasses carry the ``Rule``."""

    __slots__ = ("_inputs", "_versions", "_output", "_out_version", "_params", "_released")
    _rule = None

    def _apply(self, grads, needs, create_graph):
        """Check what was saved (versions, not freed), hand it to the rule, return its result.

        Saved outputs are re-attached to this node when the backward pass is itself recorded
        (``create_graph``), so that their use in the rule is differentiated too."""
        if self._released:
            raise RuntimeError(SECOND_BACKWARD)
        rule = self._rule
        inputs = self._inputs
        versions = self._versions
        if versions is not None:
            for i, v in enumerate(versions):
                if v is not None:
                    vc = inputs[i]._version_counter
                    if (0 if vc is None else vc.value) != v:
                        needs = self.needs_of(needs)
                        uses = rule.uses
                        if uses is None or any(needs[j] and i in uses.get(j, ()) for j in range(len(needs))):
                            check_version(inputs[i], v)
        if rule.save_inputs is not True:
            inputs = Metas(inputs)
        output = self._output
        if output is not None:
            if type(output) is tuple:
                for o, v in zip(output, self._out_version):
                    if o is not None and version_of(o) != v:
                        check_version(o, v)
                if create_graph:
                    output = tuple(o if o is None else attach_output(self, o, i) for i, o in enumerate(output))
            else:
                vc = output._version_counter
                if (0 if vc is None else vc.value) != self._out_version:
                    check_version(output, self._out_version)
                if create_graph:
                    output = attach_output(self, output, 0)
        if rule.wants_needs:
            return rule.fn(grads, inputs, output, self._params, self.needs_of(needs))
        return rule.fn(grads, inputs, output, self._params)

    def _release(self) -> None:
        saves = self._rule.save_inputs
        if saves or self._output is not None:
            self._released = True
            if saves:
                self._inputs = tuple([None if isinstance(x, _TensorBase) else x for x in self._inputs])
                self._versions = None
            self._output = None


class AccumulateGrad(Node):
    """The node that stores a leaf's gradient in ``.grad`` (what ``next_functions`` shows)."""

    __slots__ = ("variable", "_inputs")

    def __init__(self, variable) -> None:
        self.variable = variable
        self._inputs = ()
        self._edges = ()
        self._n_outputs = 1
        self._hooks = None


def accumulator_of(t) -> AccumulateGrad:
    """The leaf's AccumulateGrad node, the same object while anyone holds it."""
    m = meta_of(t)
    acc = m.accumulator() if m.accumulator is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        m.accumulator = weakref.ref(acc)
    return acc


def set_history(tensor, result) -> None:
    """Make ``tensor`` the output of ``result``'s node."""
    tensor.grad_fn = result.grad_fn
    tensor._requires_grad = True
    nr = 0 if result._autograd_meta is None else result._autograd_meta.output_nr
    m = tensor._autograd_meta
    if nr or (m is not None and m.output_nr):
        meta_of(tensor).output_nr = nr
