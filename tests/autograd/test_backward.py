"""Tensor.backward, ember.autograd.backward and grad: accumulation, roots, errors, graph
freeing, deep graphs and the version check."""

import gc
import re
import weakref

import numpy as np
import pytest
from autograd_checks import check, rand

import ember
from ember.autograd import grad


def leaf(values, dtype=ember.float32):
    return ember.tensor(values, dtype=dtype, requires_grad=True)


def test_grad_accumulates_across_backward_calls():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * 3).sum().backward()
    assert x.grad.tolist() == [2.0 + 3.0, 4.0 + 3.0]


def test_non_scalar_needs_gradient_argument():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="^grad can be implicitly created only for scalar outputs$"):
        (x * 2).backward()
    (x * 2).backward(ember.tensor([1.0, 10.0]))
    assert x.grad.tolist() == [2.0, 20.0]


def test_gradient_shape_mismatch_message():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError) as e:
        (x * 2).backward(ember.ones(2))
    assert str(e.value) == ("Mismatch in shape: grad_output[0] has a shape of ember.Size([2]) and output[0] "
                            "has a shape of ember.Size([3]).")


def test_backward_of_tensor_without_grad_fn():
    with pytest.raises(RuntimeError, match="^element 0 of tensors does not require grad and does not have a grad_fn$"):
        ember.ones(1).backward()
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="^element 1 of tensors does not require grad"):
        ember.autograd.backward([x * 2, ember.ones(1)], [ember.ones(1), ember.ones(1)])


def test_gradient_count_must_match():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="^got 2 tensors and 1 gradients$"):
        ember.autograd.backward([x * 2, x * 3], [ember.ones(1)])


def test_second_backward_raises_unless_graph_retained():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]
    with pytest.raises(RuntimeError) as e:
        y.backward()
    assert str(e.value).startswith("Trying to backward through the graph a second time (or directly access saved "
                                   "tensors after they have already been freed).")
    assert "Specify retain_graph=True" in str(e.value)


def test_graph_without_saved_tensors_can_run_twice_as_in_pytorch():
    x = leaf([1.0, 2.0])
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_leaf_as_root():
    x = leaf([1.0, 2.0])
    x.backward(ember.tensor([3.0, 4.0]))
    assert x.grad.tolist() == [3.0, 4.0]


def test_several_roots_and_shared_subgraph():
    x = leaf([1.0, 2.0])
    h = x * x
    ember.autograd.backward([h.sum(), (h * 2).sum()])
    assert x.grad.tolist() == [6.0, 12.0]


def test_grads_of_two_leaves_are_separate_tensors():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()
    a.grad.mul_(10)
    assert b.grad.tolist() == [1.0, 1.0]


def test_user_gradient_is_not_aliased_into_grad():
    a = leaf([1.0, 2.0])
    g = ember.tensor([5.0, 6.0])
    (a + 0).backward(g)
    g.mul_(0)
    assert a.grad.tolist() == [5.0, 6.0]


def test_grad_does_not_accumulate_and_returns_tuple():
    x = leaf([1.0, 2.0])
    y = leaf([3.0, 4.0])
    gx, gy = grad((x * y).sum(), (x, y))
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    assert x.grad is None and y.grad is None
    assert not gx.requires_grad


def test_grad_allow_unused_and_materialize():
    x, z = leaf([1.0]), leaf([2.0])
    with pytest.raises(RuntimeError, match="^The differentiated Tensor at index 1 appears to not have been used in "
                                           "the graph. Set allow_unused=True"):
        grad((x * 2).sum(), (x, z))
    assert grad((x * 2).sum(), (x, z), allow_unused=True)[1] is None
    assert grad((x * 2).sum(), (x, z), materialize_grads=True)[1].tolist() == [0.0]
    with pytest.raises(RuntimeError, match="^One of the differentiated Tensors does not require grad$"):
        grad((x * 2).sum(), ember.ones(1))


def test_grad_with_respect_to_non_leaf():
    x = leaf([1.0, 2.0])
    h = x * 3
    y = (h * h).sum()
    (gh,) = grad(y, h)
    assert gh.tolist() == [6.0, 12.0]


