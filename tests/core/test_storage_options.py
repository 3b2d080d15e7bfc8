"""Arguments that ember answers in one way only are checked, never silently ignored.

``layout``, ``pin_memory`` and ``memory_format`` of the creation functions and conversions take
their default (dense, ordinary host memory, row-major) or raise; ``out=`` of the random ops is
written; ``gather(sparse_grad=True)`` raises; ``repeat_interleave``'s ``output_size`` is checked.
"""

import numpy as np
import pytest

import ember

CREATIONS = {
    "zeros": lambda **kw: ember.zeros(2, **kw), "ones": lambda **kw: ember.ones(2, **kw),
    "empty": lambda **kw: ember.empty(2, **kw), "full": lambda **kw: ember.full((2,), 1.0, **kw),
    "eye": lambda **kw: ember.eye(2, **kw), "arange": lambda **kw: ember.arange(2, **kw),
    "linspace": lambda **kw: ember.linspace(0, 1, 2, **kw), "rand": lambda **kw: ember.rand(2, **kw),
    "randn": lambda **kw: ember.randn(2, **kw), "randint": lambda **kw: ember.randint(3, (2,), **kw),
    "randperm": lambda **kw: ember.randperm(2, **kw),
    "zeros_like": lambda **kw: ember.zeros_like(ember.ones(2), **kw),
    "full_like": lambda **kw: ember.full_like(ember.ones(2), 3.0, **kw),
    "new_zeros": lambda **kw: ember.ones(2).new_zeros(2, **kw),
    "new_tensor": lambda **kw: ember.ones(2).new_tensor([1.0], **kw),
}


@pytest.mark.parametrize("name", sorted(CREATIONS))
def test_the_strided_layout_is_accepted_and_others_raise(name):
    assert CREATIONS[name](layout=ember.strided).layout is ember.strided
    with pytest.raises(NotImplementedError, match=rf"^{name}\(\): layout=ember.sparse_coo is not supported here"):
        CREATIONS[name](layout=ember.sparse_coo)


@pytest.mark.parametrize("name", ["empty", "rand", "randn", "randperm", "new_zeros", "new_tensor"])
def test_pin_memory_true_raises(name):
    CREATIONS[name](pin_memory=False)
    with pytest.raises(RuntimeError, match=rf"^{name}\(\): pin_memory=True is not supported"):
        CREATIONS[name](pin_memory=True)


def test_tensor_pin_memory_true_raises():
    with pytest.raises(RuntimeError, match=r"^tensor\(\): pin_memory=True is not supported"):
        ember.tensor([1.0], pin_memory=True)


@pytest.mark.parametrize("call", [
    lambda m: ember.empty(2, memory_format=m), lambda m: ember.zeros_like(ember.ones(2), memory_format=m),
    lambda m: ember.rand_like(ember.ones(2), memory_format=m), lambda m: ember.ones(2).contiguous(memory_format=m),
    lambda m: ember.ones(2).clone(memory_format=m), lambda m: ember.ones(2).is_contiguous(memory_format=m),
    lambda m: ember.ones(2).to(ember.float64, memory_format=m),
])
def test_a_memory_format_raises(call):
    call(None)
    with pytest.raises(NotImplementedError, match=r"memory_format='channels_last' is not supported"):
        call("channels_last")


@pytest.mark.parametrize("call, dtype", [
    (lambda out: ember.rand(3, out=out), ember.float32), (lambda out: ember.randn(3, out=out), ember.float32),
    (lambda out: ember.randint(5, (3,), out=out), ember.int64), (lambda out: ember.randperm(3, out=out), ember.int64),
    (lambda out: ember.normal(0.0, 1.0, (3,), out=out), ember.float32),
    (lambda out: ember.bernoulli(ember.full((3,), 0.5), out=out), ember.float32),
    (lambda out: ember.multinomial(ember.ones(3), 3, out=out), ember.int64),
])
def test_random_ops_write_out(call, dtype):
    out = ember.full((3,), -7, dtype=dtype)
    result = call(out)
    assert result is out
    assert (out != -7).any() or dtype is ember.int64 and sorted(out.tolist()) != [-7, -7, -7]


def test_randperm_out_holds_the_permutation():
    out = ember.empty(5, dtype=ember.int64)
    ember.manual_seed(0)
    ember.randperm(5, out=out)
    assert sorted(out.tolist()) == [0, 1, 2, 3, 4]


def test_randint_like_passes_requires_grad_on():
    with pytest.raises(RuntimeError):   # integer tensors cannot require gradients
        ember.randint_like(ember.ones(2), 3, dtype=ember.int64, requires_grad=True)


def test_gather_sparse_grad_raises():
    x, i = ember.tensor([[1.0, 2.0]]), ember.tensor([[1, 0]])
    assert x.gather(1, i, sparse_grad=False).tolist() == [[2.0, 1.0]]
    for call in (lambda: ember.gather(x, 1, i, sparse_grad=True), lambda: x.gather(1, i, sparse_grad=True)):
        with pytest.raises(NotImplementedError, match="sparse_grad=True is not supported"):
            call()


