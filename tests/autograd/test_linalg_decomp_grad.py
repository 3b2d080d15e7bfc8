"""Gradients of ember.linalg, checked by finite differences in float64.

Symmetric inputs are built as ``X + X^T`` (eigh reads one triangle) and positive-definite ones
as ``X X^T + n I`` (cholesky), so every perturbation gradcheck makes is a valid input."""

import numpy as np
import pytest

import ember
import ember.autograd
from ember.autograd import gradcheck

rng = np.random.default_rng(0)


def leaf(*shape):
    return ember.tensor(rng.standard_normal(shape), dtype=ember.float64, requires_grad=True)


_FIXED = {}


def rhs(*shape):
    """A right-hand side that stays the same for every call of a test's function."""
    if shape not in _FIXED:
        _FIXED[shape] = ember.tensor(rng.standard_normal(shape), dtype=ember.float64)
    return _FIXED[shape]


def spd(X):
    return X @ X.mT + X.shape[-1] * ember.eye(X.shape[-1], dtype=ember.float64)


L = ember.linalg
SQUARE = {
    "inv": lambda A: L.inv(A),
    "det": lambda A: L.det(A),
    "slogdet": lambda A: L.slogdet(A).logabsdet,
    "logdet": lambda A: L.logdet(spd(A)),
    "solve": lambda A: L.solve(A, rhs(3, 2)),
    "solve_vector": lambda A: L.solve(A, rhs(3)),
    "solve_right": lambda A: L.solve(A, rhs(2, 3), left=False),
    "solve_triangular": lambda A: L.solve_triangular(A + 3 * ember.eye(3, dtype=ember.float64), rhs(3, 2),
                                                     upper=False),
    "cholesky": lambda A: L.cholesky(spd(A)),
    "cholesky_upper": lambda A: L.cholesky(spd(A), upper=True),
    "eigh_vectors": lambda A: L.eigh(A + A.mT).eigenvectors.abs(),   # signs are arbitrary
    "eigh_values": lambda A: L.eigh(A + A.mT).eigenvalues,
    "eigvalsh": lambda A: L.eigvalsh(A + A.mT, UPLO="U"),
    "matrix_power": lambda A: L.matrix_power(A, 3),
    "matrix_power_negative": lambda A: L.matrix_power(A, -2),
    "cond": lambda A: L.cond(A),
    "cond_fro": lambda A: L.cond(A, "fro"),
    "tensorinv": lambda A: L.tensorinv(A.reshape(3, 3), ind=1),
    "matrix_exp": lambda A: L.matrix_exp(A),
    "matrix_exp_scaled": lambda A: L.matrix_exp(4 * A),
    "lu_factor": lambda A: L.lu_factor(A).LU,
    "lu_L": lambda A: L.lu(A).L,
    "lu_U": lambda A: L.lu(A).U,
    "lu_solve": lambda A: L.lu_solve(*L.lu_factor(A), rhs(3, 2)),
    "lu_solve_adjoint": lambda A: L.lu_solve(*L.lu_factor(A), rhs(3, 2), adjoint=True),
}
RECTANGULAR = {
    "qr_Q": lambda A: L.qr(A).Q,
    "qr_R": lambda A: L.qr(A).R,
    "svd_U": lambda A: L.svd(A, full_matrices=False).U.abs(),
    "svd_S": lambda A: L.svd(A, full_matrices=False).S,
    "svd_Vh": lambda A: L.svd(A, full_matrices=False).Vh.abs(),
    "svd_wide": lambda A: L.svd(A.mT, full_matrices=False).U.abs(),
    "svdvals": lambda A: L.svdvals(A),
    "pinv": lambda A: L.pinv(A),
    "lstsq": lambda A: L.lstsq(A, rhs(4, 2)).solution,
    "matrix_norm_nuc": lambda A: L.matrix_norm(A, "nuc"),
    "matrix_norm_2": lambda A: L.matrix_norm(A, 2),
    "matrix_norm_1": lambda A: L.matrix_norm(A, 1),
    "matrix_norm_inf": lambda A: L.matrix_norm(A, float("inf")),
    "norm": lambda A: L.norm(A),
    "vector_norm_3": lambda A: L.vector_norm(A, 3, dim=1),
    "multi_dot": lambda A: L.multi_dot([A.mT, A, rhs(3)]),
    "vecdot": lambda A: L.vecdot(A, A.flip(0)),
    "cross": lambda A: L.cross(A, A.flip(0) * 2),
    "diagonal": lambda A: L.diagonal(A, offset=-1),
    "vander": lambda A: L.vander(A[:, 0], N=3),
}


@pytest.mark.parametrize("name", sorted(SQUARE))
def test_square_matrix_gradients(name):
    assert gradcheck(SQUARE[name], (leaf(3, 3),))


@pytest.mark.parametrize("name", sorted(RECTANGULAR))
def test_rectangular_matrix_gradients(name):
    assert gradcheck(RECTANGULAR[name], (leaf(4, 3),))


def test_batched_gradients():
    assert gradcheck(lambda A: L.inv(A), (leaf(2, 3, 3),))
    assert gradcheck(lambda A: L.svdvals(A), (leaf(2, 4, 3),))
    assert gradcheck(lambda A: L.cholesky(spd(A)), (leaf(2, 3, 3),))


def test_solve_gradient_reaches_the_right_hand_side():
    A, B = leaf(3, 3), leaf(3, 2)
    assert gradcheck(lambda A, B: L.solve(A, B), (A, B))


def test_second_derivative_of_det():
    A = leaf(3, 3)
    (g,) = ember.autograd.grad(L.det(A), A, create_graph=True)
    assert gradcheck(lambda A: ember.autograd.grad(L.det(A), A, create_graph=True)[0], (A,))
    np.testing.assert_allclose(g.detach().numpy(), np.linalg.det(A.detach().numpy())
                               * np.linalg.inv(A.detach().numpy()).T, rtol=1e-10)


def test_qr_backward_refuses_mode_r_and_wide_matrices():
    A = leaf(4, 3)
    with pytest.raises(RuntimeError, match="mode='r'"):
        L.qr(A, mode="r").R.sum().backward()
    with pytest.raises(NotImplementedError, match="wide matrix"):
        L.qr(leaf(3, 4)).R.sum().backward()


def test_svd_backward_through_U_needs_reduced_matrices():
    with pytest.raises(RuntimeError, match="full_matrices=False"):
        L.svd(leaf(4, 3)).U.sum().backward()
