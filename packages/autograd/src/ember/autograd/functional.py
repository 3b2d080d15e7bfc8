"""``ember.autograd.functional``: Jacobians, Hessians and their products for functions of tensors
(``torch.autograd.functional``), built on ``grad`` (reverse mode; ``jvp`` by the double-vjp trick)."""

from __future__ import annotations

from collections.abc import Callable

from ember import _core
from ember.autograd.gradients import grad
from ember.grad_mode import enable_grad

_TensorBase = _core.TensorBase

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(x, what: str, fn: str) -> tuple[bool, tuple]:
    """(was it a tuple, the tensors as a tuple), refusing anything but tensors."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, _TensorBase):
            where = f"{what}" if not is_tuple else f"{what} at index {i}"
            raise TypeError(f"The {where} given to {fn} must be either a Tensor or a tuple of Tensors but the "
                            f"value {'at index ' + str(i) + ' ' if is_tuple else ''}has type {type(t).__name__}.")
    return is_tuple, items


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs that require grad: differentiable aliases with ``create_graph``, else detached."""
    out = []
    for x in inputs:
        if create_graph and x.requires_grad:
            out.append(x.view_as(x))
        else:
            out.append(x.detach().requires_grad_(x.dtype.is_floating_point))
    return tuple(out)


def _finish(tensors, create_graph: bool):
    if create_graph:
        return tensors
    return tuple(t.detach() if isinstance(t, _TensorBase) else t for t in tensors)


def _grads(outputs, inputs, grad_outputs, create_graph: bool, strict: bool, fn: str) -> tuple:
    from ember.ops.creation import zeros_like
    outs = [o for o in outputs if o.requires_grad]
    gos = [g for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not outs:
        result = (None,) * len(inputs)
    else:
        result = grad(outs, inputs, gos, retain_graph=True, create_graph=create_graph, allow_unused=True)
    if strict:
        for i, g in enumerate(result):
            if g is None:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. This "
                                   f"is not allowed in strict mode.")
    return tuple(zeros_like(x) if g is None else g for x, g in zip(inputs, result))


def _unwrap(is_tuple: bool, values: tuple):
    return values if is_tuple else values[0]


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``func(inputs)`` and the vector-Jacobian product ``v^T J`` at ``inputs``.

    ``v`` has the shape of the output (it may be omitted for a one-element output).
    """
    in_tuple, ins = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        ins = _prepare(ins, create_graph)
        out = func(*ins)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "vjp")
        vs = _vectors(v, outs, "vjp")
        result = _grads(outs, ins, vs, create_graph, strict, "vjp")
    return _unwrap(out_tuple, _finish(outs, create_graph)), _unwrap(in_tuple, _finish(result, create_graph))


def _vectors(v, outs: tuple, fn: str) -> tuple:
    from ember.ops.creation import ones_like
    if v is None:
        if any(o.numel() != 1 for o in outs):
            raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                               "Tensor with a single element.")
        return tuple(ones_like(o) for o in outs)
    _, vs = _as_tuple(v, "v", fn)
    if len(vs) != len(outs):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(outs)} but got {len(vs)}.")
    for i, (a, o) in enumerate(zip(vs, outs)):
        if tuple(a.shape) != tuple(o.shape):
            raise RuntimeError(f"Mismatch in shape: the entry {i} of v has a shape of {a.shape} and the matching "
                               f"output has a shape of {o.shape}.")
    return vs


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``func(inputs)`` and the Jacobian-vector product ``J v`` at ``inputs`` (``v`` shaped like
    the inputs), computed as the gradient of a vector-Jacobian product."""
    from ember.ops.creation import zeros_like
    in_tuple, ins = _as_tuple(inputs, "inputs", "jvp")
    with enable_grad():
        ins = _prepare(ins, create_graph)
        out = func(*ins)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "jvp")
        if v is None:
            if any(x.numel() != 1 for x in ins):
                raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                                   "single Tensor with a single element.")
            from ember.ops.creation import ones_like
            vs = tuple(ones_like(x) for x in ins)
        else:
            _, vs = _as_tuple(v, "v", "jvp")
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        g = _grads(outs, ins, dummies, True, strict, "jvp")
        result = _grads(g, dummies, vs, create_graph, strict, "jvp")
    return _unwrap(out_tuple, _finish(outs, create_graph)), _unwrap(out_tuple, _finish(result, create_graph))


