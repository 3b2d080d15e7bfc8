"""gradcheck of the matrix products, with batch broadcasting and non-contiguous operands."""

import pytest
from autograd_checks import check, rand

import ember

MATMUL_SHAPES = [((3, 4), (4, 2)), ((4,), (4,)), ((3, 4), (4,)), ((4,), (4, 2)), ((2, 3, 4), (4, 2)),
                 ((2, 3, 4), (4,)), ((4,), (2, 4, 3)), ((2, 1, 3, 4), (3, 4, 2)), ((3, 4), (2, 4, 2))]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES, ids=str)
def test_matmul(sa, sb):
    check(ember.matmul, rand(*sa), rand(*sb))


@pytest.mark.parametrize("op,sa,sb", [("mm", (3, 4), (4, 2)), ("bmm", (2, 3, 4), (2, 4, 2)), ("mv", (3, 4), (4,)),
                                      ("dot", (4,), (4,)), ("outer", (3,), (4,))], ids=lambda v: str(v))
def test_products(op, sa, sb):
    check(getattr(ember, op), rand(*sa, contiguous=False), rand(*sb, contiguous=False))


def test_only_needed_inputs_get_gradients():
    a = rand(3, 4)
    b = rand(4, 2, requires_grad=False)
    (a @ b).sum().backward()
    assert a.grad is not None and b.grad is None


def test_addmm_and_baddbmm():
    check(lambda i, a, b: ember.addmm(i, a, b, beta=0.5, alpha=2.0), rand(2), rand(3, 4), rand(4, 2))
    check(lambda i, a, b: ember.addmm(i, a, b), rand(3, 2), rand(3, 4), rand(4, 2))
    check(lambda i, a, b: ember.baddbmm(i, a, b, beta=2.0, alpha=-1.0), rand(3, 2), rand(2, 3, 4), rand(2, 4, 2))


@pytest.mark.parametrize("equation,shapes", [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 2)]),
    ("i,j->ij", [(3,), (4,)]),
    ("...ij,...jk", [(2, 3, 4), (4, 2)]),
    ("ij,ij,ij->i", [(2, 3), (2, 3), (2, 3)]),
    ("iij,j->ij", [(2, 2, 3), (3,)]),
])
def test_einsum(equation, shapes):
    check(lambda *ops: ember.einsum(equation, *ops), *[rand(*s) for s in shapes])


def test_grad_fn_names():
    a, b = rand(3, 4), rand(4, 2)
    assert (a @ b).grad_fn.name() == "MmBackward0"
    assert ember.addmm(rand(2), a, b).grad_fn.name() == "AddmmBackward0"
    assert (a @ rand(4)).grad_fn.name() == "MvBackward0"
    assert ember.dot(rand(4), rand(4)).grad_fn.name() == "DotBackward0"