def test_repeat_interleave_checks_output_size():
    x = ember.tensor([1, 2])
    assert ember.repeat_interleave(x, ember.tensor([1, 2]), dim=0, output_size=3).tolist() == [1, 2, 2]
    assert ember.repeat_interleave(ember.tensor([2, 1]), output_size=3).tolist() == [0, 0, 1]
    with pytest.raises(RuntimeError, match="^repeat_interleave: output_size=4 does not match the repeats, which add up "
                                           "to 3$"):
        ember.repeat_interleave(x, ember.tensor([1, 2]), dim=0, output_size=4)
    with pytest.raises(RuntimeError, match="add up to 4$"):
        ember.repeat_interleave(x, 2, output_size=5)


def test_copy_from_a_non_tensor_is_a_type_error_as_in_pytorch():
    with pytest.raises(TypeError, match="^copy_\\(\\): argument 'src' \\(position 1\\) must be Tensor, not list$"):
        ember.zeros(2).copy_([1.0, 2.0])


def test_from_dlpack_shares_memory():
    a = np.arange(3.0)
    t = ember.from_dlpack(a)
    a[0] = 5.0
    assert t.tolist() == [5.0, 1.0, 2.0]


def test_repr_tensor_contents_replaces_the_data():
    t = ember.ones(2, dtype=ember.float64)   # (ember-core alone: no requires_grad without ember-autograd)
    assert t.__repr__(tensor_contents="[...]") == "tensor([...], dtype=ember.float64)"
    assert ember.ones(2).__repr__(tensor_contents="<x>") == "tensor(<x>)"
    s = ember.sparse_coo_tensor(ember.tensor([[0, 1]]), ember.tensor([1.0, 2.0]), (2,))
    assert s.__repr__(tensor_contents="<x>") == "tensor(<x>,\n       size=(2,), nnz=2, layout=ember.sparse_coo)"


def test_svd_and_qr_write_out():
    a = ember.tensor([[3.0, 1.0], [1.0, 2.0]], dtype=ember.float64)
    outs = tuple(ember.empty(0, dtype=ember.float64) for _ in range(3))
    result = ember.svd(a, out=outs)
    assert all(r is o for r, o in zip(result, outs)) and type(result).__name__ == "svd"
    u, s, v = outs
    np.testing.assert_allclose(((u * s) @ v.mT).numpy(), a.numpy(), atol=1e-12)
    q, r = ember.empty(0, dtype=ember.float64), ember.empty(0, dtype=ember.float64)
    assert ember.qr(a, out=(q, r))[0] is q
    np.testing.assert_allclose((q @ r).numpy(), a.numpy(), atol=1e-12)
    with pytest.raises(TypeError, match=r"^qr\(\): argument 'out' must be a tuple of 2 Tensors$"):
        ember.qr(a, out=(q,))


def test_sparse_to_sparse_checks_its_arguments():
    s = ember.sparse_coo_tensor(ember.tensor([[0, 1], [1, 0]]), ember.tensor([1.0, 2.0]), (2, 2))
    assert s.to_sparse() is s and s.to_sparse(2) is s and s.to_sparse(layout=ember.sparse_coo) is s
    with pytest.raises(RuntimeError, match="with sparse_dim argument !=self.sparse_dim"):
        s.to_sparse(1)
    with pytest.raises(RuntimeError, match="ember supports layout=ember.sparse_coo only, got ember.strided"):
        s.to_sparse(layout=ember.strided)


def test_assert_close_checks_layout_and_subclasses():
    dense = ember.tensor([[0.0, 1.0], [2.0, 0.0]])
    with pytest.raises(AssertionError, match="attribute 'layout' do not match"):
        ember.testing.assert_close(dense.to_sparse(), dense)
    ember.testing.assert_close(dense.to_sparse(), dense, check_layout=False)
    sub = ember.ones(2)
    sub.__class__ = Sub   # a Tensor subclass instance holding the same data
    ember.testing.assert_close(sub, ember.ones(2))
    with pytest.raises(TypeError, match="No comparison pair was able to handle"):
        ember.testing.assert_close(sub, ember.ones(2), allow_subclasses=False)


class Sub(ember.Tensor):
    pass


def test_fftfreq_and_sparse_clone_check_their_storage_options():
    assert ember.fft.fftfreq(4, layout=ember.strided).tolist() == [0.0, 0.25, -0.5, -0.25]
    with pytest.raises(NotImplementedError, match=r"^rfftfreq\(\): layout=ember.sparse_coo is not supported"):
        ember.fft.rfftfreq(4, layout=ember.sparse_coo)
    s = ember.sparse_coo_tensor(ember.tensor([[0]]), ember.tensor([1.0]), (2,))
    assert s.clone().to_dense().tolist() == [1.0, 0.0]
    with pytest.raises(NotImplementedError, match=r"^clone\(\): memory_format="):
        s.clone(memory_format="channels_last")
