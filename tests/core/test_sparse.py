"""Sparse COO tensors: construction checks, coalesce, to_dense/to_sparse, products, sums (values vs NumPy)."""

import pickle

import numpy as np
import pytest

import ember


def dense_of(indices, values, shape):
    out = np.zeros(shape, dtype=np.float64)
    np.add.at(out, tuple(np.asarray(indices)), np.asarray(values, dtype=np.float64))
    return out


def test_construction_and_structure():
    i = [[0, 1, 1], [2, 0, 2]]
    s = ember.sparse_coo_tensor(i, [3.0, 4.0, 5.0], (2, 3))
    assert isinstance(s, ember.Tensor) and s.is_sparse and s.layout is ember.sparse_coo
    assert s.shape == (2, 3) and s.dtype is ember.float32 and s.device == ember.device("cpu")
    assert (s.sparse_dim(), s.dense_dim(), s._nnz(), s.dim(), s.numel()) == (2, 0, 3, 2, 6)
    assert s.is_coalesced() and s.indices().tolist() == i and s.values().tolist() == [3, 4, 5]
    np.testing.assert_array_equal(s.to_dense().numpy(), dense_of(i, [3, 4, 5], (2, 3)))
    inferred = ember.sparse_coo_tensor(ember.tensor(i), ember.tensor([1, 2, 3]))
    assert inferred.shape == (2, 3) and inferred.dtype is ember.int64
    typed = ember.sparse_coo_tensor(i, [1, 2, 3], (4, 4), dtype=ember.float64)
    assert typed.dtype is ember.float64 and typed.to_dense().shape == (4, 4)
    hybrid = ember.sparse_coo_tensor([[0, 2]], ember.ones(2, 3), (4, 3))
    assert (hybrid.sparse_dim(), hybrid.dense_dim()) == (1, 1)
    np.testing.assert_array_equal(hybrid.to_dense().numpy(), [[1] * 3, [0] * 3, [1] * 3, [0] * 3])


@pytest.mark.parametrize("indices, values, size, message", [
    ([[0, 5]], [1.0, 2.0], (3,), "for dim 0, size is 3 but found index 5"),
    ([[0, -1]], [1.0, 2.0], (3,), "found negative index -1"),
    ([[0, 1]], [1.0], (3,), "indices and values must have same nnz"),
    ([0, 1], [1.0, 2.0], (3,), "indices must be sparse_dim x nnz"),
    ([[0.0, 1.0]], [1.0, 2.0], (3,), "indices must be an int64 tensor"),
    ([[0, 1]], [1.0, 2.0], (3, 3), "number of dimensions must be sparse_dim"),
    ([[0, 1]], ember.ones(2, 2), (3, 4), "values has incorrect size"),
])
def test_construction_errors(indices, values, size, message):
    with pytest.raises(RuntimeError, match=message):
        ember.sparse_coo_tensor(indices, values, size)


def test_coalesce_sums_duplicates_and_sorts():
    i = np.array([[1, 0, 1, 1], [0, 2, 0, 1]])
    v = np.array([1.0, 2.0, 3.0, 4.0])
    s = ember.sparse_coo_tensor(i, v, (2, 3))
    assert not s.is_coalesced()
    with pytest.raises(RuntimeError, match="Cannot get indices on an uncoalesced tensor"):
        s.indices()
    with pytest.raises(RuntimeError, match="Cannot get values on an uncoalesced tensor"):
        s.values()
    assert s._indices().tolist() == i.tolist()
    c = s.coalesce()
    assert c.is_coalesced() and c.coalesce() is c
    assert c.indices().tolist() == [[0, 1, 1], [2, 0, 1]] and c.values().tolist() == [2.0, 4.0, 4.0]
    np.testing.assert_array_equal(s.to_dense().numpy(), dense_of(i, v, (2, 3)))
    np.testing.assert_array_equal(c.to_dense().numpy(), dense_of(i, v, (2, 3)))
    with pytest.raises(RuntimeError, match="is_coalesced=True"):
        ember.sparse_coo_tensor(i, v, (2, 3), is_coalesced=True)


