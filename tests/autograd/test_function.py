"""ember.autograd.Function: ctx, saved tensors, non-differentiable outputs, once_differentiable."""

import pytest
from autograd_checks import rand

import ember
from ember.autograd import Function, gradcheck, gradgradcheck, once_differentiable


class Exp(Function):
    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class ScaledMul(Function):
    """x * y * scale, with a non-tensor argument."""

    @staticmethod
    def forward(ctx, x, y, scale):
        ctx.save_for_backward(x, y)
        ctx.scale = scale
        return x * y * scale

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx = grad * y * ctx.scale if ctx.needs_input_grad[0] else None
        gy = grad * x * ctx.scale if ctx.needs_input_grad[1] else None
        return gx, gy, None


def test_custom_function_forward_backward_and_name():
    x = rand(3)
    y = Exp.apply(x)
    assert y.grad_fn.name() == "ExpBackward" and type(y.grad_fn).__name__ == "ExpBackward"
    assert y.grad_fn.next_functions[0][0].variable is x
    assert "grad_fn=<ExpBackward>" in repr(y)
    assert gradcheck(Exp.apply, (x,))
    assert gradgradcheck(Exp.apply, (x,))   # backward uses ember ops and the saved output re-attaches


def test_needs_input_grad_and_non_tensor_args():
    x, y = rand(3), rand(3, requires_grad=False)
    seen = {}

    class Spy(ScaledMul):
        @staticmethod
        def backward(ctx, grad):
            seen["needs"] = ctx.needs_input_grad
            return ScaledMul.backward(ctx, grad)

    Spy.apply(x, y, 2.0).sum().backward()
    assert seen["needs"] == (True, False, False)
    assert gradcheck(lambda a, b: ScaledMul.apply(a, b, 3.0), (x, rand(3)))


def test_no_recording_without_grad():
    x = ember.ones(2)
    assert Exp.apply(x).grad_fn is None
    with ember.no_grad():
        assert Exp.apply(rand(2)).grad_fn is None


def test_mark_non_differentiable_and_integer_outputs():
    class SortValues(Function):
        @staticmethod
        def forward(ctx, x):
            values, indices = x.sort()
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            ctx.size = x.shape
            return values, indices

        @staticmethod
        def backward(ctx, grad_values, grad_indices):
            (indices,) = ctx.saved_tensors
            return ember.zeros(ctx.size, dtype=grad_values.dtype).scatter(0, indices, grad_values)

    x = ember.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = SortValues.apply(x)
    assert values.requires_grad and not indices.requires_grad
    (values * ember.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [3.0, 1.0, 2.0]


def test_materialize_grads():
    class Two(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2 is not None        # zeros, not None, by default
            return g1 * 2 + g2 * 3

    x = rand(2)
    a, _ = Two.apply(x)
    a.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]

    class NoMaterialize(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            assert g2 is None
            return g1 * 2

    x = rand(2)
    NoMaterialize.apply(x)[0].sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_setup_context_style():
    class Square(Function):
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    assert gradcheck(Square.apply, (rand(4),))
    assert gradgradcheck(Square.apply, (rand(4),))


def test_returning_an_input_makes_a_new_output():
    class Identity(Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 5

    x = rand(2)
    y = Identity.apply(x)
    assert y is not x and y.grad_fn.name() == "IdentityBackward" and x.is_leaf
    y.sum().backward()
    assert x.grad.tolist() == [5.0, 5.0]


def test_mark_dirty_inplace():
    class AddOne(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = rand(2)
    h = x * 2
    out = AddOne.apply(h)
    assert out is h and h.grad_fn.name() == "AddOneBackward"
    (out * 3).sum().backward()
    assert x.grad.tolist() == [6.0, 6.0]
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad has been used in an in-place"):
        AddOne.apply(rand(2))


def test_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match=r"^function BadBackward returned an incorrect number of gradients "
                                           r"\(expected 2, got 1\)$"):
        Bad.apply(rand(2), rand(2)).sum().backward()


def test_saved_tensors_freed_after_backward_and_version_checked():
    x = rand(2)
    y = Exp.apply(x)
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="^Trying to backward through the graph a second time"):
        node.saved_tensors
    h = x * 1
    z = ScaledMul.apply(h, x, 1.0)
    h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_once_differentiable():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * x * grad

    x = rand(3)
    assert gradcheck(Cube.apply, (x,))
    grad_out = ember.ones(3, dtype=ember.float64, requires_grad=True)
    (g,) = ember.autograd.grad(Cube.apply(x), x, grad_out, create_graph=True)
    assert g.requires_grad and g.grad_fn.name() == "DelayedError"
    with pytest.raises(RuntimeError, match="^trying to differentiate twice a function that was marked with "
                                           "@once_differentiable$"):
        g.sum().backward()


def test_function_in_a_larger_graph_with_double_backward():
    x = rand(3)
    assert gradgradcheck(lambda t: (Exp.apply(t * 2) * t).sum(), (x,))