def _check_strategy(fn: str, strategy: str) -> None:
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
                         'function has more outputs than inputs, "forward-mode" tends to be more performant. '
                         'Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode":
        raise NotImplementedError(f'{fn}: strategy="forward-mode" is not supported: ember has no forward-mode '
                                  f'automatic differentiation (use the default "reverse-mode")')


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for output ``o`` and input ``x``, a tensor of shape
    ``o.shape + x.shape`` (nested tuples when ``func`` takes or returns tuples).

    The rows are computed by one backward pass each; ``vectorize`` (PyTorch's vmap over them, the
    same values) is accepted either way. ``strategy="forward-mode"`` raises ``NotImplementedError``.

    Example::

        >>> ember.autograd.functional.jacobian(lambda x: x ** 2, ember.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    from ember.ops.creation import zeros_like
    from ember.ops.shape import stack
    _check_strategy("jacobian", strategy)
    in_tuple, ins = _as_tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        ins = _prepare(ins, create_graph)
        out = func(*ins)
        out_tuple, outs = _as_tuple(out, "outputs of the user-provided function", "jacobian")
        rows = []
        for o in outs:
            flat = o.reshape(-1)
            per_input = [[] for _ in ins]
            for k in range(flat.numel()):
                if o.requires_grad:
                    gs = grad(flat[k], ins, retain_graph=True, create_graph=create_graph, allow_unused=True)
                else:
                    gs = (None,) * len(ins)
                for i, (x, g) in enumerate(zip(ins, gs)):
                    if g is None and strict:
                        raise RuntimeError(f"Output {len(rows)} of the user-provided function is independent of "
                                           f"input {i}. This is not allowed in strict mode.")
                    per_input[i].append(zeros_like(x) if g is None else g)
            rows.append(tuple(
                (stack(gs, 0) if gs else zeros_like(x).reshape(0, *x.shape)).reshape(tuple(o.shape) + tuple(x.shape))
                for x, gs in zip(ins, per_input)))
    rows = [_finish(r, create_graph) for r in rows]
    if not out_tuple:
        return _unwrap(in_tuple, rows[0])
    return tuple(_unwrap(in_tuple, r) for r in rows)


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of scalar function ``func`` at ``inputs`` (shape ``x.shape + x.shape``).

    ``vectorize`` is accepted either way, as in ``jacobian``; ``outer_jacobian_strategy="forward-mode"``
    raises ``NotImplementedError``."""
    _check_strategy("hessian", outer_jacobian_strategy)
    in_tuple, ins = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*xs):
        out = func(*xs)
        _, outs = _as_tuple(out, "outputs of the user-provided function", "hessian")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element.")
        return _grads(outs, xs, (None,), True, strict, "hessian")

    result = jacobian(gradient, ins, create_graph=create_graph, strict=strict)
    return result if in_tuple else result[0][0]


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``func(inputs)`` and the vector-Hessian product ``v^T H`` of scalar function ``func``."""
    in_tuple, ins = _as_tuple(inputs, "inputs", "vhp")
    with enable_grad():
        ins = _prepare(ins, True)
        out = func(*ins)
        _, outs = _as_tuple(out, "outputs of the user-provided function", "vhp")
        if len(outs) != 1 or outs[0].numel() != 1:
            raise RuntimeError("The function given to vhp should return a single Tensor with a single element.")
        g = _grads(outs, ins, (None,), True, strict, "vhp")
        if v is None:
            if any(x.numel() != 1 for x in ins):
                raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                                   "single Tensor with a single element.")
            from ember.ops.creation import ones_like
            vs = tuple(ones_like(x) for x in ins)
        else:
            _, vs = _as_tuple(v, "v", "vhp")
        result = _grads(g, ins, vs, create_graph, strict, "vhp")
    return _finish(outs, create_graph)[0], _unwrap(in_tuple, _finish(result, create_graph))


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """``func(inputs)`` and the Hessian-vector product ``H v`` (equal to ``vhp``: H is symmetric)."""
    return vhp(func, inputs, v, create_graph, strict)
