"""Samples for the neural-network kernels: convolution pieces, pooling, embedding, batch and layer norm,
the negative log-likelihood, the fused LSTM and GRU layers, and the fused optimizer updates of
ember.optim (when ember-nn is installed).

The backward kernels (``max_pool_scatter``, ``avg_pool2d_backward``, ...) are called directly
with the parameters ember-autograd's rules pass, so they are checked without autograd.
"""

from __future__ import annotations

import numpy as np

import ember
from ember import _core
from ember.ops import nn_ops, recurrent
from ember.testing.samples._base import Case, Sample, gradients_of, values

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


def _layer_norms(dtype, rng):
    """(input, normalized_shape, weight, bias): one and two normalized dims, each affine part optional,
    constant rows (zero variance: eps alone keeps rstd finite) and a non-contiguous input."""
    v = lambda shape, order="C": values(shape, dtype, rng, order=order)  # noqa: E731
    flat = v((3, 6))
    flat[1] = 1.25
    return [Case("last dim, weight and bias", (v((4, 5)), (5,), v((5,)), v((5,)))),
            Case("two dims, no affine", (v((2, 3, 4)), (3, 4), None, None)),
            Case("weight only", (v((2, 2, 5)), (5,), v((5,)), None)),
            Case("bias only", (v((3, 5)), (5,), None, v((5,)))),
            Case("constant rows", (flat, (6,), v((6,)), v((6,)))),
            Case("offset rows", (v((3, 7)) + 30, (7,), v((7,)), v((7,)))),
            Case("non-contiguous", (v((5, 4), "F"), (4,), v((4,)), v((4,)))),
            Case("no rows", (v((0, 4)), (4,), v((4,)), v((4,))))]


def _affine_layer_norms(dtype, rng):
    return [c for c in _layer_norms(dtype, rng) if c.args[2] is not None or c.args[3] is not None]


def _layer_norm(x, shape, w, b):
    return nn_ops.layer_norm(x, shape, w, b, 1e-5)


def _log_probs(shape, dtype, rng):
    """Log-probabilities over dim 1 (dim 0 for a 1-d input), as ``log_softmax`` gives them."""
    x = values(shape, dtype, rng).astype(np.float64)
    axis = 0 if len(shape) == 1 else 1
    return (x - np.log(np.exp(x).sum(axis=axis, keepdims=True))).astype(dtype)


def _nll_cases(dtype, rng):
    """(log-probs, target, weight, reduction, ignore_index): every reduction, class weights, ignored
    targets (the default -100 and a class index), 1-d and (N, C, d) inputs, a non-contiguous input."""
    t = lambda shape, c: values(shape, "int64", rng, f"index:{c}")  # noqa: E731
    ignored = t((6,), 4)
    ignored[[1, 4]] = -100
    return [Case(f"{reduction}", (_log_probs((5, 4), dtype, rng), t((5,), 4), None, reduction, -100))
            for reduction in ("mean", "sum", "none")] + [
        Case(f"weights, {reduction}", (_log_probs((6, 3), dtype, rng), t((6,), 3), values((3,), dtype, rng, "positive"),
                                       reduction, -100)) for reduction in ("mean", "sum", "none")] + [
        Case("ignored targets, mean", (_log_probs((6, 4), dtype, rng), ignored, None, "mean", -100)),
        Case("ignored targets, weights, none", (_log_probs((6, 4), dtype, rng), ignored,
                                                values((4,), dtype, rng, "positive"), "none", -100)),
        Case("ignore_index is a class", (_log_probs((6, 3), dtype, rng), np.array([0, 1, 2, 1, 0, 2]),
                                         values((3,), dtype, rng, "positive"), "mean", 1)),
        Case("1-d input, 0-d target", (_log_probs((5,), dtype, rng), np.array(3), None, "mean", -100)),
        Case("(N, C, d) input", (_log_probs((2, 3, 4), dtype, rng), t((2, 4), 3), None, "sum", -100)),
        Case("non-contiguous", (np.asfortranarray(_log_probs((4, 3), dtype, rng)), t((4,), 3), None, "mean", -100)),
        Case("no samples, sum", (_log_probs((0, 3), dtype, rng), t((0,), 3), None, "sum", -100))]


