"""Samples for the neural-network kernels: convolution pieces, pooling, embedding, batch norm,
and the fused optimizer updates of ember.optim (when ember-nn is installed).

The backward kernels (``max_pool_scatter``, ``avg_pool2d_backward``, ...) are called directly
with the parameters ember-autograd's rules pass, so they are checked without autograd.
"""

from __future__ import annotations

import ember
from ember import _core
from ember.ops import nn_ops
from ember.testing.samples._base import Case, Sample, values

FLOATS = ("float32", "float64")  # what convolution and pooling accept, as on PyTorch's CPU (+ float16 is slow)


def images(*cases, arrays: int = 1):
    """Cases from (label, shape, ..., extra args...): the first ``arrays`` items are shapes
    (or None) made into arrays, "non-contiguous" in the label transposes the first one."""

    def build(dtype, rng):
        out = []
        for label, *items in cases:
            made = [None if shape is None else
                    values(shape, dtype, rng, order="F" if "non-contiguous" in label and n == 0 else "C")
                    for n, shape in enumerate(items[:arrays])]
            out.append(Case(label, (*made, *items[arrays:])))
        return out

    return build


def _indices(shape, high):
    return lambda d, r: values(shape, "int64", r, f"index:{high}")


def _pool_indices(x):
    return nn_ops.max_pool2d_with_indices(x, 2)[1]


def _optimizer(name: str, **hyper):
    """Two steps of ``ember.optim.<name>`` on a parameter: the optimizer calls its fused kernel."""

    def op(param, grad):
        import pytest

        optim = pytest.importorskip("ember.optim", reason="the optimizer kernels are used by ember-nn")
        p = param.clone()
        p.grad = grad
        opt = getattr(optim, name)([p], **hyper)
        opt.step()
        opt.step()
        return p

    return op


def _gradients_of(forward):
    """The gradients of ``sum(forward(...)**2)`` with respect to the float inputs: checks a fused backward
    kernel (``conv2d_backward``, ``batch_norm_backward``) that the forward's rule calls."""

    def op(*args):
        import pytest

        autograd = pytest.importorskip("ember.autograd", reason="backward kernels are called by ember-autograd")
        leaves = [a.detach().requires_grad_() if isinstance(a, ember.Tensor) and a.is_floating_point() else a
                  for a in args]
        out = forward(*leaves)
        return autograd.grad((out * out).sum(), [t for t in leaves if isinstance(t, ember.Tensor)
                                                 and t.requires_grad])

    return op


def _param_and_grad(dtype, rng):
    return [Case("2-d", (values((3, 4), dtype, rng), values((3, 4), dtype, rng))),
            Case("1-d", (values((5,), dtype, rng), values((5,), dtype, rng)))]


