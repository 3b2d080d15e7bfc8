"""Samples for the fused loss kernels: ``cross_entropy`` (log_softmax and nll_loss in one pass).

Its gradient is compared too (``cross_entropy_backward`` runs where the backend has it), as the
gradient of the logits, like ``nll_loss_backward``'s sample.
"""

from __future__ import annotations

from ember.testing.samples._base import Case, Sample, gradients_of, values

FLOATS = ("float32", "float64")


def _logits_and_targets(d, r):
    return [Case("mean", (values((5, 4), d, r), values((5,), "int64", r, "index:4"), None, -100, "mean")),
            Case("sum, ignored target", (values((6, 3), d, r), values((6,), "int64", r, "index:3"), None, 1, "sum")),
            Case("none, class weights", (values((4, 5), d, r), values((4,), "int64", r, "index:5"),
                                         values((5,), d, r, "positive"), -100, "none")),
            Case("non-contiguous", (values((3, 4), d, r, order="F"), values((3,), "int64", r, "index:4"), None, -100,
                                    "mean"))]


def _cross_entropy(x, target, weight, ignore_index, reduction):
    """``ember.nn.functional.cross_entropy``: the fused kernel where the backend has it, else the composite."""
    import pytest
    functional = pytest.importorskip("ember.nn.functional", reason="cross_entropy is ember-nn's loss")
    return functional.cross_entropy(x, target, weight, ignore_index=ignore_index, reduction=reduction)


SAMPLES: list[Sample] = [
    Sample("cross_entropy", _cross_entropy,
           _logits_and_targets, FLOATS, optional=True),
    Sample("cross_entropy_backward", gradients_of(_cross_entropy, wrt=(0,)), _logits_and_targets, FLOATS,
           optional=True, grad=False),
]