def _nll_loss(x, target, weight, reduction, ignore_index):
    import pytest

    functional = pytest.importorskip("ember.nn.functional", reason="nll_loss is ember-nn's")
    return functional.nll_loss(x, target, weight, ignore_index=ignore_index, reduction=reduction)


def _layers(gates: int, states: int, bias: bool = False):
    """(projected input (T, N, gates*H), states (N, H)..., weight_hh[, bias_hh], reverse): both
    directions, one step, a batch of one, no bias, a non-contiguous input."""

    def build(dtype, rng):
        def case(label, steps, n, hidden, reverse, with_bias=bias, order="C"):
            v = lambda shape, o="C": values(shape, dtype, rng, order=o)  # noqa: E731
            extra = (v((gates * hidden,)) if with_bias else None,) if bias else ()
            return Case(label, (v((steps, n, gates * hidden), order), *(v((n, hidden)) for _ in range(states)),
                                v((gates * hidden, hidden)) * 0.5, *extra, reverse))

        out = [case("forward", 4, 2, 3, False), case("reverse", 4, 2, 3, True), case("one step", 1, 3, 2, False),
               case("batch of one, reverse", 3, 1, 4, True), case("non-contiguous", 3, 2, 3, False, order="F")]
        if bias:
            out.append(case("no bias_hh", 3, 2, 3, True, with_bias=False))
        return out

    return build


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
    Sample("conv2d_backward", gradients_of(lambda x, w, b, s, p, d, g: ember.conv2d(x, w, b, s, p, d, g)), images(
        ("3x3, padding 1", (2, 3, 5, 5), (4, 3, 3, 3), (4,), 1, 1, 1, 1),
        ("groups, stride 2, no bias", (1, 4, 7, 7), (6, 2, 3, 3), None, 2, 0, 1, 2), arrays=3), FLOATS,
        optional=True, grad=False),
    Sample("conv_transpose2d", lambda x, w, b, s, p, op, g: ember.conv_transpose2d(x, w, b, s, p, op, g), images(
        ("4x4, stride 2, padding 1", (2, 3, 4, 4), (3, 2, 4, 4), (2,), 2, 1, 0, 1),
        ("groups, output padding, no bias", (1, 4, 3, 3), (4, 3, 3, 3), None, 2, 1, 1, 2),
        ("non-contiguous", (1, 2, 5, 5), (2, 2, 3, 3), (2,), 1, 0, 0, 1), arrays=3), FLOATS, optional=True),
    Sample("conv_transpose2d_backward", gradients_of(
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
    Sample("batch_norm_backward", gradients_of(lambda x, w, b: ember.batch_norm(x, w, b, None, None, True, 0.1, 1e-5)),
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
    Sample("layer_norm", _layer_norm, _layer_norms, FLOATS, optional=True),
    Sample("layer_norm_backward", gradients_of(_layer_norm), _layer_norms, FLOATS, optional=True, grad=False),
    # the input fixed: the kernel is asked for the weight and bias gradients only
    Sample("layer_norm_backward", gradients_of(_layer_norm, wrt=(2, 3)), _affine_layer_norms, FLOATS, optional=True,
           grad=False, name="layer_norm_backward_affine_only"),
    Sample("nll_loss", _nll_loss, _nll_cases, FLOATS, optional=True),
    Sample("nll_loss_backward", gradients_of(_nll_loss, wrt=(0,)), _nll_cases, FLOATS, optional=True, grad=False),
    Sample("lstm_layer", recurrent.lstm_layer, _layers(4, 2), FLOATS, optional=True),
    Sample("lstm_layer_backward", gradients_of(recurrent.lstm_layer), _layers(4, 2), FLOATS, optional=True,
           grad=False),
    Sample("gru_layer", recurrent.gru_layer, _layers(3, 1, bias=True), FLOATS, optional=True),
    Sample("gru_layer_backward", gradients_of(recurrent.gru_layer), _layers(3, 1, bias=True), FLOATS, optional=True,
           grad=False),
]