def test_to_sparse_round_trip():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5)) * (rng.random((4, 5)) < 0.4)
    s = ember.tensor(x).to_sparse()
    assert s.is_coalesced() and s._nnz() == np.count_nonzero(x)
    assert s.indices().tolist() == np.stack(np.nonzero(x)).tolist()
    np.testing.assert_allclose(s.to_dense().numpy(), x, rtol=1e-6)
    rows = ember.tensor(x).to_sparse(1)
    assert (rows.sparse_dim(), rows.dense_dim()) == (1, 1)
    np.testing.assert_allclose(rows.to_dense().numpy(), x, rtol=1e-6)
    assert s.to_sparse() is s and ember.zeros(2, 2).to_sparse()._nnz() == 0
    with pytest.raises(RuntimeError, match="sparse_dim argument must be in"):
        ember.ones(2).to_sparse(3)


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_products_with_dense_match_numpy(dtype):
    rng = np.random.default_rng(1)
    i = np.stack([rng.integers(0, 5, 30), rng.integers(0, 4, 30)])   # repeated positions included
    v = rng.standard_normal(30)
    d = rng.standard_normal((4, 3))
    s = ember.sparse_coo_tensor(i, v, (5, 4), dtype=dtype)
    dense = ember.tensor(d, dtype=dtype)
    expected = dense_of(i, v, (5, 4)) @ d
    tol = 1e-5 if dtype is ember.float32 else 1e-12
    for out in (ember.sparse.mm(s, dense), ember.spmm(s, dense), ember.mm(s, dense), ember.matmul(s, dense),
                s @ dense, s.mm(dense), s.coalesce() @ dense):
        assert out.dtype is dtype and not out.is_sparse
        np.testing.assert_allclose(out.numpy(), expected, rtol=tol, atol=tol)
    left = ember.tensor(rng.standard_normal((2, 5)), dtype=dtype)
    np.testing.assert_allclose((left @ s).numpy(), left.numpy() @ dense_of(i, v, (5, 4)), rtol=tol, atol=tol)
    np.testing.assert_allclose(ember.mm(left, s).numpy(), left.numpy() @ dense_of(i, v, (5, 4)), rtol=tol,
                               atol=tol)
    out = ember.sparse.addmm(ember.ones(5, 3, dtype=dtype), s, dense, beta=0.5, alpha=2)
    np.testing.assert_allclose(out.numpy(), 0.5 + 2 * expected, rtol=tol, atol=tol)


def test_product_composite_matches_kernel():
    """Backends without the sparse_coo_mm kernel run index_select/mul/index_add."""
    from ember.sparse import ops
    rng = np.random.default_rng(2)
    i = ember.tensor(np.stack([rng.integers(0, 6, 20), rng.integers(0, 3, 20)]))
    v = ember.tensor(rng.standard_normal(20))
    d = ember.tensor(rng.standard_normal((3, 4)))
    kernel = ops._product(i, v, d, 6)
    kernels = d._device._kernels
    saved = kernels.pop("sparse_coo_mm")
    try:
        composite = ops._product(i, v, d, 6)
    finally:
        kernels["sparse_coo_mm"] = saved
    np.testing.assert_allclose(composite.numpy(), kernel.numpy(), rtol=1e-12)


