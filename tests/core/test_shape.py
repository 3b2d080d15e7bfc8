"""Shape ops checked against NumPy: values, shapes, dtypes, memory sharing, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ember


def arange(*shape, dtype=np.float32):
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def non_contiguous(*shape):
    """A tensor of ``shape`` whose data is a transposed, strided NumPy array, and that array."""
    full = arange(*reversed([2 * s for s in shape]))[(slice(None, None, 2),) * len(shape)].T
    assert full.shape == shape and (not full.flags.c_contiguous or full.size <= 1)
    return ember.from_numpy(full), full


def check(t, expected: np.ndarray, dtype=None):
    assert tuple(t.shape) == expected.shape
    np.testing.assert_array_equal(t.numpy(), expected)
    if dtype is not None:
        assert t.dtype is dtype


def assert_view_of(view, base):
    """``view`` shares ``base``'s memory and version counter: an in-place write shows in both."""
    root = base if base._base is None else base._base
    assert view._base is root
    assert np.shares_memory(view.numpy(), base.numpy()) or view.numel() == 0
    before = base._version
    view += 1
    assert base._version == view._version == before + 1


# --------------------------------------------------------------------------- view / reshape

def test_view_values_shape_and_memory():
    x = ember.from_numpy(arange(2, 3, 4))
    v = x.view(6, -1)
    check(v, arange(2, 3, 4).reshape(6, 4))
    assert_view_of(v, x)
    assert x.numpy()[0, 0, 0] == 1          # written through the view
    assert x.view((24,)).shape == (24,) and x.view([4, 6]).shape == (4, 6)
    assert x.view(ember.Size([2, 12])).shape == (2, 12)


def test_view_of_view_has_the_root_as_base():
    x = ember.zeros(4, 3)
    v = x.view(12).view(2, 6)
    assert v._base is x


