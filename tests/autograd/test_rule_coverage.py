"""Every kernel of the CPU backend has a derivative rule, or is listed here as one that never
carries a gradient. A new op without a rule fails this test: add the rule to
``ember/autograd/rules/`` (and a gradcheck test), or, if it truly has no gradient, add it below."""

import ember
import ember.autograd
from ember.autograd.rules import RULES

# results are bool or integer (never require grad), or the kernel is not recorded at all
NON_DIFFERENTIABLE = {
    "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift", "bitwise_right_shift",
    "isnan", "isinf", "isfinite", "all", "any", "argmax", "argmin", "argsort", "nonzero", "nonzero_tuple",
    # the in-place write behind copy_ and in-place ops (recorded as expand_copy / the out-of-place op)
    "copy_",
    # optimizer updates: run on parameters' data under no_grad, never recorded
    "sgd_step", "adam_step", "adamax_step", "adagrad_step", "adadelta_step", "rmsprop_step", "sgd_group", "adam_group",
    # conv2d's and conv_transpose2d's fused backwards: their rules call them only with grad mode off (no create_graph)
    "conv2d_backward", "conv_transpose2d_backward",
    # batch norm's fused backward: likewise called by the batch_norm rule only with grad mode off
    "batch_norm_backward",
    # the fused backward kernels of layer norm and the recurrent layers: likewise, grad mode off only
    "layer_norm_backward", "lstm_layer_backward", "gru_layer_backward", "gelu_backward",
    # cross_entropy's fused backward (softmax - onehot): the cross_entropy rule calls it only with grad mode off
    "cross_entropy_backward",
}


def test_every_kernel_has_a_rule_or_is_declared_non_differentiable():
    kernels = ember.ones(1).device._kernels
    missing = sorted(name for name in kernels
                     if name not in RULES and name not in NON_DIFFERENTIABLE
                     and not (name.endswith("_") and name[:-1] in kernels))   # in-place twins record name[:-1]
    assert missing == [], f"kernels without a derivative rule: {missing}"


def test_non_differentiable_list_has_no_stale_entries():
    kernels = ember.ones(1).device._kernels
    assert sorted(NON_DIFFERENTIABLE - set(kernels)) == []
    assert sorted(NON_DIFFERENTIABLE & set(RULES)) == []
