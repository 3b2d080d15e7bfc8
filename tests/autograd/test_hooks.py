"""Tensor hooks, retain_grad, post-accumulate hooks and node hooks."""

import pytest

import ember


def leaf(values):
    return ember.tensor(values, requires_grad=True)


def test_leaf_hook_sees_and_replaces_the_gradient():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    x.register_hook(lambda g: g * 10)
    (x * 3).sum().backward()
    assert seen == [[3.0, 3.0]]
    assert x.grad.tolist() == [30.0, 30.0]


def test_leaf_hook_runs_once_with_the_summed_gradient():
    x = leaf([1.0])
    calls = []
    x.register_hook(lambda g: calls.append(g.item()))
    (x * 2 + x * 3).sum().backward()
    assert calls == [5.0]


def test_non_leaf_hook_changes_what_flows_upstream():
    x = leaf([1.0, 2.0])
    h = x * 2
    h.register_hook(lambda g: g * 0 + 1)
    (h * h).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_handle_remove():
    x = leaf([1.0])
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0]
    y = x * 1
    with y.register_hook(lambda g: g * 100):
        pass                       # the handle is also a context manager
    y.sum().backward()
    assert x.grad.tolist() == [3.0]


def test_hook_on_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="^cannot register a hook on a tensor that doesn't require gradient$"):
        ember.ones(2).register_hook(lambda g: g)


def test_retain_grad():
    x = leaf([1.0, 2.0])
    h = x * 3
    assert not h.retains_grad
    h.retain_grad()
    assert h.retains_grad and not x.retains_grad
    (h * h).sum().backward(retain_graph=True)
    assert h.grad.tolist() == [6.0, 12.0]
    (h * h).sum().backward()
    assert h.grad.tolist() == [12.0, 24.0]   # accumulates like a leaf's
    x.retain_grad()                          # a no-op on leaves
    with pytest.raises(RuntimeError, match="^can't retain_grad on Tensor that has requires_grad=False$"):
        ember.ones(1).retain_grad()


def test_retained_grad_is_after_hooks():
    x = leaf([1.0])
    h = x * 1
    h.retain_grad()
    h.register_hook(lambda g: g * 7)
    h.sum().backward()
    assert h.grad.tolist() == [7.0]


def test_non_leaf_grad_stays_none_without_retain_grad():
    x = leaf([1.0])
    h = x * 2
    h.sum().backward()
    assert h.grad is None


def test_post_accumulate_grad_hook():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.tolist()))
    (x * 2).sum().backward()
    assert seen == [[2.0, 2.0]]
    with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)


def test_node_hooks():
    x = leaf([1.0, 2.0])
    y = x * 3
    log = []
    y.grad_fn.register_prehook(lambda grad_outputs: log.append(("pre", grad_outputs[0].tolist())))

    def post(grad_inputs, grad_outputs):
        log.append(("post", grad_inputs[0].tolist()))
        return (grad_inputs[0] * 2, grad_inputs[1])

    y.grad_fn.register_hook(post)
    y.sum().backward()
    assert log == [("pre", [1.0, 1.0]), ("post", [3.0, 3.0])]
    assert x.grad.tolist() == [6.0, 6.0]


def test_hooks_fire_in_grad_too():
    x = leaf([1.0])
    h = x * 2
    h.register_hook(lambda g: g * 5)
    (gx,) = ember.autograd.grad((h * 1).sum(), x)
    assert gx.tolist() == [10.0]


def test_queue_callback_runs_once_the_backward_pass_is_done():
    from ember.autograd.engine import queue_callback
    a = ember.tensor([1.0, 2.0], requires_grad=True)
    b = ember.tensor([3.0], requires_grad=True)
    seen = []

    def at_end():
        seen.append(("end", a.grad.tolist(), b.grad.tolist()))
        queue_callback(lambda: seen.append(("queued by a callback",)))

    def hook(t):
        if not seen:
            queue_callback(at_end)
        seen.append(("hook", t.grad.tolist()))

    a.register_post_accumulate_grad_hook(hook)
    b.register_post_accumulate_grad_hook(hook)
    ((a * b).sum() * 2).backward()
    assert seen[-2:] == [("end", [6.0, 6.0], [6.0]), ("queued by a callback",)]
    assert sorted(s[0] for s in seen[:-2]) == ["hook", "hook"]
    with pytest.raises(RuntimeError, match="only be called during the backward pass"):
        queue_callback(at_end)


def test_queue_callback_does_not_run_when_backward_fails():
    from ember.autograd.engine import queue_callback
    a = ember.tensor([1.0], requires_grad=True)
    ran = []

    def hook(t):
        queue_callback(lambda: ran.append(True))
        raise ValueError("hook failed")

    a.register_post_accumulate_grad_hook(hook)
    with pytest.raises(ValueError, match="hook failed"):
        (a * 2).sum().backward()
    assert ran == []


def test_a_leaf_gradient_is_accumulated_as_soon_as_it_is_complete():
    # DistributedDataParallel starts all-reduces from post-accumulate hooks: the output layer's
    # gradient must land before backward has gone down the rest of the graph
    w_in = ember.tensor([0.5, -0.25], requires_grad=True)
    w_out = ember.tensor([2.0, 3.0], requires_grad=True)
    order = []
    w_in.register_post_accumulate_grad_hook(lambda t: order.append("w_in"))
    w_out.register_post_accumulate_grad_hook(lambda t: order.append(("w_out", w_in.grad is None)))
    h = w_in * ember.tensor([1.0, 2.0])
    for _ in range(5):
        h = ember.tanh(h)
    (w_out * h).sum().backward()
    assert order == [("w_out", True), "w_in"]