def test_view_incompatible_strides_message():
    with pytest.raises(RuntimeError) as err:
        ember.zeros(2, 3).t().view(6)
    assert str(err.value) == ("view size is not compatible with input tensor's size and stride (at least one "
                              "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


@pytest.mark.parametrize("shape, numel, message", [
    ((4,), 6, "shape '[4]' is invalid for input of size 6"),
    ((-1, -1), 6, "only one dimension can be inferred"),
    ((-1, 4), 6, "shape '[-1, 4]' is invalid for input of size 6"),
    ((2, -3), 6, "invalid shape dimension -3 at index 1 of shape [2, -3]"),
    ((-1, 0), 0, "cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified dimension size -1 "
                 "can be any value and is ambiguous"),
    ((-1, 0), 6, "shape '[-1, 0]' is invalid for input of size 6"),
])
def test_view_and_reshape_shape_errors(shape, numel, message):
    x = ember.zeros(numel)
    for fn in (x.view, x.reshape):
        with pytest.raises(RuntimeError) as err:
            fn(*shape)
        assert str(err.value) == message


def test_reshape_is_a_view_when_possible_and_a_copy_otherwise():
    x = ember.from_numpy(arange(3, 4))
    v = x.reshape(2, 6)
    assert_view_of(v, x)
    t = x.t()
    c = t.reshape(12)
    check(c, x.numpy().T.reshape(12))
    assert c._base is None and not np.shares_memory(c.numpy(), x.numpy())
    assert c.is_contiguous()
    assert ember.reshape(x, (-1,)).shape == (12,)


def test_reshape_zero_dim_and_empty():
    s = ember.tensor(5.0)
    check(s.reshape(1, 1), np.array([[5.0]], np.float32))
    check(s.view(-1), np.array([5.0], np.float32))
    check(ember.tensor([7.0]).view(()), np.array(7.0, np.float32))
    e = ember.zeros(0, 3)
    assert e.view(3, 0).shape == (3, 0) and e.reshape(-1).shape == (0,)
    assert e.view(3, 0).stride() == (1, 1)   # PyTorch's strides for a 0-element view


def test_view_strides_follow_pytorch_for_size_one_dims():
    # NumPy would give the new size-1 dims other strides; PyTorch's computeStride rules here
    x = ember.zeros(3, 4).t().narrow(1, 0, 1)   # (4, 1), strides (1, 4)
    assert x.view(4, 1, 1).stride() == (1, 4, 4)   # NumPy: (1, 1, 1)
    assert x.view(1, 4, 1).stride() == (4, 1, 4)   # NumPy: (4, 1, 1)
    assert ember.zeros(1, 1, 4).view(1, 1, 4).stride() == (4, 4, 1)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_reshape_matches_numpy_property(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=0, max_size=4), label="shape"))
    perm = data.draw(st.permutations(range(len(shape))), label="perm")
    a = arange(*shape).transpose(perm) if shape else np.array(3.0, np.float32)
    x = ember.from_numpy(a)
    n = a.size
    target = data.draw(st.sampled_from([d for d in range(1, n + 1) if n % d == 0]), label="first")
    new_shape = (target, -1)
    out = x.reshape(new_shape)
    expected = a.reshape(target, n // target)
    check(out, expected)
    try:
        np.reshape(a, expected.shape, copy=False)
        is_view = True
    except ValueError:
        is_view = False
    assert (out._base is not None) == is_view
    if is_view:
        check(x.view(new_shape), expected)
    else:
        with pytest.raises(RuntimeError, match="view size is not compatible"):
            x.view(new_shape)


# --------------------------------------------------------------------------- permute / transpose

def test_permute_transpose_t_and_properties():
    a = arange(2, 3, 4)
    x = ember.from_numpy(a)
    p = x.permute(2, 0, 1)
    check(p, a.transpose(2, 0, 1))
    assert p.stride() == (1, 12, 4) and not p.is_contiguous()
    assert_view_of(p, x)
    check(ember.permute(x, (1, -1, 0)), a.transpose(1, 2, 0))
    check(x.transpose(0, -1), a.swapaxes(0, 2))
    check(ember.swapaxes(x, 0, 1), a.swapaxes(0, 1))
    check(x.swapdims(1, 2), a.swapaxes(1, 2))
    check(x.mT, a.swapaxes(1, 2))
    m = ember.from_numpy(arange(2, 3))
    check(m.t(), arange(2, 3).T)
    check(ember.t(m), arange(2, 3).T)
    check(m.T, arange(2, 3).T)
    check(ember.arange(3).t(), np.arange(3))
    check(ember.tensor(1.0).t(), np.array(1.0, np.float32))
    assert ember.tensor(1.0).permute().shape == ()


@pytest.mark.parametrize("fn, exc, message", [
    (lambda x: x.permute(0, 1), RuntimeError,
     "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering "
     "of dimensions i.e. input.dim() = 3 is not equal to len(dims) = 2"),
    (lambda x: x.permute(0, 1, 1), RuntimeError, "permute(): duplicate dims are not allowed."),
    (lambda x: x.permute(0, 1, 3), IndexError,
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    (lambda x: x.t(), RuntimeError, "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda x: x.transpose(0, 3), IndexError,
     "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    (lambda x: x.flatten(1, 0), RuntimeError, "flatten() has invalid args: start_dim cannot come after end_dim"),
    (lambda x: x.unflatten(1, (2, 2)), RuntimeError,
     "unflatten: Provided sizes [2, 2] don't multiply up to the size of dim 1 (3) in the input tensor"),
    (lambda x: x.unflatten(1, ()), RuntimeError, "unflatten: sizes must be non-empty"),
    (lambda x: x.squeeze(3), IndexError, "Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    (lambda x: x.squeeze((0, 0)), RuntimeError, "dim 0 appears multiple times in the list of dims"),
    (lambda x: x.unsqueeze(4), IndexError, "Dimension out of range (expected to be in range of [-4, 3], but got 4)"),
    (lambda x: ember.arange(3).mT, RuntimeError,
     "tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor."),
])
def test_view_op_errors(fn, exc, message):
    with pytest.raises(exc) as err:
        fn(ember.zeros(2, 3, 4))
    assert str(err.value) == message


def test_permute_non_contiguous_input():
    x, a = non_contiguous(2, 3, 4)
    check(x.permute(1, 2, 0), a.transpose(1, 2, 0))
    check(x.reshape(4, 6), a.reshape(4, 6))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=0, max_size=5).flatmap(
    lambda shape: st.tuples(st.just(shape), st.permutations(range(len(shape))))))
def test_permute_matches_numpy_property(shape_perm):
    shape, perm = shape_perm
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    out = ember.from_numpy(a).permute(*perm)
    check(out, np.transpose(a, perm))
    if a.size:  # empty tensors: NumPy's strides can be all zero where PyTorch's are contiguous
        assert out.stride() == tuple(a.strides[p] // 4 for p in perm)


# --------------------------------------------------------------------------- flatten / squeeze family

def test_flatten_unflatten():
    a = arange(2, 3, 4)
    x = ember.from_numpy(a)
    f = x.flatten()
    check(f, a.reshape(-1))
    assert_view_of(f, x)
    check(ember.flatten(x, 1), a.reshape(2, 12))
    check(x.flatten(0, 1), a.reshape(6, 4))
    assert x.flatten(1, 1) is x
    assert ember.arange(3).flatten().shape == (3,)
    check(ember.tensor(2.0).flatten(), np.array([2.0], np.float32))
    nc = x.transpose(0, 1).flatten()
    check(nc, a.transpose(1, 0, 2).reshape(-1))
    assert nc._base is None
    u = x.unflatten(2, (2, -1))
    check(u, a.reshape(2, 3, 2, 2))
    assert_view_of(u, x)
    check(ember.unflatten(x.t() if False else x, -1, (4, 1)), a.reshape(2, 3, 4, 1))


def test_squeeze_unsqueeze():
    a = arange(1, 3, 1)
    x = ember.from_numpy(a)
    check(x.squeeze(), a.reshape(3))
    check(x.squeeze(0), a.reshape(3, 1))
    check(x.squeeze(1), a)                     # size 3: left alone
    check(x.squeeze((0, -1)), a.reshape(3))
    check(ember.squeeze(x, [2]), a.reshape(1, 3))
    assert_view_of(x.squeeze(), x)
    u = x.unsqueeze(-1)
    check(u, a.reshape(1, 3, 1, 1))
    assert_view_of(u, x)
    check(ember.unsqueeze(ember.tensor(1.0), 0), np.array([1.0], np.float32))
    assert ember.tensor(1.0).squeeze().shape == () and ember.tensor(1.0).squeeze(0).shape == ()


def test_unsqueeze_strides_on_non_contiguous():
    x = ember.zeros(3, 4).t()                   # strides (1, 4)
    assert x.unsqueeze(1).stride() == (1, 12, 4)
    assert x.unsqueeze(2).stride() == (1, 4, 1)
    assert x.unsqueeze(0).stride() == (4, 1, 4)


# --------------------------------------------------------------------------- expand / repeat

def test_expand_values_strides_and_sharing():
    a = arange(3, 1)
    x = ember.from_numpy(a)
    e = x.expand(2, 3, 4)
    check(e, np.broadcast_to(a, (2, 3, 4)))
    assert e.stride() == (0, 1, 0)
    assert e._base is x and e._version_counter is x._version_counter
    check(x.expand(-1, 5), np.broadcast_to(a, (3, 5)))
    check(x.expand((3, 2)), np.broadcast_to(a, (3, 2)))
    check(x.expand_as(ember.zeros(2, 3, 6)), np.broadcast_to(a, (2, 3, 6)))
    check(ember.tensor(1.0).expand(2, 2), np.ones((2, 2), np.float32))
    assert ember.zeros(2, 3).expand(1, 2, 3).stride() == (6, 3, 1)   # a new size-1 dim is not broadcast
    assert ember.zeros(2, 1).expand(2, 0).shape == (2, 0)


def test_expand_sees_writes_to_the_base():
    x = ember.zeros(3)
    e = x.expand(2, 3)
    x += 1
    check(e, np.ones((2, 3), np.float32))


@pytest.mark.parametrize("shape, sizes, message", [
    ((3,), (2, 4), "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 1."
                   "  Target sizes: [2, 4].  Tensor sizes: [3]"),
    ((2, 3), (3,), "expand(ember.FloatTensor{[2, 3]}, size=[3]): the number of sizes provided (1) must be greater or "
                   "equal to the number of dimensions in the tensor (2)"),
    ((3,), (-1, 3), "The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension 0"),
    ((2, 3), (2, 3, -1), "The expanded size of the tensor (3) must match the existing size (2) at non-singleton "
                         "dimension 1.  Target sizes: [2, 3, -1].  Tensor sizes: [2, 3]"),
])
def test_expand_errors(shape, sizes, message):
    with pytest.raises(RuntimeError) as err:
        ember.zeros(*shape).expand(*sizes)
    assert str(err.value) == message


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_expand_matches_numpy_broadcast_to(data):
    shape = tuple(data.draw(st.lists(st.integers(0, 3), max_size=3), label="shape"))
    lead = data.draw(st.lists(st.integers(0, 3), max_size=2), label="lead")
    target = tuple(lead) + tuple(data.draw(st.integers(0, 3)) if s == 1 else
                                 data.draw(st.sampled_from([s, -1])) for s in shape)
    a = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    resolved = tuple(lead) + tuple(s if t == -1 else t for s, t in zip(shape, target[len(lead):]))
    check(ember.from_numpy(a).expand(target), np.broadcast_to(a, resolved))


def test_repeat_and_tile():
    a = arange(2, 3)
    x = ember.from_numpy(a)
    r = x.repeat(2, 1, 3)
    check(r, np.tile(a, (2, 1, 3)))
    assert r.is_contiguous() and r._base is None
    check(x.t().repeat(2, 2), np.tile(a.T, (2, 2)))
    check(ember.tile(x, (2,)), np.tile(a, (1, 2)))
    check(x.tile(2, 1, 1), np.tile(a, (2, 1, 1)))
    check(ember.tensor(1.0).repeat(2, 3), np.ones((2, 3), np.float32))
    check(x.repeat(0, 2), np.zeros((0, 6), np.float32))
    with pytest.raises(RuntimeError, match="^Number of dimensions of repeat dims can not be smaller"):
        x.repeat(2)
    with pytest.raises(RuntimeError) as err:
        x.repeat(-1, 2)
    assert str(err.value) == "Trying to create tensor with negative dimension -2: [-2, 6]"


# --------------------------------------------------------------------------- flip / roll

def test_flip():
    x, a = non_contiguous(2, 3, 4)
    check(x.flip(0), np.flip(a, 0))
    check(ember.flip(x, (0, -1)), np.flip(a, (0, 2)))
    check(x.flip(0, 1, 2), np.flip(a))
    check(ember.fliplr(x), np.fliplr(a))
    check(ember.flipud(x), np.flipud(a))
    assert ember.flip(x, 0)._base is None
    check(ember.tensor(3.0).flip(0), np.array(3.0, np.float32))
    with pytest.raises(RuntimeError, match="^dim 0 appears multiple times in the list of dims$"):
        x.flip(0, 0)
    with pytest.raises(RuntimeError, match="^Input must be >= 2-d.$"):
        ember.fliplr(ember.zeros(3))


def test_roll():
    x, a = non_contiguous(3, 4)
    check(x.roll(1), np.roll(a, 1))
    check(x.roll(-5, 1), np.roll(a, -5, 1))
    check(ember.roll(x, (1, 2), (0, 1)), np.roll(a, (1, 2), (0, 1)))
    assert x.roll(1, 0).is_contiguous()
    check(ember.tensor(1.0).roll(1), np.array(1.0, np.float32))
    check(ember.zeros(0, 3).roll(1, 0), np.zeros((0, 3), np.float32))
    with pytest.raises(RuntimeError, match="^shifts and dimensions must align. shifts: 1, dims:2$"):
        x.roll(1, (0, 1))
    with pytest.raises(RuntimeError, match="^`shifts` required$"):
        x.roll((), ())


# --------------------------------------------------------------------------- joins

def test_cat_values_dims_and_promotion():
    a, b = arange(2, 3), arange(2, 2, dtype=np.int64)
    x, y = ember.from_numpy(a), ember.from_numpy(b)
    out = ember.cat([x, y], dim=1)
    check(out, np.concatenate([a, b.astype(np.float32)], 1), ember.float32)
    check(ember.cat((y, y)), np.concatenate([b, b]), ember.int64)
    check(ember.concat([x, x], -1), np.concatenate([a, a], 1))
    check(ember.concatenate([x, x], axis=0), np.concatenate([a, a], 0))
    check(ember.cat([x.t(), x.t()]), np.concatenate([a.T, a.T]))
    assert ember.cat([x.t(), x.t()]).is_contiguous()
    check(ember.cat([x, ember.zeros(0)]), a)                     # legacy empty 1-D tensors are skipped
    check(ember.cat([ember.zeros(0), ember.zeros(0, 3)]), np.zeros((0, 3), np.float32))
    assert ember.cat([x]).numpy() is not a and not np.shares_memory(ember.cat([x]).numpy(), a)


@pytest.mark.parametrize("tensors, dim, exc, message", [
    (lambda: [ember.zeros(2, 2), ember.zeros(3, 3)], 1, RuntimeError,
     "Sizes of tensors must match except in dimension 1. Expected size 2 but got size 3 for tensor number 1 in the "
     "list."),
    (lambda: [ember.zeros(2, 2), ember.zeros(2)], 0, RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    (lambda: [], 0, ValueError, "ember.cat(): expected a non-empty list of Tensors"),
    (lambda: [ember.zeros(2, 2)], 2, IndexError,
     "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    (lambda: [ember.tensor(1.0), ember.tensor(2.0)], 0, RuntimeError,
     "zero-dimensional tensor (at position 0) cannot be concatenated"),
    (lambda: [ember.zeros(2), 3], 0, TypeError, "expected Tensor as element 1 in argument 0, but got int"),
    (lambda: ember.zeros(2, 3), 0, TypeError,
     "cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor"),
])
def test_cat_errors(tensors, dim, exc, message):
    with pytest.raises(exc) as err:
        ember.cat(tensors(), dim)
    assert str(err.value) == message


def test_stack():
    a = arange(2, 3)
    x = ember.from_numpy(a)
    for dim in (0, 1, 2, -1, -3):
        check(ember.stack([x, x + 1], dim), np.stack([a, a + 1], dim))
    check(ember.stack([ember.tensor(1.0), ember.tensor(2.0)]), np.array([1.0, 2.0], np.float32))
    check(ember.stack([x, x.double()]), np.stack([a, a]).astype(np.float64), ember.float64)
    with pytest.raises(RuntimeError) as err:
        ember.stack([ember.zeros(2, 2), ember.zeros(3, 2)])
    assert str(err.value) == ("stack expects each tensor to be equal size, but got [2, 2] at entry 0 and [3, 2] at "
                              "entry 1")
    with pytest.raises(RuntimeError, match="^stack expects a non-empty TensorList$"):
        ember.stack([])
    with pytest.raises(IndexError, match=r"range of \[-3, 2\], but got 3"):
        ember.stack([x], 3)


def test_hstack_vstack_dstack_atleast():
    a, v = arange(2, 3), np.arange(3, dtype=np.float32)
    x, y = ember.from_numpy(a), ember.from_numpy(v)
    check(ember.hstack([x, x]), np.hstack([a, a]))
    check(ember.hstack([y, y]), np.hstack([v, v]))
    check(ember.vstack([y, x]), np.vstack([v, a]))
    check(ember.dstack([x, x]), np.dstack([a, a]))
    check(ember.hstack([ember.tensor(1.0), ember.tensor(2.0)]), np.array([1.0, 2.0], np.float32))
    check(ember.atleast_1d(ember.tensor(1.0)), np.atleast_1d(np.float32(1.0)))
    check(ember.atleast_2d(y), np.atleast_2d(v))
    check(ember.atleast_3d(y), np.atleast_3d(v))
    check(ember.atleast_3d(x), np.atleast_3d(a))
    p, q = ember.atleast_2d(y, ember.tensor(1.0))
    assert p.shape == (1, 3) and q.shape == (1, 1)
    assert len(ember.atleast_1d([y, y])) == 2
    assert_view_of(ember.atleast_3d(y), y)


# --------------------------------------------------------------------------- pieces

def test_split_chunk_unbind_are_views():
    a = arange(5, 2)
    x = ember.from_numpy(a)
    pieces = x.split(2)
    assert [tuple(p.shape) for p in pieces] == [(2, 2), (2, 2), (1, 2)]
    for p, e in zip(pieces, np.split(a, [2, 4])):
        check(p, e)
    assert_view_of(pieces[1], x)
    assert pieces[0]._version == x._version
    check(ember.split(x, [1, 4])[1], a[1:])
    check(x.split(1, dim=1)[1], a[:, 1:])
    chunks = ember.chunk(x, 3)
    assert [tuple(c.shape) for c in chunks] == [(2, 2), (2, 2), (1, 2)]
    assert [tuple(c.shape) for c in ember.arange(6).chunk(4)] == [(2,), (2,), (2,)]
    assert [tuple(c.shape) for c in ember.zeros(0).chunk(2)] == [(0,), (0,)]
    assert [tuple(c.shape) for c in ember.zeros(0).split(2)] == [(0,)]
    rows = x.unbind()
    assert len(rows) == 5
    check(rows[3], a[3])
    check(ember.unbind(x, -1)[1], a[:, 1])
    assert_view_of(rows[0], x)
    assert ember.zeros(0, 3).unbind() == ()


@pytest.mark.parametrize("fn, exc, message", [
    (lambda: ember.zeros(2, 6).split(0), RuntimeError,
     "split_size can only be 0 if dimension size is 0, but got dimension size of 2"),
    (lambda: ember.zeros(2, 6).split([1, 2]), RuntimeError,
     "split_with_sizes expects split_sizes to sum exactly to 2 (input tensor's size at dimension 0), but got "
     "split_sizes=[1, 2]"),
    (lambda: ember.zeros(5).split(-1), RuntimeError,
     "split expects split_size be non-negative, but got split_size=-1"),
    (lambda: ember.zeros(5).split([6, -1]), RuntimeError,
     "split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=[6, -1]"),
    (lambda: ember.tensor(1.0).split(1), RuntimeError, "split expects at least a 1-dimensional tensor"),
    (lambda: ember.zeros(2, 6).chunk(0), RuntimeError, "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda: ember.tensor(1.0).chunk(1), RuntimeError, "chunk expects at least a 1-dimensional tensor"),
    (lambda: ember.tensor(1.0).unbind(), IndexError, "Dimension specified as 0 but tensor has no dimensions"),
    (lambda: ember.zeros(2, 6).narrow(0, 1, 2), RuntimeError, "start (1) + length (2) exceeds dimension size (2)."),
    (lambda: ember.zeros(2, 6).narrow(0, -3, 1), IndexError,
     "start out of range (expected to be in range of [-2, 2], but got -3)"),
    (lambda: ember.zeros(2, 6).narrow(0, 0, -1), RuntimeError, "narrow(): length must be non-negative."),
    (lambda: ember.tensor(1.0).narrow(0, 0, 1), RuntimeError, "narrow() cannot be applied to a 0-dim tensor."),
])
def test_piece_errors(fn, exc, message):
    with pytest.raises(exc) as err:
        fn()
    assert str(err.value) == message


def test_narrow():
    x, a = non_contiguous(4, 5)
    n = x.narrow(1, 1, 3)
    check(n, a[:, 1:4])
    assert_view_of(n, x)
    check(ember.narrow(x, 0, -2, 2), a[2:])
    check(x.narrow(0, 4, 0), a[4:])
    check(x.narrow(-1, ember.tensor(2), 1), a[:, 2:3])


def test_movedim():
    a = arange(2, 3, 4)
    x = ember.from_numpy(a)
    check(x.movedim(0, 2), np.moveaxis(a, 0, 2))
    check(ember.movedim(x, (0, 1), (2, 0)), np.moveaxis(a, (0, 1), (2, 0)))
    check(ember.moveaxis(x, -1, 0), np.moveaxis(a, -1, 0))
    assert_view_of(x.movedim(1, 0), x)
    with pytest.raises(RuntimeError) as err:
        x.movedim((0, 1), (0,))
    assert str(err.value) == ("movedim: Invalid source or destination dims: source ([0, 1] dims) should contain the "
                              "same number of dims as destination ([0] dims)")
    with pytest.raises(RuntimeError, match=r"^movedim: repeated dim in `source` \(\[0, 0\]\)$"):
        x.movedim((0, 0), (0, 1))


def test_contiguous_copies_non_contiguous_only():
    x = ember.zeros(2, 3)
    assert x.contiguous() is x
    c = x.t().contiguous()
    assert c.is_contiguous() and c.stride() == (2, 1)
    check(c, np.zeros((3, 2), np.float32))


@pytest.mark.parametrize("dtype", [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64,
                                   ember.float16, ember.float32, ember.float64])
def test_shape_ops_keep_dtype(dtype):
    x = ember.ones(2, 3, dtype=dtype)
    for out in (x.view(6), x.t(), x.expand(2, 2, 3), x.repeat(1, 2), x.flip(0), x.roll(1), ember.cat([x, x]),
                ember.stack([x, x]), x.split(1)[0], x.unsqueeze(0), x.narrow(1, 0, 1)):
        assert out.dtype is dtype


def test_keyword_forms_of_pytorch():
    a = arange(2, 3)
    x = ember.from_numpy(a)
    check(ember.cat([x, x], axis=1), np.concatenate([a, a], 1))
    check(ember.concat([x, x], axis=1), np.concatenate([a, a], 1))
    check(ember.stack([x, x], axis=2), np.stack([a, a], 2))
    check(x.view(size=(3, 2)), a.reshape(3, 2))
    check(x.reshape(shape=[6]), a.reshape(6))
    check(x.permute(dims=(1, 0)), a.T)
    check(x.expand(size=(2, 2, 3)), np.broadcast_to(a, (2, 2, 3)))
    check(x.repeat(repeats=(1, 2)), np.tile(a, (1, 2)))
    check(x.tile(dims=(2,)), np.tile(a, 2))
    check(x.flip(dims=[0]), a[::-1])
    check(x.transpose(dim0=0, dim1=1), a.T)
    check(ember.flatten(x, start_dim=0, end_dim=1), a.reshape(6))
    check(x.movedim(source=0, destination=1), a.T)
    check(ember.split(x, split_size_or_sections=1)[1], a[1:])


# --------------------------------------------------------------------------- triangles, repeat_interleave

@pytest.mark.parametrize("k", [-1, 0, 2])
def test_tril_triu_match_numpy_on_batches(k):
    a = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(ember.from_numpy(a).tril(k).numpy(), np.tril(a, k))
    np.testing.assert_array_equal(ember.triu(ember.from_numpy(a), k).numpy(), np.triu(a, k))
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        ember.tril(ember.ones(3))


def test_repeat_interleave_forms():
    x = ember.tensor([[1, 2], [3, 4]])
    assert x.repeat_interleave(2).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    assert ember.repeat_interleave(x, ember.tensor([1, 2]), dim=0).tolist() == [[1, 2], [3, 4], [3, 4]]
    assert ember.repeat_interleave(ember.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    with pytest.raises(RuntimeError, match=r"repeats must have the same size as input along dim, but got "
                                           r"repeats.size\(0\) = 3 and input.size\(1\) = 2"):
        x.repeat_interleave(ember.tensor([1, 1, 1]), dim=1)
