"""The backward pass: run the graph's nodes in topological order, without recursion.

First count, for every node reachable from the roots, how many edges lead into it; then run a
node once all of them delivered their gradient (Kahn's algorithm over a ready stack), so a
chain of any length needs no Python recursion. Each node's saved tensors are freed right after
it ran unless the graph is retained. Gradients are reduced to their input's shape and cast to
its dtype here, in one place, so derivative rules need not.
"""

from __future__ import annotations

import threading

from ember import _core
from ember.autograd import anomaly_state
from ember.autograd.node import Node

_TensorBase = _core.TensorBase


def _as_leaf_or_node(t):
    """Where the gradient of tensor ``t`` goes: (its node, output index) or (t, 0) for a leaf."""
    fn = t.grad_fn
    if fn is None:
        return t, 0
    m = t._autograd_meta
    return fn, 0 if m is None else m.output_nr


def sum_to(g, shape):
    """``g`` summed over its broadcast dimensions so that it has ``shape``."""
    gshape = g._data.shape
    lead = len(gshape) - len(shape)
    if lead < 0:
        return None
    kept = []  # size-1 dims of ``shape`` that ``g`` broadcast
    for i, s in enumerate(shape):
        if s == 1 and gshape[lead + i] != 1:
            kept.append(lead + i)
        elif s != gshape[lead + i]:
            return None
    # the "sum" kernel directly (dims already valid and distinct; gradients are floating, so no
    # dtype): the leading dims go away, the kept ones stay as size 1
    if not g._dtype.is_floating_point:
        g = g.sum(tuple(range(lead)) + tuple(kept), keepdim=True).reshape(tuple(shape))
    elif not kept:
        if lead:
            g = _core.call("sum", (g,), (tuple(range(lead)), False, None))
    else:
        g = _core.call("sum", (g,), (tuple(range(lead)) + tuple(kept), True, None))
        if lead:
            g = g.reshape(tuple(shape))
    return g


def _fit(node, i: int, g, shape, dtype, device):
    """Gradient ``g`` for input ``i`` of ``node``, reduced to its shape, cast to its dtype."""
    if g._data.shape != shape:
        fitted = sum_to(g, shape)
        if fitted is None:
            raise RuntimeError(
                f"Function {node.name()} returned an invalid gradient at index {i} - got "
                f"{list(g._data.shape)} but expected shape compatible with {list(shape)}")
        g = fitted
    if g._dtype is not dtype:
        g = g.to(dtype)
    if g._device is not device:
        raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index {i} - "
                           f"expected device {device} but got {g._device}")
    return g


def _run_tensor_hooks(hooks, grads, n_outputs: int):
    """Tensor hooks and ``retain_grad`` of a node's outputs, then the node's pre-hooks."""
    single = n_outputs == 1
    buf = [grads] if single else grads
    for nr, table in list(hooks.tensor.items()):
        g = buf[nr]
        if g is None:
            continue
        for h in list(table.values()):
            r = h(g)
            if r is not None:
                g = r
        buf[nr] = g
    for nr, ref in list(hooks.retain.items()):
        t = ref()
        g = buf[nr]
        if t is not None and g is not None:
            t._grad = g.detach().clone() if t._grad is None else t._grad + g.detach()
    if hooks.pre:
        outs = tuple(buf)
        for h in list(hooks.pre.values()):
            r = h(outs)
            if r is not None:
                outs = tuple(r)
        buf = list(outs)
    return buf[0] if single else buf


def _run_post_hooks(node, hooks, result, grads):
    ins = tuple(result)
    outs = (grads,) if node._n_outputs == 1 else tuple(grads)
    for h in list(hooks.post.values()):
        r = h(ins, outs)
        if r is not None:
            ins = tuple(r)
    return ins


def _accumulate(t, g, create_graph: bool, given: set) -> None:
    """Add gradient ``g`` into leaf ``t``'s ``.grad`` after running its hooks."""
    m = t._autograd_meta
    if m is not None and m.hooks:
        for h in list(m.hooks.values()):
            r = h(g)
            if r is not None:
                g = r
    old = t._grad
    if old is None:
        if id(g) in given or (g._base is not None and not _contiguous(g)):
            # the same gradient object must not become two tensors' .grad, and a strided view
            # (an expanded sum gradient, a transpose) becomes a dense tensor, as PyTorch lays it out
            g = g.clone()
        given.add(id(g))
        t._grad = g if create_graph or (g.grad_fn is None and not g._requires_grad) else g.detach()
    elif create_graph or old._requires_grad:
        t._grad = old + g
    else:
        old += g
    if m is not None and m.post_accumulate:
        for h in list(m.post_accumulate.values()):
            h(t)


