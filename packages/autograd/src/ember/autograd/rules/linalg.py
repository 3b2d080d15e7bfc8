"""Derivatives of the matrix products (``ember/ops/linalg.py``)."""

from __future__ import annotations

import string

import ember
from ember import _core
from ember.autograd.rules import rule


def _mT(x):
    """The matrix transpose of the last two dims (a view)."""
    n = x.ndim
    return _core.call_view("t", x, ()) if n == 2 else _core.call_view("transpose", x, (n - 2, n - 1))


@rule("mm", "MmBackward0", uses={0: (1,), 1: (0,)})
def _mm(grad, inputs, output, params, needs):
    a, b = inputs
    return (_core.call("mm", (grad, _mT(b))) if needs[0] else None,
            _core.call("mm", (_mT(a), grad)) if needs[1] else None)


@rule("bmm", "BmmBackward0", uses={0: (1,), 1: (0,)})
def _bmm(grad, inputs, output, params, needs):
    a, b = inputs
    return (_core.call("bmm", (grad, _mT(b))) if needs[0] else None,
            _core.call("bmm", (_mT(a), grad)) if needs[1] else None)


@rule("mv", "MvBackward0", uses={0: (1,), 1: (0,)})
def _mv(grad, inputs, output, params, needs):
    a, v = inputs
    return (_core.call("outer", (grad, v)) if needs[0] else None,
            _core.call("mv", (_mT(a), grad)) if needs[1] else None)


@rule("dot", "DotBackward0", uses={0: (1,), 1: (0,)})
def _dot(grad, inputs, output, params, needs):
    a, b = inputs
    return grad * b if needs[0] else None, grad * a if needs[1] else None


@rule("outer", "MulBackward0", uses={0: (1,), 1: (0,)})
def _outer(grad, inputs, output, params, needs):
    a, b = inputs
    return (_core.call("mv", (grad, b)) if needs[0] else None,
            _core.call("mv", (_mT(grad), a)) if needs[1] else None)


@rule("matmul", lambda inputs, params: "SqueezeBackward4" if inputs[0].ndim == 1 else "UnsafeViewBackward0",
      uses={0: (1,), 1: (0,)})
def _matmul(grad, inputs, output, params, needs):
    a, b = inputs
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    g = grad
    if a.ndim == 1:
        g = g.unsqueeze(-2)
    if b.ndim == 1:
        g = g.unsqueeze(-1)
    ga = gb = None
    if needs[0]:
        ga = ember.matmul(g, _mT(b2))       # batch dims are summed back by the engine
        if a.ndim == 1:
            ga = ga.squeeze(-2)
    if needs[1]:
        if b.ndim == 2 and a.ndim > 2 and a.numel():   # (..., n, k) @ (k, m): one product over the folded batch
            gb = ember.mm(a.reshape(-1, a.shape[-1]).t(), g.reshape(-1, g.shape[-1]))
        else:
            gb = ember.matmul(_mT(a2), g)
        if b.ndim == 1:
            gb = gb.squeeze(-1)
    return ga, gb


@rule("addmm", "AddmmBackward0", uses={1: (2,), 2: (1,)})
def _addmm(grad, inputs, output, params, needs):
    _, a, b = inputs
    beta, alpha = params
    gi = (grad if beta == 1 else grad * beta) if needs[0] else None
    ga = _scaled(_core.call("mm", (grad, _mT(b))), alpha) if needs[1] else None
    gb = None
    if needs[2]:
        if _transposed(b):
            # b is a transposed weight (nn.Linear's W.t()): produce the gradient in W's layout, so
            # it reaches W.grad without a copy
            gb = _mT(_scaled(_core.call("mm", (_mT(grad), a)), alpha))
        else:
            gb = _scaled(_core.call("mm", (_mT(a), grad)), alpha)
    return gi, ga, gb


def _scaled(t, alpha):
    return t if alpha == 1 else t * alpha


def _transposed(m) -> bool:
    """Whether matrix ``m`` is not contiguous but its transpose is."""
    if m._device.type == "cpu":  # the flags of the NumPy array, without a view or a host copy
        flags = m._data.flags
        return flags.f_contiguous and not flags.c_contiguous
    return not m.is_contiguous() and m.t().is_contiguous()


@rule("baddbmm", "BaddbmmBackward0", uses={1: (2,), 2: (1,)})
def _baddbmm(grad, inputs, output, params, needs):
    _, a, b = inputs
    beta, alpha = params
    gi = grad * beta if needs[0] else None
    ga = _core.call("bmm", (grad, _mT(b))) * alpha if needs[1] else None
    gb = _core.call("bmm", (_mT(a), grad)) * alpha if needs[2] else None
    return gi, ga, gb


def _einsum_operand_grad(grad, operands, terms, rhs, i):
    """The gradient of einsum operand ``i``: the einsum of the output gradient with the other
    operands, with labels only operand ``i`` sums over broadcast back and repeated labels
    (diagonals) put back on the diagonal."""
    term = terms[i]
    x = operands[i]
    sizes = dict(zip(term, x.shape))
    others = [(t, op) for j, (t, op) in enumerate(zip(terms, operands)) if j != i]
    available = set(rhs).union(*[set(t) for t, _ in others])
    unique = list(dict.fromkeys(term))
    produced = [c for c in unique if c in available]
    equation = ",".join([rhs] + [t for t, _ in others]) + "->" + "".join(produced)
    g = _core.call("einsum", (grad, *[op for _, op in others]), (equation,))
    if len(produced) != len(unique):
        g = g.reshape([sizes[c] if c in produced else 1 for c in unique]).expand([sizes[c] for c in unique])
    if len(unique) == len(term):
        return g
    free = iter(c for c in string.ascii_letters if c not in term)
    spelled, eyes, seen = [], [], set()
    for c in term:
        if c in seen:
            fresh = next(free)
            eyes.append(c + fresh)
            spelled.append(fresh)
        else:
            seen.add(c)
            spelled.append(c)
    eye_ops = [ember.eye(sizes[pair[0]], dtype=g.dtype, device=g.device) for pair in eyes]
    equation = ",".join(["".join(unique)] + eyes) + "->" + "".join(spelled)
    return _core.call("einsum", (g, *eye_ops), (equation,))


@rule("einsum", "ViewBackward0")
def _einsum(grad, inputs, output, params, needs):
    (equation,) = params
    lhs, rhs = equation.split("->")
    terms = lhs.split(",")
    return tuple(_einsum_operand_grad(grad, inputs, terms, rhs, i) if needs[i] else None
                 for i in range(len(inputs)))