def test_grad_runs_only_the_needed_part_of_the_graph():
    x = leaf([1.0])
    broken = ember.autograd.Function  # a node whose backward would fail must not run

    class Fails(broken):
        @staticmethod
        def forward(ctx, t):
            return t * 1

        @staticmethod
        def backward(ctx, g):
            raise AssertionError("should not run")

    other = leaf([2.0])
    y = (x * 2).sum() + Fails.apply(other).sum()
    assert grad(y, x)[0].tolist() == [2.0]


def test_backward_inputs_accumulates_only_there():
    x, w = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    h = x * w
    h.retain_grad()
    (h * h).sum().backward(inputs=[w, h])
    assert x.grad is None
    assert h.grad.tolist() == [6.0, 16.0]
    assert w.grad.tolist() == [6.0, 32.0]
    with pytest.raises(RuntimeError, match="'inputs' argument to backward\\(\\) cannot be empty."):
        (x * 2).sum().backward(inputs=[])


def test_higher_order_derivatives():
    x = leaf(3.0, ember.float64)
    y = x ** 3
    (d1,) = grad(y, x, create_graph=True)
    (d2,) = grad(d1, x, create_graph=True)
    (d3,) = grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (27.0, 18.0, 6.0)


def test_create_graph_backward_gives_differentiable_grad():
    x = leaf([1.0, 2.0], ember.float64)
    with pytest.warns(UserWarning, match="Using backward\\(\\) with create_graph=True will create a reference cycle"):
        (x.exp() * x).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    x.grad = None
    g.sum().backward()
    xs = np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), np.exp(xs) * (xs + 2))


def test_deep_chain_of_100000_ops_backpropagates_without_recursion():
    x = leaf([1.5])
    y = x
    for _ in range(50_000):
        y = y * 1.0
        y = y + 0.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


def test_saved_tensors_are_released_after_backward():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    h = a * b
    ref = weakref.ref(h)
    out = (h * b).sum()
    del h
    assert ref() is not None        # MulBackward0 of out keeps h for backward
    out.backward()
    assert ref() is None            # ... and lets it go afterwards


def test_saved_output_creates_no_reference_cycle():
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        y = x.exp()                 # ExpBackward0 saves its output
        ref = weakref.ref(y)
        node = weakref.ref(y.grad_fn)
        del y
        assert ref() is None and node() is None   # freed by reference counting alone
    finally:
        gc.enable()


def test_retain_graph_keeps_saved_tensors():
    a, b = leaf([1.0]), leaf([2.0])
    h = a * b
    ref = weakref.ref(h)
    out = (h * b).sum()
    del h
    out.backward(retain_graph=True)
    assert ref() is not None


def test_modified_saved_tensor_is_detected():
    x = leaf([1.0, 2.0, 3.0])
    h = x * 2
    y = h * h
    h.add_(1)
    with pytest.raises(RuntimeError) as e:
        y.sum().backward()
    assert str(e.value).startswith(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        "[ember.FloatTensor [3]], which is output 0 of AddBackward0, is at version 1; expected version 0 instead.")


def test_modified_saved_leaf_is_detected():
    x = leaf([1.0, 2.0])
    w = ember.tensor([3.0, 4.0])
    y = x * w
    w.mul_(2)
    with pytest.raises(RuntimeError, match=re.escape(
            "[ember.FloatTensor [2]] is at version 1; expected version 0 instead.")):
        y.sum().backward()


def test_inplace_on_leaf_requiring_grad_is_refused():
    x = leaf([1.0])
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place "
                                           "operation.$"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0]


def test_inplace_ops_on_non_leaf_keep_history():
    x = leaf([1.0, 2.0], ember.float64)
    w = leaf([3.0, 5.0], ember.float64)
    h = x * 1
    h += w
    assert h.grad_fn.name() == "AddBackward0"
    h.exp_()
    h.sub_(2)
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([4.0, 7.0]))
    np.testing.assert_allclose(w.grad.numpy(), np.exp([4.0, 7.0]))