def test_product_errors():
    s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
    with pytest.raises(RuntimeError, match="mat1 and mat2 shapes cannot be multiplied \\(2x2 and 3x1\\)"):
        ember.sparse.mm(s, ember.ones(3, 1))
    with pytest.raises(RuntimeError, match="same dtype"):
        ember.sparse.mm(s, ember.ones(2, 1, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="2-D dense matrix"):
        ember.sparse.mm(s, ember.ones(2))
    with pytest.raises(TypeError, match="dense tensor as the second operand"):
        ember.sparse.mm(s, s)
    hybrid = ember.sparse_coo_tensor([[0, 1]], ember.ones(2, 2), (2, 2))
    with pytest.raises(RuntimeError, match="2 sparse dims"):
        ember.sparse.mm(hybrid, ember.ones(2, 2))


def test_sum_add_scale_transpose():
    i = [[0, 1, 1, 0], [1, 0, 2, 1]]
    v = [1.0, 2.0, 3.0, 4.0]
    s = ember.sparse_coo_tensor(i, v, (2, 3))
    d = dense_of(i, v, (2, 3))
    assert ember.sparse.sum(s).item() == 10.0 and s.sum().item() == 10.0
    np.testing.assert_array_equal(ember.sparse.sum(s, 0).to_dense().numpy(), d.sum(0))
    np.testing.assert_array_equal(ember.sparse.sum(s, 1).to_dense().numpy(), d.sum(1))
    assert not ember.sparse.sum(s, (0, 1)).is_sparse and ember.sparse.sum(s, (0, 1)).item() == 10.0
    np.testing.assert_array_equal((s + s).to_dense().numpy(), 2 * d)
    np.testing.assert_array_equal((s + ember.ones(2, 3)).numpy(), d + 1)
    np.testing.assert_array_equal((s - s).coalesce().to_dense().numpy(), 0 * d)
    np.testing.assert_array_equal((s * 3).to_dense().numpy(), 3 * d)
    np.testing.assert_array_equal((2 * s).to_dense().numpy(), 2 * d)
    np.testing.assert_array_equal((s / 2).to_dense().numpy(), d / 2)
    np.testing.assert_array_equal((-s).to_dense().numpy(), -d)
    np.testing.assert_array_equal(s.t().to_dense().numpy(), d.T)
    np.testing.assert_array_equal(s.transpose(0, 1).to_dense().numpy(), d.T)
    with pytest.raises(RuntimeError, match="sizes of the sparse tensors to match"):
        s + ember.sparse_coo_tensor([[0]], [1.0], (3,))
    with pytest.raises(RuntimeError, match="only a number or a 0-d tensor"):
        s * ember.ones(2, 3)


def test_dense_ops_on_sparse_say_to_densify():
    s = ember.sparse_coo_tensor([[0]], [1.0], (2,))
    with pytest.raises(TypeError, match="to_dense"):
        s.numpy()
    with pytest.raises(TypeError, match="to_dense"):
        ember.exp(s)
    assert not isinstance(s, ember.FloatTensor)


def test_conversions_pickle_and_repr():
    s = ember.sparse_coo_tensor([[0, 1], [1, 0]], [1.0, 2.0], (2, 2))
    assert s.double().dtype is ember.float64 and s.double().is_sparse
    assert s.to("cpu") is s and s.cpu() is s
    assert s.type() == "ember.sparse.FloatTensor"
    back = pickle.loads(pickle.dumps(s))
    assert back.is_sparse and back.to_dense().tolist() == s.to_dense().tolist()
    assert repr(s) == ("tensor(indices=tensor([[0, 1],\n"
                       "                       [1, 0]]),\n"
                       "       values=tensor([1., 2.]),\n"
                       "       size=(2, 2), nnz=2, layout=ember.sparse_coo)")
    legacy = ember.sparse.FloatTensor(ember.tensor([[0], [1]]), ember.tensor([2.0]), ember.Size([2, 2]))
    assert legacy.to_dense().tolist() == [[0.0, 2.0], [0.0, 0.0]] and isinstance(legacy, ember.sparse.FloatTensor)


def test_to_dense_refuses_an_unmasked_gradient():
    s = ember.sparse_coo_tensor(ember.tensor([[0, 2]]), ember.tensor([1.0, 2.0]), (3,))
    with pytest.raises(NotImplementedError, match="masked_grad=False"):
        s.to_dense(masked_grad=False)
    np.testing.assert_array_equal(s.to_dense(masked_grad=True).numpy(), [1.0, 0.0, 2.0])
