"""Gradients through sparse COO tensors: sparse.mm to the dense operand and to the values,
coalesce, to_dense, to_sparse and sums, checked by finite differences."""

import numpy as np
import pytest

import ember
from ember.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(0)
INDICES = ember.tensor(np.stack([RNG.integers(0, 4, 9), RNG.integers(0, 3, 9)]))   # with repeats


def values(n=9):
    return ember.tensor(RNG.standard_normal(n), dtype=ember.float64, requires_grad=True)


def dense(*shape):
    return ember.tensor(RNG.standard_normal(shape), dtype=ember.float64, requires_grad=True)


def test_sparse_mm_gradients_by_finite_differences():
    def f(v, d):
        return ember.sparse.mm(ember.sparse_coo_tensor(INDICES, v, (4, 3)), d)
    assert gradcheck(f, (values(), dense(3, 2)))
    assert gradgradcheck(f, (values(), dense(3, 2)))


def test_sparse_mm_graph_and_needs():
    v, d = values(), dense(3, 2)
    out = ember.sparse_coo_tensor(INDICES, v, (4, 3)) @ d
    assert type(out.grad_fn).__name__ == "SparseAddmmBackward0"
    out.sum().backward()
    dense_matrix = np.zeros((4, 3))
    np.add.at(dense_matrix, tuple(INDICES.numpy()), v.detach().numpy())
    np.testing.assert_allclose(d.grad.numpy(), dense_matrix.T @ np.ones((4, 2)), rtol=1e-12)
    rows, cols = INDICES.numpy()
    np.testing.assert_allclose(v.grad.numpy(), d.detach().numpy()[cols].sum(1), rtol=1e-12)


def test_dense_operand_only():
    s = ember.sparse_coo_tensor(INDICES, ember.ones(9, dtype=ember.float64), (4, 3))
    d = dense(3, 2)
    (s @ d).pow(2).sum().backward()
    assert d.grad is not None and not s.requires_grad and s.grad is None


def test_leaf_sparse_tensor_gets_a_sparse_grad():
    s = ember.sparse_coo_tensor(INDICES, RNG.standard_normal(9), (4, 3), dtype=ember.float64,
                                requires_grad=True)
    assert s.requires_grad and s.is_leaf and s.grad is None
    d = ember.tensor(RNG.standard_normal((3, 2)), dtype=ember.float64)
    ember.sparse.mm(s, d).sum().backward()
    g = s.grad
    assert g.is_sparse and g.shape == s.shape and g._indices().tolist() == INDICES.tolist()
    np.testing.assert_allclose(g._values().numpy(), d.numpy()[INDICES.numpy()[1]].sum(1), rtol=1e-12)
    s.grad = None
    assert s.grad is None


@pytest.mark.parametrize("fn", [
    lambda v: ember.sparse_coo_tensor(INDICES, v, (4, 3)).to_dense(),
    lambda v: ember.sparse_coo_tensor(INDICES, v, (4, 3)).coalesce().values(),
    lambda v: ember.sparse.sum(ember.sparse_coo_tensor(INDICES, v, (4, 3)), 1).to_dense(),
    lambda v: ember.sparse.sum(ember.sparse_coo_tensor(INDICES, v, (4, 3))),
    lambda v: (ember.sparse_coo_tensor(INDICES, v, (4, 3)) * 3 + ember.sparse_coo_tensor(INDICES, v, (4, 3))
               ).to_dense(),
    lambda v: ember.sparse_coo_tensor(INDICES, v, (4, 3)).t().to_dense(),
], ids=["to_dense", "coalesce", "sum_dim", "sum", "scale_add", "t"])
def test_value_gradients(fn):
    assert gradcheck(fn, (values(),))


def test_to_sparse_gradient():
    x = ember.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]], dtype=ember.float64, requires_grad=True)
    x.to_sparse().to_dense().sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]   # zeros are not stored: no gradient
    # through a product: the dense product's gradient, at the stored positions only
    d = dense(3, 2)
    x.grad = None
    ember.sparse.mm(x.to_sparse(), d).pow(2).sum().backward()
    got_x, got_d = x.grad.numpy().copy(), d.grad.numpy().copy()
    x.grad = d.grad = None
    (x @ d).pow(2).sum().backward()
    np.testing.assert_allclose(got_x, x.grad.numpy() * (x.detach().numpy() != 0), rtol=1e-12)
    np.testing.assert_allclose(got_d, d.grad.numpy(), rtol=1e-12)


def test_gcn_layer_trains():
    """A two-layer GCN step on a small graph: the loss goes down."""
    nn = pytest.importorskip("ember.nn")
    ember.manual_seed(0)
    edges = np.array([[0, 1, 2, 3, 0, 1, 2, 3], [1, 0, 3, 2, 0, 1, 2, 3]])   # two communities, self-loops
    adj = ember.sparse_coo_tensor(edges, np.full(8, 0.5), (4, 4), dtype=ember.float32)
    features = ember.randn(4, 5)
    labels = ember.tensor([0, 0, 1, 1])
    w1, w2 = nn.Linear(5, 8, bias=False), nn.Linear(8, 2, bias=False)
    optimizer = ember.optim.Adam([*w1.parameters(), *w2.parameters()], lr=0.05)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        hidden = ember.relu(ember.spmm(adj, w1(features)))
        loss = nn.functional.cross_entropy(ember.spmm(adj, w2(hidden)), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


class SpecialSpmm(ember.autograd.Function):
    """pyGAT's sparse attention product: a sparse tensor saved for backward, indices read there."""

    @staticmethod
    def forward(ctx, indices, values, shape, b):
        a = ember.sparse_coo_tensor(indices, values, shape)
        ctx.save_for_backward(a, b)
        ctx.N = shape[0]
        return ember.matmul(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_values = grad_b = None
        if ctx.needs_input_grad[1]:
            grad_a_dense = grad_output.matmul(b.t())
            edge_idx = a._indices()[0, :] * ctx.N + a._indices()[1, :]
            grad_values = grad_a_dense.view(-1)[edge_idx]
        if ctx.needs_input_grad[3]:
            grad_b = a.t().matmul(grad_output)
        return None, grad_values, None, grad_b


def test_custom_function_with_a_saved_sparse_tensor_matches_sparse_mm():
    edges = ember.tensor([[0, 1, 2, 0], [1, 2, 0, 0]])
    v, b = values(4), dense(3, 2)
    SpecialSpmm.apply(edges, v, ember.Size([3, 3]), b).pow(2).sum().backward()
    v2, b2 = v.detach().requires_grad_(), b.detach().requires_grad_()
    ember.sparse.mm(ember.sparse_coo_tensor(edges, v2, (3, 3)), b2).pow(2).sum().backward()
    np.testing.assert_allclose(v.grad.numpy(), v2.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), b2.grad.numpy(), rtol=1e-12)
