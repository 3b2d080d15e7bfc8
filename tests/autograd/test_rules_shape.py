"""gradcheck of the shape ops (views and copies) and conversions."""

import pytest
from autograd_checks import check, rand

import ember

CASES = [
    ("view", lambda x: x.view(6, 2), (3, 4), True),
    ("view_infer", lambda x: x.view(-1), (3, 4), True),
    ("reshape_copy", lambda x: x.reshape(12), (3, 4), False),
    ("reshape_view", lambda x: x.reshape(2, 6), (3, 4), True),
    ("flatten", lambda x: x.flatten(), (2, 3, 2), True),
    ("unflatten", lambda x: x.unflatten(1, (2, 2)), (3, 4), True),
    ("permute", lambda x: x.permute(2, 0, 1), (2, 3, 4), True),
    ("transpose", lambda x: x.transpose(0, 2), (2, 3, 4), False),
    ("t", lambda x: x.t(), (3, 4), True),
    ("T", lambda x: x.T, (3, 4), False),
    ("mT", lambda x: x.mT, (2, 3, 4), True),
    ("squeeze_all", lambda x: x.squeeze(), (3, 1, 4, 1), True),
    ("squeeze_dim", lambda x: x.squeeze(1), (3, 1, 4), True),
    ("unsqueeze", lambda x: x.unsqueeze(1), (3, 4), True),
    ("unsqueeze_neg", lambda x: x.unsqueeze(-1), (3, 4), False),
    ("expand", lambda x: x.expand(2, 3, 4), (3, 1), True),
    ("expand_as", lambda x: x.expand_as(ember.ones(3, 4)), (4,), True),
    ("narrow", lambda x: x.narrow(1, 1, 2), (3, 4), True),
    ("narrow_start", lambda x: x.narrow(0, 0, 2), (3, 4), False),
    ("split", lambda x: x.split(2, 1), (3, 5), True),
    ("split_sizes", lambda x: x.split([1, 3], 1), (3, 4), True),
    ("split_first_only", lambda x: x.split(2, 0)[0], (3, 4), True),
    ("chunk", lambda x: x.chunk(2, 0), (3, 4), True),
    ("unbind", lambda x: x.unbind(1), (3, 4), True),
    ("unbind_one", lambda x: x.unbind(0)[1], (3, 4), False),
    ("cat", lambda x: ember.cat([x, x * 2, x[:1]], 0), (3, 4), True),
    ("stack", lambda x: ember.stack([x, x * 2], 1), (3, 4), True),
    ("repeat", lambda x: x.repeat(2, 1, 3), (3, 2), True),
    ("tile", lambda x: x.tile(2), (3, 2), True),
    ("flip", lambda x: x.flip(0, 1), (3, 4), False),
    ("roll", lambda x: x.roll(1, 0), (3, 4), True),
    ("roll_dims", lambda x: x.roll((1, -2), (0, 1)), (3, 4), True),
    ("roll_flat", lambda x: x.roll(5), (3, 4), True),
    ("movedim", lambda x: x.movedim(0, 2), (2, 3, 4), True),
    ("swapaxes", lambda x: x.swapaxes(0, 1), (3, 4), True),
    ("hstack", lambda x: ember.hstack([x, x]), (3, 4), True),
    ("vstack", lambda x: ember.vstack([x, x]), (3, 4), True),
    ("atleast_2d", lambda x: ember.atleast_2d(x), (4,), True),
]


@pytest.mark.parametrize("name,fn,shape,contiguous", CASES, ids=[c[0] for c in CASES])
def test_shape_op(name, fn, shape, contiguous):
    check(fn, rand(*shape, contiguous=contiguous))


def test_grad_fn_names():
    x = rand(3, 4)
    assert x.view(12).grad_fn.name() == "ViewBackward0"
    assert x.t().reshape(12).grad_fn.name() == "UnsafeViewBackward0"
    assert x.permute(1, 0).grad_fn.name() == "PermuteBackward0"
    assert x.expand(2, 3, 4).grad_fn.name() == "ExpandBackward0"
    assert ember.cat([x, x]).grad_fn.name() == "CatBackward0"
    assert x.unbind()[0].grad_fn.name() == "UnbindBackward0"


def test_views_share_the_version_counter_with_their_base():
    x = rand(3, 4)
    h = x * 1
    v = h.view(12)
    y = v * v
    h.add_(1)       # changes v's data too
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


CONVERSIONS = [
    ("to_float32", lambda x: x.to(ember.float32).to(ember.float64) * 1),
    ("float", lambda x: x.float().double() * 2),
    ("double", lambda x: x.double()),
    ("clone", lambda x: x.clone()),
    ("contiguous", lambda x: x.t().contiguous()),
    ("to_cpu", lambda x: x.to("cpu", copy=True)),
    ("type_as", lambda x: x.type_as(ember.ones(1, dtype=ember.float64))),
]


@pytest.mark.parametrize("name,fn", CONVERSIONS, ids=[c[0] for c in CONVERSIONS])
def test_conversion(name, fn):
    check(fn, rand(3, 4), eps=1e-3, atol=1e-3)   # float32 round trips: a coarser step


def test_cast_grad_comes_back_in_input_dtype():
    x = ember.ones(3, requires_grad=True)
    y = x.double()
    assert y.grad_fn.name() == "ToCopyBackward0"
    y.sum().backward()
    assert x.grad.dtype is ember.float32


def test_cast_to_integer_cuts_the_graph():
    x = ember.ones(3, requires_grad=True)
    assert not x.long().requires_grad


def test_copy_into_non_leaf_and_buffer():
    x = rand(3)
    src = rand(3)
    h = x * 1
    h.copy_(src)
    assert h.grad_fn.name() == "CopyBackwards"
    h.sum().backward()
    assert src.grad.tolist() == [1.0, 1.0, 1.0]
    assert x.grad is None
    buf = ember.zeros(2, 3, dtype=ember.float64)
    w = rand(3)
    buf.copy_(w)     # broadcast copy: the gradient sums over the broadcast dim
    (buf * 3).sum().backward()
    assert w.grad.tolist() == [6.0, 6.0, 6.0]


def test_tril_triu_repeat_interleave_gradcheck():
    from ember.autograd import gradcheck
    x = ember.randn(2, 3, 4, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda t: t.tril(1), (x,))
    assert gradcheck(lambda t: t.triu(-1), (x,))
    assert gradcheck(lambda t: t.repeat_interleave(3, dim=1), (x,))
    assert gradcheck(lambda t: t.repeat_interleave(ember.tensor([2, 0, 1]), dim=1), (x,))
    assert gradcheck(lambda t: t.repeat_interleave(2), (x,))


def test_single_piece_unbind_split_chunk_gradients():
    """An op that returned one piece gets its gradient from the engine as a lone tensor, not a tuple."""
    for piece in (lambda t: t.unbind(0)[0], lambda t: t.split(1, 0)[0], lambda t: t.chunk(1, 0)[0]):
        x = ember.randn(1, 4, 3, dtype=ember.float64, requires_grad=True)
        (piece(x) * ember.arange(3.0, dtype=ember.float64)).sum().backward()
        assert tuple(x.grad.shape) == (1, 4, 3)
        assert x.grad[0, :, 2].tolist() == [2.0] * 4