SAMPLES = [
    Sample("im2col", lambda x, k, s, p, d: nn_ops.im2col(x, k, s, p, d), images(
        ("3x3 kernel", (2, 3, 5, 5), (3, 3), (1, 1), (0, 0), (1, 1)),
        ("stride, padding, dilation", (1, 2, 6, 5), (2, 2), (2, 1), (1, 0), (2, 1)),
        ("non-contiguous", (1, 2, 4, 4), (2, 2), (1, 1), (1, 1), (1, 1))), FLOATS),
    Sample("col2im", lambda cols, size, k, s, p, d: nn_ops.col2im(cols, size, k, s, p, d), images(
        ("overlapping", (3 * 2 * 2, 2, 16), (5, 5), (2, 2), (1, 1), (0, 0), (1, 1)),
        ("strided, padded", (2 * 3 * 3, 1, 9), (5, 5), (3, 3), (2, 2), (1, 1), (1, 1))), FLOATS),
    Sample("conv2d", lambda x, w, b, s, p, d, g: ember.conv2d(x, w, b, s, p, d, g), images(
        ("3x3, padding 1", (2, 3, 5, 5), (4, 3, 3, 3), (4,), 1, 1, 1, 1),
        ("stride 2, no bias", (1, 2, 6, 6), (3, 2, 2, 2), None, 2, 0, 1, 1),
        ("groups, dilation", (1, 4, 7, 7), (6, 2, 3, 3), (6,), 1, 2, 2, 2),
        ("non-contiguous", (1, 2, 5, 5), (2, 2, 3, 3), (2,), 1, 0, 1, 1), arrays=3), FLOATS, optional=True),
    Sample("conv2d_backward", _gradients_of(lambda x, w, b, s, p, d, g: ember.conv2d(x, w, b, s, p, d, g)), images(
        ("3x3, padding 1", (2, 3, 5, 5), (4, 3, 3, 3), (4,), 1, 1, 1, 1),
        ("groups, stride 2, no bias", (1, 4, 7, 7), (6, 2, 3, 3), None, 2, 0, 1, 2), arrays=3), FLOATS,
        optional=True, grad=False),
    Sample("conv_transpose2d", lambda x, w, b, s, p, op, g: ember.conv_transpose2d(x, w, b, s, p, op, g), images(
        ("4x4, stride 2, padding 1", (2, 3, 4, 4), (3, 2, 4, 4), (2,), 2, 1, 0, 1),
        ("groups, output padding, no bias", (1, 4, 3, 3), (4, 3, 3, 3), None, 2, 1, 1, 2),
        ("non-contiguous", (1, 2, 5, 5), (2, 2, 3, 3), (2,), 1, 0, 0, 1), arrays=3), FLOATS, optional=True),
    Sample("conv_transpose2d_backward", _gradients_of(
        lambda x, w, b, s, p, op, g: ember.conv_transpose2d(x, w, b, s, p, op, g)), images(
        ("4x4, stride 2, padding 1", (2, 3, 4, 4), (3, 2, 4, 4), (2,), 2, 1, 0, 1),
        ("groups, output padding, no bias", (1, 4, 3, 3), (4, 3, 3, 3), None, 2, 1, 1, 2), arrays=3), FLOATS,
        optional=True, grad=False),
    Sample("max_pool2d", lambda x, k, s, p: nn_ops.max_pool2d_with_indices(x, k, s, p), images(
        ("2x2", (2, 3, 4, 4), 2, None, 0), ("3x3, stride 2, padding 1", (1, 2, 7, 6), 3, 2, 1),
        ("unbatched", (2, 5, 5), 2, 1, 0), ("non-contiguous", (1, 1, 4, 4), 2, None, 0)), FLOATS),
    Sample("max_pool_scatter", lambda x, g: _core.call("max_pool_scatter", (g, _pool_indices(x)),
                                                       (tuple(x.shape[2:]),)),
           images(("2x2 windows", (2, 3, 4, 4), (2, 3, 2, 2)), arrays=2), FLOATS, grad=False),
    Sample("max_pool_gather", lambda x: _core.call("max_pool_gather", (x, _pool_indices(x)), ()),
           images(("2x2 windows", (2, 3, 4, 4))), FLOATS, grad=False),
    Sample("avg_pool2d", lambda x, k, s, p, ceil, pad: nn_ops.avg_pool2d(x, k, s, p, ceil, pad), images(
        ("2x2", (2, 3, 4, 4), 2, None, 0, False, True), ("padding, excluded", (1, 2, 5, 5), 3, 2, 1, False, False),
        ("ceil mode", (1, 1, 5, 5), 2, 2, 0, True, True), ("non-contiguous", (1, 1, 4, 4), 2, 1, 0, False, True)),
        FLOATS),
    Sample("avg_pool2d_backward", lambda g: _core.call("avg_pool2d_backward", (g,), (
        (5, 5), (3, 3), (2, 2), (1, 1), False, False, 0)), images(("3x3, stride 2, padding 1", (1, 2, 3, 3))),
        FLOATS, grad=False),
    Sample("adaptive_avg_pool2d", lambda x, size: nn_ops.adaptive_avg_pool2d(x, size), images(
        ("to 2x3", (2, 3, 5, 7), (2, 3)), ("to 1x1", (1, 2, 4, 4), 1), ("non-contiguous", (1, 1, 4, 4), (3, 2))),
        FLOATS),
    Sample("adaptive_avg_pool2d_backward", lambda g: _core.call("adaptive_avg_pool2d_backward", (g,), ((5, 7),)),
           images(("from 2x3", (2, 3, 2, 3))), FLOATS, grad=False),
    Sample("adaptive_max_pool2d", lambda x, size: nn_ops.adaptive_max_pool2d_with_indices(x, size), images(
        ("to 2x3", (2, 3, 5, 7), (2, 3)), ("non-contiguous", (1, 1, 4, 4), (3, 2))), FLOATS),
    Sample("embedding", lambda w, idx: nn_ops.embedding(w, idx), lambda d, r: [
        Case("1-d indices", (values((6, 3), d, r), _indices((4,), 6)(d, r))),
        Case("2-d indices", (values((5, 2), d, r), _indices((2, 3), 5)(d, r)))], FLOATS),
    Sample("embedding_backward", lambda g, idx, n, pad: _core.call("embedding_backward", (g, idx), (n, pad)),
           lambda d, r: [Case("repeated indices", (values((5, 3), d, r), values((5,), "int64", r, "index:4"), 4, -1)),
                         Case("padding_idx", (values((2, 3, 2), d, r), values((2, 3), "int64", r, "index:3"), 3, 1))],
           FLOATS, grad=False),
    Sample("batch_norm", lambda x, w, b, mean, var: (
        ember.batch_norm(x, w, b, mean, var, True, 0.1, 1e-5), mean, var), lambda d, r: [
        Case("4-d", (values((3, 2, 4, 4), d, r), values((2,), d, r), values((2,), d, r),
                     values((2,), d, r), values((2,), d, r, "positive"))),
        Case("2-d without affine", (values((5, 3), d, r), None, None, values((3,), d, r),
                                    values((3,), d, r, "positive"))),
        Case("non-contiguous", (values((4, 3), d, r, order="F"), values((3,), d, r), None, None, None))],
        FLOATS, optional=True),
    Sample("batch_norm_backward", _gradients_of(lambda x, w, b: ember.batch_norm(x, w, b, None, None, True, 0.1, 1e-5)),
           lambda d, r: [Case("4-d", (values((3, 2, 4, 4), d, r), values((2,), d, r), values((2,), d, r))),
                         Case("2-d without affine", (values((5, 3), d, r), None, None))],
           FLOATS, optional=True, grad=False),
    Sample("sgd_step", _optimizer("SGD", lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True), _param_and_grad,
           FLOATS, optional=True, grad=False),
    Sample("adam_step", _optimizer("Adam", lr=0.01, weight_decay=0.01, amsgrad=True), _param_and_grad, FLOATS,
           optional=True, grad=False),
    Sample("adam_step", _optimizer("AdamW", lr=0.01), _param_and_grad, FLOATS, optional=True, grad=False,
           name="adamw_step"),
    Sample("sgd_group", _optimizer("SGD", lr=0.1, momentum=0.9, dampening=0.1), _param_and_grad, FLOATS, optional=True,
           grad=False),
    Sample("adam_group", _optimizer("Adam", lr=0.01), _param_and_grad, FLOATS, optional=True, grad=False),
    Sample("rmsprop_step", _optimizer("RMSprop", lr=0.01, momentum=0.5, centered=True), _param_and_grad, FLOATS,
           optional=True, grad=False),
    Sample("adagrad_step", _optimizer("Adagrad", lr=0.1), _param_and_grad, FLOATS, optional=True, grad=False),
    Sample("adadelta_step", _optimizer("Adadelta"), _param_and_grad, FLOATS, optional=True, grad=False),
    Sample("adamax_step", _optimizer("Adamax", lr=0.01), _param_and_grad, FLOATS, optional=True, grad=False),
]
