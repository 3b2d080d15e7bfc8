"""Matrix products checked against NumPy: values, shapes, dtypes, every rank of matmul, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ember

rng = np.random.default_rng(0)


def randn(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def check(t, expected, dtype=None, rtol=1e-5):
    expected = np.asarray(expected)
    assert tuple(t.shape) == expected.shape
    np.testing.assert_allclose(t.numpy(), expected, rtol=rtol, atol=1e-5)
    if dtype is not None:
        assert t.dtype is dtype


@pytest.mark.parametrize("sa, sb", [
    ((3,), (3,)), ((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((5, 2, 3), (3,)), ((5, 2, 3), (3, 4)),
    ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)), ((5, 1, 2, 3), (4, 3, 2)),
    ((0, 3), (3, 2)), ((2, 0), (0, 3)), ((0,), (0,)), ((1, 2, 3), (7, 3, 1)),
])
def test_matmul_every_rank_matches_numpy(sa, sb):
    a, b = randn(*sa), randn(*sb)
    x, y = ember.from_numpy(a), ember.from_numpy(b)
    for out in (x @ y, ember.matmul(x, y), x.matmul(y)):
        check(out, np.matmul(a, b), ember.float32)


def test_matmul_non_contiguous_inputs():
    a, b = randn(4, 3), randn(5, 4)
    x, y = ember.from_numpy(a).t(), ember.from_numpy(b).t()
    check(x @ y, a.T @ b.T)
    c = randn(2, 3, 4)
    z = ember.from_numpy(c).permute(2, 0, 1)                 # (4, 2, 3)
    check(z @ ember.from_numpy(b[:3]), c.transpose(2, 0, 1) @ b[:3])
    check(ember.from_numpy(c).expand(3, 2, 3, 4) @ ember.from_numpy(a), np.broadcast_to(c @ a, (3, 2, 3, 3)))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int16, np.int8, np.uint8, np.float16, np.float64])
def test_matmul_other_dtypes(dtype):
    a = rng.integers(0, 5, (2, 3)).astype(dtype)
    b = rng.integers(0, 5, (3, 4)).astype(dtype)
    out = ember.from_numpy(a) @ ember.from_numpy(b)
    assert out.dtype.numpy == np.dtype(dtype)
    np.testing.assert_array_equal(out.numpy(), a @ b)
    v = rng.integers(0, 5, 3).astype(dtype)
    assert (ember.from_numpy(v) @ ember.from_numpy(v)).item() == (v @ v).item()


def test_matmul_result_is_contiguous_and_new():
    x = ember.ones(3, 3)
    out = x @ x
    assert out.is_contiguous() and out._base is None and not np.shares_memory(out.numpy(), x.numpy())


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_matmul_shapes_match_numpy_property(data):
    n, k, m = (data.draw(st.integers(0, 3)) for _ in range(3))
    batch_a = data.draw(st.lists(st.integers(1, 3), max_size=2))
    batch_b = [data.draw(st.sampled_from([1, s])) for s in batch_a][data.draw(st.integers(0, len(batch_a))):]
    if data.draw(st.booleans()):
        batch_a, batch_b = batch_b, batch_a
    sa = (k,) if data.draw(st.booleans()) and not batch_a else (*batch_a, n, k)
    sb = (k,) if data.draw(st.booleans()) and not batch_b else (*batch_b, k, m)
    a, b = randn(*sa), randn(*sb)
    check(ember.from_numpy(a) @ ember.from_numpy(b), np.matmul(a, b))


@pytest.mark.parametrize("sa, sb, message", [
    ((64, 10), (5, 2), "mat1 and mat2 shapes cannot be multiplied (64x10 and 5x2)"),
    ((3, 64, 10), (5, 2), "mat1 and mat2 shapes cannot be multiplied (192x10 and 5x2)"),
    ((3,), (4, 2), "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x2)"),
    ((3, 64, 10), (3, 5, 2), "Expected size for first two dimensions of batch2 tensor to be: [3, 10] but got: [3, 5]."),
    ((64, 10), (3, 5, 2), "Expected size for first two dimensions of batch2 tensor to be: [3, 10] but got: [3, 5]."),
    ((4,), (2, 3, 3), "Expected size for first two dimensions of batch2 tensor to be: [2, 4] but got: [2, 3]."),
    ((2, 1, 64, 10), (3, 5, 2), "Expected size for first two dimensions of batch2 tensor to be: [6, 10] but got: "
                                "[6, 5]."),
    ((2, 3, 4), (3, 4, 5), "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"),
    ((2, 2, 64, 10), (3, 10, 2), "The size of tensor a (2) must match the size of tensor b (3) at non-singleton "
                                 "dimension 1"),
    ((3,), (4,), "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but "
                 "got 3 and 4 elements respectively"),
    ((2, 3), (4,), "size mismatch, got input (2), mat (2x3), vec (4)"),
    ((2, 3, 3), (4,), "size mismatch, got input (6), mat (6x3), vec (4)"),
    ((), (3,), "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
    ((3,), (), "both arguments to matmul need to be at least 1D, but they are 1D and 0D"),
])
def test_matmul_shape_errors(sa, sb, message):
    with pytest.raises(RuntimeError) as err:
        ember.zeros(*sa) @ ember.zeros(*sb)
    assert str(err.value) == message


@pytest.mark.parametrize("sa, sb, message", [
    ((3, 3), (3, 3), "expected m1 and m2 to have the same dtype, but got: Float != Double"),
    ((3,), (3, 2), "expected m1 and m2 to have the same dtype, but got: Float != Double"),
    ((3,), (3,), "dot : expected both vectors to have same dtype, but found Float and Double"),
    ((2, 3), (3,), "addmv input tensors must have the same dtype, but got Double, Float, and Double"),
    ((2, 2, 3), (2, 3, 3), "expected scalar type Float but found Double"),
])
def test_matmul_dtype_errors(sa, sb, message):
    with pytest.raises(RuntimeError) as err:
        ember.zeros(*sa) @ ember.zeros(*sb, dtype=ember.float64)
    assert str(err.value) == message


def test_matmul_dtype_error_names_integer_types():
    with pytest.raises(RuntimeError, match="^expected m1 and m2 to have the same dtype, but got: Long != Int$"):
        ember.ones(2, 3, dtype=ember.int64) @ ember.ones(3, 2, dtype=ember.int32)
    with pytest.raises(RuntimeError, match="but got: Float != Half$"):
        ember.ones(2, 2) @ ember.ones(2, 2, dtype=ember.float16)


@pytest.mark.parametrize("sa, sb, kernel", [((2, 3), (3, 2), "mm"), ((3,), (3,), "dot"),
                                            ((2, 3), (3,), "mv"), ((2, 2, 3), (2, 3, 2), "bmm")])
def test_matmul_of_bool_is_not_implemented(sa, sb, kernel):
    with pytest.raises(NotImplementedError) as err:
        ember.ones(*sa, dtype=ember.bool) @ ember.ones(*sb, dtype=ember.bool)
    assert str(err.value) == f"\"{kernel}\" not implemented for 'Bool'"


def test_matmul_with_non_tensor_is_a_type_error():
    x = ember.ones(2, 2)
    with pytest.raises(TypeError):
        x @ 2
    with pytest.raises(TypeError):
        np.ones((2, 2)) @ x
    with pytest.raises(TypeError, match=r"^matmul\(\): argument 'other' \(position 2\) must be Tensor, not list$"):
        ember.matmul(x, [[1.0]])


def test_mm_bmm_mv_dot():
    a, b = randn(2, 3), randn(3, 4)
    check(ember.mm(ember.from_numpy(a), ember.from_numpy(b)), a @ b)
    check(ember.from_numpy(a).mm(ember.from_numpy(b)), a @ b)
    c, d = randn(5, 2, 3), randn(5, 3, 4)
    check(ember.bmm(ember.from_numpy(c), ember.from_numpy(d)), c @ d)
    v = randn(3)
    check(ember.mv(ember.from_numpy(a), ember.from_numpy(v)), a @ v)
    check(ember.dot(ember.from_numpy(v), ember.from_numpy(v)), np.dot(v, v))
    assert ember.from_numpy(v).dot(ember.from_numpy(v)).shape == ()
    assert ember.dot(ember.zeros(0), ember.zeros(0)).item() == 0


@pytest.mark.parametrize("fn, message", [
    (lambda: ember.mm(ember.zeros(3), ember.zeros(3, 3)), "self must be a matrix"),
    (lambda: ember.mm(ember.zeros(3, 3), ember.zeros(3)), "mat2 must be a matrix"),
    (lambda: ember.bmm(ember.zeros(3, 3), ember.zeros(3, 3)), "batch1 must be a 3D tensor"),
    (lambda: ember.bmm(ember.zeros(2, 3, 3), ember.zeros(3, 3)), "batch2 must be a 3D tensor"),
    (lambda: ember.bmm(ember.zeros(2, 3, 3), ember.zeros(3, 3, 3)),
     "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."),
    (lambda: ember.bmm(ember.zeros(2, 3, 3), ember.zeros(2, 3, 3, dtype=ember.float64)),
     "expected scalar type Float but found Double"),
    (lambda: ember.mv(ember.zeros(3, 3), ember.zeros(3, 3)), "vector + matrix @ vector expected, got 1, 2, 2"),
    (lambda: ember.mv(ember.zeros(3, 3), ember.zeros(4)), "size mismatch, got input (3), mat (3x3), vec (4)"),
    (lambda: ember.dot(ember.zeros(3, 1), ember.zeros(3)), "1D tensors expected, but got 2D and 1D tensors"),
    (lambda: ember.outer(ember.zeros(3), ember.zeros(2, 2)), "outer: Expected 1-D argument vec2, but got 2-D"),
])
def test_product_errors(fn, message):
    with pytest.raises(RuntimeError) as err:
        fn()
    assert str(err.value) == message


def test_outer_promotes():
    a, b = randn(3), np.arange(2)
    out = ember.outer(ember.from_numpy(a), ember.from_numpy(b))
    check(out, np.outer(a, b), ember.float32)
    check(ember.from_numpy(a).ger(ember.from_numpy(a)), np.outer(a, a))
    assert ember.outer(ember.ones(2, dtype=ember.bool), ember.ones(2, dtype=ember.bool)).dtype is ember.bool


def test_addmm():
    i, a, b = randn(4), randn(3, 5), randn(5, 4)
    x = ember.addmm(ember.from_numpy(i), ember.from_numpy(a), ember.from_numpy(b))
    check(x, i + a @ b)
    check(ember.addmm(ember.from_numpy(i), ember.from_numpy(a), ember.from_numpy(b), beta=0.5, alpha=2),
          0.5 * i + 2 * (a @ b))
    check(ember.from_numpy(randn(3, 4) * 0 + 1).addmm(ember.from_numpy(a), ember.from_numpy(b), alpha=-1), 1 - a @ b)
    nan = ember.full((3, 4), float("nan"))
    check(ember.addmm(nan, ember.from_numpy(a), ember.from_numpy(b), beta=0), a @ b)   # beta=0 ignores NaN
    ints = ember.addmm(ember.full((2,), 3), ember.ones(2, 2, dtype=ember.int64), ember.ones(2, 2, dtype=ember.int64),
                       beta=1.5, alpha=2.7)
    assert ints.dtype is ember.int64 and ints.tolist() == [[7, 7], [7, 7]]   # alpha, beta truncated like PyTorch


@pytest.mark.parametrize("shapes, dtypes, message", [
    (((2,), (3, 4), (5, 2)), "fff", "mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)"),
    (((7,), (2, 3), (3, 5)), "fff", "The expanded size of the tensor (5) must match the existing size (7) at "
                                    "non-singleton dimension 1.  Target sizes: [2, 5].  Tensor sizes: [7]"),
    (((2,), (3,), (4, 2)), "fff", "mat1 must be a matrix, got 1-D tensor"),
    (((2,), (3, 4), (4, 2)), "dff", "self and mat2 must have the same dtype, but got Double and Float"),
    (((2,), (3, 4), (4, 2)), "dfd", "mat1 and mat2 must have the same dtype, but got Float and Double"),
])
def test_addmm_errors(shapes, dtypes, message):
    kinds = {"f": ember.float32, "d": ember.float64}
    args = [ember.zeros(*s, dtype=kinds[d]) for s, d in zip(shapes, dtypes)]
    with pytest.raises(RuntimeError) as err:
        ember.addmm(*args)
    assert str(err.value) == message


def test_baddbmm():
    i, a, b = randn(3, 1, 2), randn(3, 4, 5), randn(3, 5, 2)
    check(ember.baddbmm(ember.from_numpy(i), ember.from_numpy(a), ember.from_numpy(b), beta=2, alpha=0.5),
          2 * i + 0.5 * (a @ b))
    with pytest.raises(RuntimeError) as err:
        ember.baddbmm(ember.zeros(2, dtype=ember.float64), ember.zeros(3, 3, 4), ember.zeros(3, 4, 2))
    assert str(err.value) == "Input dtypes must be the same, got: input Double, batch1: Float, batch2: Float"
    with pytest.raises(RuntimeError, match=r"Target sizes: \[3, 3, 2\].  Tensor sizes: \[2, 2\]$"):
        ember.baddbmm(ember.zeros(2, 2), ember.zeros(3, 3, 4), ember.zeros(3, 4, 2))


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 2)]),
    ("i...,i...", [(2, 3), (2,)]),
    ("...i,...i", [(2, 1, 3), (4, 3)]),
    ("i...", [(2, 3, 4)]),
    ("bA,Ab", [(2, 3), (3, 2)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),
    ("i,j,k->ijk", [(2,), (3,), (4,)]),
    ("ij->", [(3, 3)]),
    (",i->i", [(), (3,)]),
    ("ab,bc,cd->ad", [(64, 64), (64, 64), (64, 8)]),
])
def test_einsum_matches_numpy(equation, shapes):
    arrays = [randn(*s) for s in shapes]
    out = ember.einsum(equation, *[ember.from_numpy(a) for a in arrays])
    np_equation = equation.replace(" ", "")
    expected = np.einsum(np_equation, *[a.astype(np.float64) for a in arrays])
    assert out.dtype is ember.float32 and tuple(out.shape) == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-3)
    assert out._base is None and not any(np.shares_memory(out.numpy(), a) for a in arrays)
    assert ember.einsum(equation, [ember.from_numpy(a) for a in arrays]).shape == out.shape


def test_einsum_broadcasts_size_one_dims_and_keeps_int_dtype():
    check(ember.einsum("i,i", ember.ones(1), ember.ones(3)), np.float32(3.0))
    check(ember.einsum("ij,j->i", ember.ones(3, 1), ember.ones(4)), np.full(3, 4.0))
    out = ember.einsum("i,i->", ember.arange(3), ember.arange(3))
    assert out.dtype is ember.int64 and out.item() == 5


@pytest.mark.parametrize("equation, shapes, message", [
    ("ij,jk->ik", [(2, 3), (4, 2)],
     "einsum(): subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"),
    ("ij,jk->ik", [(2, 3)], "einsum(): fewer operands were provided than specified in the equation"),
    ("ij->", [(3, 3), (3,)], "einsum(): more operands were provided than specified in the equation"),
    ("bij", [(2, 3)], "einsum(): the number of subscripts in the equation (3) does not match the number of dimensions "
                      "(2) for operand 0 and no ellipsis was given"),
    ("ij...->", [(3,)], "einsum(): the number of subscripts in the equation (2) is more than the number of dimensions "
                        "(1) for operand 0"),
    ("i->j", [(3,)], "einsum(): output subscript j does not appear in the equation for any input operand"),
    ("i->ii", [(3,)], "einsum(): output subscript i appears more than once in the output"),
    ("i1->", [(3, 3)], "einsum(): invalid subscript given at index 1 in the equation string, subscripts must be in "
                       "[a-zA-Z]"),
    ("ii->i", [(3, 4)], "einsum(): subscript i is repeated for operand 0 but the sizes don't match, 4 != 3"),
    ("i.j", [(3, 3)], "einsum(): found '.' for operand 0 that is not part of any ellipsis"),
])
def test_einsum_errors(equation, shapes, message):
    with pytest.raises(RuntimeError) as err:
        ember.einsum(equation, *[ember.zeros(*s) for s in shapes])
    assert str(err.value) == message


def test_einsum_dtype_mismatch():
    with pytest.raises(RuntimeError, match="^expected scalar type Float but found Double$"):
        ember.einsum("ij,jk->ik", ember.zeros(2, 3), ember.zeros(3, 2, dtype=ember.float64))