def _contiguous(t) -> bool:
    if t._device.type == "cpu":
        return t._data.flags.c_contiguous  # without the host round trip of is_contiguous()
    return t.is_contiguous()


def _graph(root_fns, with_parents: bool):
    """Edge counts into every node and leaf reachable from ``root_fns``, the leaves by id, and
    (when asked) each target's parents."""
    deps: dict[int, int] = {}
    leaves: dict[int, object] = {}
    parents: dict[int, list] | None = {} if with_parents else None
    stack = []
    for fn, _ in root_fns:
        k = id(fn)
        if k not in deps:
            deps[k] = 0
            if isinstance(fn, _TensorBase):
                leaves[k] = fn
            else:
                stack.append(fn)
    while stack:
        fn = stack.pop()
        for e in fn._edges:
            if e is None:
                continue
            c = e[0]
            k = id(c)
            if parents is not None:
                parents.setdefault(k, []).append(fn)
            if k in deps:
                deps[k] += 1
            else:
                deps[k] = 1
                if isinstance(c, Node):
                    stack.append(c)
                else:
                    leaves[k] = c
    return deps, leaves, parents


_callbacks = threading.local()  # .stack: one list of queued callbacks per backward pass running


def queue_callback(callback) -> None:
    """Run ``callback()`` once the backward pass that is running now has finished (PyTorch's
    ``Variable._execution_engine.queue_callback``): a gradient hook uses it to act after every
    gradient of the pass is accumulated (``DistributedDataParallel`` waits for its all-reduces).
    Callbacks run in the order queued; a callback may queue more. Raises ``RuntimeError``
    outside a backward pass."""
    stack = getattr(_callbacks, "stack", None)
    if not stack:
        raise RuntimeError("queue_callback() can only be called during the backward pass (from a hook)")
    stack[-1].append(callback)


def run_backward(roots, grads, keep_graph: bool, create_graph: bool, targets=None, accumulate: bool = True):
    """Backpropagate ``grads`` from ``roots``, then run the callbacks queued during the pass
    (see ``_run_backward`` and ``queue_callback``)."""
    stack = getattr(_callbacks, "stack", None)
    if stack is None:
        stack = _callbacks.stack = []
    queued: list = []
    stack.append(queued)
    try:
        results = _run_backward(roots, grads, keep_graph, create_graph, targets, accumulate)
        while queued:
            queued.pop(0)()
    finally:
        stack.pop()
    return results