def test_inplace_into_buffer_that_does_not_require_grad():
    w = leaf([2.0, 3.0])
    buf = ember.zeros(2)
    buf += w
    assert buf.requires_grad and not buf.is_leaf
    (buf * buf).sum().backward()
    assert w.grad.tolist() == [4.0, 6.0]


def test_inplace_ops_that_need_the_overwritten_value():
    # the dispatcher rebases before writing, so the recorder keeps the old values
    x = leaf([1.0, 2.0], ember.float64)
    b = leaf([3.0, 4.0], ember.float64)
    h = x * 1
    h.mul_(b)
    h.sin_()
    h.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), np.cos([3.0, 8.0]) * [1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), np.cos([3.0, 8.0]) * [3.0, 4.0])
    check(lambda x, b: (x * 1).mul_(b).sin_().pow_(2), rand(3), rand(3))


def test_next_functions_and_accumulate_grad():
    x = leaf([1.0])
    y = x * 2 + x
    fn = y.grad_fn
    assert fn.name() == "AddBackward0"
    (mul, _), (acc, nr) = fn.next_functions
    assert mul.name() == "MulBackward0" and nr == 0
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
    assert mul.next_functions[0][0] is acc     # one AccumulateGrad per leaf
    assert mul.next_functions[1] == (None, 0)
    assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>", repr(mul))


def test_repr_shows_grad_fn_and_requires_grad():
    x = leaf([1.0, 2.0])
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr((x * 2).sum()) == "tensor(6., grad_fn=<SumBackward0>)"


def test_leaf_and_requires_grad_flags():
    x = leaf([1.0])
    y = x * 2
    assert x.is_leaf and not y.is_leaf and y.requires_grad
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    d.add_(1)
    assert y.tolist() == [3.0]        # detach shares data
    y.detach_()
    assert y.is_leaf and not y.requires_grad


def test_non_float_outputs_never_require_grad():
    x = leaf([1.0, 3.0, 2.0])
    assert not x.argmax().requires_grad
    assert not (x > 1).requires_grad
    values, indices = x.max(0)
    assert values.requires_grad and not indices.requires_grad


def test_no_grad_results_do_not_require_grad():
    x = leaf([1.0])
    with ember.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None


def test_missing_rule_raises_at_backward():
    from ember import _core
    from ember.autograd.rules import RULES
    x = leaf([1.0, 2.0])
    assert "__ember_test_op" not in RULES
    x._device._kernels["__ember_test_op"] = lambda a: a * 2
    try:
        y = _core.call("__ember_test_op", (x,))
        assert y.grad_fn.name() == "NotImplemented"
        with pytest.raises(RuntimeError, match="^the derivative for '__ember_test_op' is not implemented.$"):
            y.sum().backward()
        assert "__ember_test_op" not in RULES     # a stand-in, not a rule the coverage test would count
    finally:
        del x._device._kernels["__ember_test_op"]


def test_wrong_gradient_shape_from_a_rule_is_reported():
    class Bad(ember.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 1

        @staticmethod
        def backward(ctx, g):
            return ember.ones(5)

    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=re.escape("Function BadBackward returned an invalid gradient at index 0 - "
                                                     "got [5] but expected shape compatible with [2]")):
        Bad.apply(x).sum().backward()


def test_inplace_scaling_of_a_saved_operand_that_is_not_needed():
    # mul saved h, but only the gradient of h's partner would read it
    x = leaf([1.0, 2.0])
    h = x * 1
    h *= 3
    h.div_(2)
    h.sum().backward()
    assert x.grad.tolist() == [1.5, 1.5]


def test_inplace_op_does_not_leave_a_reference_cycle():
    gc.disable()
    try:
        x = leaf([1.0, 2.0])
        h = x * 1
        h.mul_(2)                   # mul saved h; h is now its output
        ref = weakref.ref(h)
        node = weakref.ref(h.grad_fn)
        del h
        assert ref() is None and node() is None
    finally:
        gc.enable()
