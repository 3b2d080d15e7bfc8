"""Derivatives of the views and copies that change shape (``ember/ops/shape.py``).

All of them only move gradient elements around, so none saves its input: shapes come from
the ``TensorMeta`` of the input and the kernel's params.
"""

from __future__ import annotations

import ember
from ember.autograd.rules import rule


def _filled(grads, shapes, like):
    """The gradients of a multi-output op with zeros where none flowed."""
    return [g if g is not None else ember.zeros(s, dtype=like.dtype, device=like.device)
            for g, s in zip(grads, shapes)]


def _first(grads):
    return next(g for g in grads if g is not None)


@rule("view", "ViewBackward0", save_inputs=False)
def _view(grad, inputs, output, params):
    return grad.reshape(inputs[0].shape)


@rule("reshape", "UnsafeViewBackward0", save_inputs=False)
def _reshape(grad, inputs, output, params):
    return grad.reshape(inputs[0].shape)


@rule("squeeze", lambda inputs, params: "SqueezeBackward1" if len(params[0]) == 1 else "SqueezeBackward0",
      save_inputs=False)
def _squeeze(grad, inputs, output, params):
    return grad.reshape(inputs[0].shape)


@rule("unsqueeze", "UnsqueezeBackward0", save_inputs=False)
def _unsqueeze(grad, inputs, output, params):
    (dim,) = params
    return grad.squeeze(dim)


@rule("permute", "PermuteBackward0", save_inputs=False)
def _permute(grad, inputs, output, params):
    (dims,) = params
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return grad.permute(inverse)


@rule("transpose", "TransposeBackward0", save_inputs=False)
def _transpose(grad, inputs, output, params):
    dim0, dim1 = params
    return grad.transpose(dim0, dim1)


@rule("t", "TBackward0", save_inputs=False)
def _t(grad, inputs, output, params):
    return grad.t()


@rule("expand", "ExpandBackward0", save_inputs=False)
def _expand(grad, inputs, output, params):
    return grad  # the engine sums the broadcast dimensions back


@rule("narrow", "SliceBackward0", save_inputs=False)
def _narrow(grad, inputs, output, params):
    dim, start, length = params
    shape = list(inputs[0].shape)
    pieces = []
    if start:
        shape[dim] = start
        pieces.append(ember.zeros(shape, dtype=grad.dtype, device=grad.device))
    pieces.append(grad)
    after = inputs[0].shape[dim] - start - length
    if after:
        shape[dim] = after
        pieces.append(ember.zeros(shape, dtype=grad.dtype, device=grad.device))
    return ember.cat(pieces, dim) if len(pieces) > 1 else grad


def _per_output(grads) -> tuple:
    """A multi-output op's gradients as a tuple; the engine passes a lone tensor when it had one output."""
    return grads if isinstance(grads, (tuple, list)) else (grads,)


@rule("split", "SplitWithSizesBackward0", save_inputs=False)
def _split(grads, inputs, output, params):
    grads = _per_output(grads)
    sizes, dim = params
    base = list(inputs[0].shape)
    shapes = [tuple(base[:dim] + [s] + base[dim + 1:]) for s in sizes]
    return ember.cat(_filled(grads, shapes, _first(grads)), dim)


@rule("unbind", "UnbindBackward0", save_inputs=False)
def _unbind(grads, inputs, output, params):
    grads = _per_output(grads)
    (dim,) = params
    shape = list(inputs[0].shape)
    del shape[dim]
    return ember.stack(_filled(grads, [tuple(shape)] * len(grads), _first(grads)), dim)


@rule("cat", "CatBackward0", save_inputs=False)
def _cat(grad, inputs, output, params):
    (dim,) = params
    grads, offset = [], 0
    for x in inputs:
        size = x.shape[dim] if x.ndim else 0
        grads.append(grad.narrow(dim, offset, size) if x.ndim else None)
        offset += size
    return tuple(grads)


@rule("stack", "StackBackward0", save_inputs=False)
def _stack(grad, inputs, output, params):
    (dim,) = params
    return tuple(grad.unbind(dim))


@rule("repeat", "RepeatBackward0", save_inputs=False)
def _repeat(grad, inputs, output, params):
    (repeats,) = params
    shape = (1,) * (len(repeats) - inputs[0].ndim) + tuple(inputs[0].shape)
    split_shape = []
    for r, s in zip(repeats, shape):
        split_shape += [r, s]
    summed = grad.reshape(split_shape).sum(tuple(range(0, 2 * len(shape), 2)))
    return summed.reshape(inputs[0].shape)


@rule("flip", "FlipBackward0", save_inputs=False)
def _flip(grad, inputs, output, params):
    (dims,) = params
    return grad.flip(dims)


@rule("tril", "TrilBackward0", save_inputs=False)
def _tril(grad, inputs, output, params):
    return grad.tril(params[0])


@rule("triu", "TriuBackward0", save_inputs=False)
def _triu(grad, inputs, output, params):
    return grad.triu(params[0])


@rule("repeat_interleave", "RepeatInterleaveBackward0", save_inputs=False)
def _repeat_interleave(grad, inputs, output, params):
    repeats, dim = params
    shape = inputs[0].shape
    if not len(shape):
        return grad.sum()
    n = shape[dim]
    if not isinstance(repeats, tuple):  # every entry repeated r times: fold the copies and sum them
        return grad.unflatten(dim, (n, repeats)).sum(dim + 1)
    owner = ember.repeat_interleave(ember.arange(n, device=grad.device), ember.tensor(repeats, device=grad.device))
    return ember.zeros(shape, dtype=grad.dtype, device=grad.device).index_add(dim, owner, grad)


@rule("roll", "RollBackward0", save_inputs=False)
def _roll(grad, inputs, output, params):
    shifts, dims = params
    if dims is None:
        return grad.flatten().roll(-shifts[0] if isinstance(shifts, tuple) else -shifts, 0).reshape(inputs[0].shape)
    back = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
    return grad.roll(back, dims)
