"""gradcheck and gradgradcheck catch wrong derivatives."""

import warnings

import pytest
from autograd_checks import rand

import ember
from ember.autograd import Function, GradcheckError, gradcheck, gradgradcheck


class WrongSquare(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * grad          # should be 2 * x


class DetachedSquare(Function):
    """Right first derivative, wrong second: the backward cuts x out of the graph."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x.detach() * grad


def test_gradcheck_passes_correct_and_rejects_wrong_gradients():
    x = rand(3)
    assert gradcheck(lambda t: t * t, (x,))
    with pytest.raises(GradcheckError, match="^Jacobian mismatch for output 0 with respect to input 0,\nnumerical:"):
        gradcheck(WrongSquare.apply, (x,))
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradgradcheck_rejects_wrong_second_derivative():
    x = rand(3)
    assert gradcheck(DetachedSquare.apply, (x,))
    with pytest.raises(GradcheckError):
        gradgradcheck(DetachedSquare.apply, (x,))
    assert gradgradcheck(lambda t: t * t * t, (x,))


def test_gradcheck_tolerances_and_several_outputs():
    x, y = rand(2, 2), rand(2)
    assert gradcheck(lambda a, b: (a * b, a.sum(0), (a @ b).exp()), (x, y))
    assert gradcheck(lambda a: a.sin(), (x,), eps=1e-4, atol=1e-3, rtol=1e-2)


def test_gradcheck_warns_for_single_precision_and_needs_a_grad_input():
    x32 = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        gradcheck(lambda t: t * 2, (x32,), eps=1e-2, atol=1e-2)
    with pytest.raises(ValueError, match="gradcheck expects at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (ember.ones(2, dtype=ember.float64),))


def test_gradcheck_detects_nondeterministic_backward():
    state = {"n": 0}

    class Flaky(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            state["n"] += 1
            return grad * (1 + 1e-3 * state["n"])

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(GradcheckError, match="Backward is not reentrant"):
            gradcheck(Flaky.apply, (rand(2),), atol=1e-1)


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_checks_ember_cannot_make_raise(check):
    x = ember.tensor([0.5, 1.5], dtype=ember.float64, requires_grad=True)
    assert check(ember.sin, (x,), fast_mode=True)   # the full check, which fast mode approximates
    assert check(ember.sin, (x,), check_grad_dtypes=True)   # float64 gradients of float64 inputs
    with pytest.raises(NotImplementedError, match="^check_batched_grad=True is not supported"):
        check(ember.sin, (x,), check_batched_grad=True)
    with pytest.raises(NotImplementedError, match="^masked=True is not supported"):
        check(ember.sin, (x,), masked=True)


def test_grad_only_inputs_false_warns_as_in_pytorch():
    x = ember.tensor(2.0, requires_grad=True)
    with pytest.warns(UserWarning, match="only_inputs argument is deprecated and is ignored now"):
        (g,) = ember.autograd.grad(x * x, x, only_inputs=False)
    assert g.item() == 4.0



@pytest.mark.parametrize("non_contiguous", [False, True])
def test_gradgradcheck_can_feed_non_contiguous_grad_outputs(non_contiguous):
    seen = []

    class Square(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            seen.append(g.is_contiguous())
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = ember.tensor([[0.5, 1.5], [2.0, -1.0]], dtype=ember.float64, requires_grad=True)
    assert gradgradcheck(Square.apply, (x,), gen_non_contig_grad_outputs=non_contiguous)
    assert seen and seen[0] is (not non_contiguous)