def _run_backward(roots, grads, keep_graph: bool, create_graph: bool, targets=None, accumulate: bool = True):
    """Backpropagate ``grads`` from ``roots`` (lists of tensors).

    Without ``targets`` every leaf reached accumulates its gradient into ``.grad``. With
    ``targets`` (tensors) only the part of the graph leading to them runs, and their gradients
    are accumulated into their ``.grad`` (``accumulate``) or returned as a list.
    """
    root_fns = [_as_leaf_or_node(t) for t in roots]
    deps, leaves, parents = _graph(root_fns, targets is not None)

    needed = None
    capture: dict[int, list] = {}
    results: list = []
    if targets is not None:
        needed = set()
        walk = []
        for slot, t in enumerate(targets):
            fn, nr = _as_leaf_or_node(t)
            capture.setdefault(id(fn), []).append((nr, slot, t))
            results.append(None)
            if id(fn) in deps and id(fn) not in needed:
                needed.add(id(fn))
                walk.append(fn)
        while walk:
            for p in parents.get(id(walk.pop()), ()):
                if id(p) not in needed:
                    needed.add(id(p))
                    walk.append(p)

    buffers: dict[int, object] = {}
    given: set[int] = set()
    for (fn, nr), g in zip(root_fns, grads):
        given.add(id(g))
        _add_to_buffer(buffers, leaves, fn, nr, g)
    ready = []
    for fn, _ in root_fns:
        if deps[id(fn)] == 0:
            deps[id(fn)] = -1
            ready.append(fn)

    done_leaves: list = []
    anomaly = anomaly_state.is_anomaly_enabled()
    prev_mode = _core.is_grad_enabled()
    _core._set_grad_enabled(create_graph)
    try:
        while ready:
            fn = ready.pop()
            k = id(fn)
            buf = buffers.pop(k, None)
            if k in leaves:
                if buf is not None:
                    if k in capture:
                        _capture(capture[k], buf, results, accumulate, create_graph, given, True)
                    elif targets is None:
                        _accumulate(fn, buf, create_graph, given)
                continue
            hooks = fn._hooks
            single = fn._n_outputs == 1
            if hooks is not None and buf is not None:
                buf = _run_tensor_hooks(hooks, buf, fn._n_outputs)
            if k in capture:
                _capture(capture[k], buf, results, accumulate, create_graph, given, False)
            edges = fn._edges
            result = None
            if buf is not None and (single or any(g is not None for g in buf)):
                # which inputs need a gradient: None means every input with an edge (nodes that
                # care work it out); with targets, only edges towards them
                needs = None if needed is None else [e is not None and id(e[0]) in needed for e in edges]
                if needs is None or True in needs:
                    if anomaly:
                        try:
                            result = fn._apply(buf if single else tuple(buf), needs, create_graph)
                            if anomaly_state.is_anomaly_check_nan_enabled():
                                anomaly_state.check_nan(fn, result)
                        except Exception:
                            anomaly_state.report_failure(fn)
                            raise
                    else:
                        result = fn._apply(buf if single else tuple(buf), needs, create_graph)
                    if type(result) is not tuple:
                        result = (result,) if result is None or isinstance(result, _TensorBase) else tuple(result)
                    if len(result) != len(edges):
                        raise RuntimeError(f"function {fn.name()} returned an incorrect number of gradients "
                                           f"(expected {len(edges)}, got {len(result)})")
                    if hooks is not None and hooks.post:
                        result = _run_post_hooks(fn, hooks, result, buf)
            inputs = fn._inputs
            for i, e in enumerate(edges):
                if e is None:
                    continue
                c = e[0]
                ck = id(c)
                if needed is not None and ck not in needed:
                    continue
                if result is not None and (g := result[i]) is not None:
                    x = inputs[i]
                    if type(x) is tuple:
                        shape, dtype, device = x[0], x[1], x[2]
                    else:
                        shape, dtype, device = x._data.shape, x._dtype, x._device
                    if g._data.shape != shape or g._dtype is not dtype or g._device is not device:
                        g = _fit(fn, i, g, shape, dtype, device)
                    if ck in leaves or c._n_outputs == 1:
                        old = buffers.get(ck)
                        buffers[ck] = g if old is None else old + g
                    else:
                        _add_to_buffer(buffers, leaves, c, e[1], g)
                d = deps[ck] - 1
                deps[ck] = d
                if d == 0:
                    if ck in leaves:
                        done_leaves.append(c)
                    else:
                        ready.append(c)
            if done_leaves:
                # leaves whose gradient is complete go on top of the stack, so their .grad (and their
                # post-accumulate hooks: DistributedDataParallel starts all-reduces there) is ready now,
                # not after the rest of the graph has run
                ready.extend(done_leaves)
                done_leaves.clear()
            if not keep_graph:
                fn._release()
    finally:
        _core._set_grad_enabled(prev_mode)
    return results


def _add_to_buffer(buffers: dict, leaves: dict, fn, nr: int, g) -> None:
    k = id(fn)
    if k in leaves or fn._n_outputs == 1:
        old = buffers.get(k)
        buffers[k] = g if old is None else old + g
    else:
        buf = buffers.get(k)
        if buf is None:
            buf = buffers[k] = [None] * fn._n_outputs
        buf[nr] = g if buf[nr] is None else buf[nr] + g


def _retained(t) -> bool:
    hooks = t.grad_fn._hooks
    if hooks is None:
        return False
    ref = hooks.retain.get(0 if t._autograd_meta is None else t._autograd_meta.output_nr)
    return ref is not None and ref() is t


def _capture(entries, buf, results, accumulate, create_graph, given, leaf: bool) -> None:
    for nr, slot, t in entries:
        g = buf if leaf or not isinstance(buf, list) else buf[nr]
        if g is None:
            continue
        if accumulate:
            if not leaf and _retained(t):
                continue  # its retain_grad hook already stored the gradient
            _accumulate(t, g, create_graph, given)
        else:
            results[slot] = g if results[slot] is None else results[slot] + g


__all__ = ["run_backward", "queue_callback", "sum_to", "Node"]
