"""ember.linalg against NumPy: values, shapes, dtypes and errors."""

import numpy as np
import pytest

import ember

L = ember.linalg
rng = np.random.default_rng(1)


def arr(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def t(a):
    return ember.tensor(a)


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 1e-4)])
def test_inverses_determinants_and_solves_match_numpy(dtype, tol):
    A, B = arr(2, 4, 4, dtype=dtype), arr(2, 4, 3, dtype=dtype)
    np.testing.assert_allclose(L.inv(t(A)).numpy(), np.linalg.inv(A), rtol=tol, atol=tol)
    np.testing.assert_allclose(L.det(t(A)).numpy(), np.linalg.det(A), rtol=tol)
    sign, logabsdet = L.slogdet(t(A))
    ref_sign, ref_log = np.linalg.slogdet(A)
    np.testing.assert_array_equal(sign.numpy(), ref_sign)
    np.testing.assert_allclose(logabsdet.numpy(), ref_log, rtol=tol)
    X = L.solve(t(A), t(B))
    assert X.dtype == getattr(ember, np.dtype(dtype).name)
    np.testing.assert_allclose(X.numpy(), np.linalg.solve(A, B), rtol=tol * 10, atol=tol)


def test_solve_vector_broadcast_and_left_false():
    A, b = arr(3, 3), arr(3)
    np.testing.assert_allclose(L.solve(t(A), t(b)).numpy(), np.linalg.solve(A, b), rtol=1e-10)
    As, B = arr(2, 3, 3), arr(3, 2)                           # B broadcasts over A's batch
    np.testing.assert_allclose(L.solve(t(As), t(B)).numpy(), np.linalg.solve(As, B), rtol=1e-10)
    C = arr(2, 3)
    X = L.solve(t(A), t(C), left=False)                       # X A = C
    np.testing.assert_allclose(X.numpy() @ A, C, atol=1e-10)


def test_solve_triangular_reads_one_triangle():
    A, B = arr(4, 4) + 4 * np.eye(4), arr(4, 2)
    X = L.solve_triangular(t(A), t(B), upper=True)
    np.testing.assert_allclose(X.numpy(), np.linalg.solve(np.triu(A), B), rtol=1e-10)
    U = L.solve_triangular(t(A), t(B), upper=False, unitriangular=True)
    unit = np.tril(A, -1) + np.eye(4)
    np.testing.assert_allclose(U.numpy(), np.linalg.solve(unit, B), rtol=1e-10)


def test_decompositions_reconstruct_their_input():
    A = arr(2, 5, 3)
    Q, R = L.qr(t(A))
    assert Q.shape == (2, 5, 3) and R.shape == (2, 3, 3)
    np.testing.assert_allclose((Q @ R).numpy(), A, atol=1e-12)
    Qc, Rc = L.qr(t(A), mode="complete")
    assert Qc.shape == (2, 5, 5) and Rc.shape == (2, 5, 3)
    Q0, R0 = L.qr(t(A), mode="r")
    assert Q0.numel() == 0
    np.testing.assert_allclose(np.abs(R0.numpy()), np.abs(R.numpy()), atol=1e-12)
    U, S, Vh = L.svd(t(A), full_matrices=False)
    np.testing.assert_allclose(((U * S.unsqueeze(-2)) @ Vh).numpy(), A, atol=1e-12)
    np.testing.assert_allclose(S.numpy(), np.linalg.svd(A, compute_uv=False), rtol=1e-12)
    np.testing.assert_allclose(L.svdvals(t(A)).numpy(), S.numpy())
    Uf, _, Vhf = L.svd(t(A))
    assert Uf.shape == (2, 5, 5) and Vhf.shape == (2, 3, 3)
    M = arr(4, 4)
    P = M @ M.T + 4 * np.eye(4)
    C = L.cholesky(t(P))
    np.testing.assert_allclose(C.numpy(), np.linalg.cholesky(P), rtol=1e-12)
    np.testing.assert_allclose(L.cholesky(t(P), upper=True).numpy(), np.linalg.cholesky(P).T, rtol=1e-12)
    w, V = L.eigh(t(P))
    ref_w, _ = np.linalg.eigh(P)
    np.testing.assert_allclose(w.numpy(), ref_w, rtol=1e-12)
    np.testing.assert_allclose((V @ ember.diag_embed(w) @ V.mT).numpy() if hasattr(ember, "diag_embed")
                               else (V.numpy() * w.numpy()) @ V.numpy().T, P, atol=1e-10)
    np.testing.assert_allclose(L.eigvalsh(t(P), UPLO="U").numpy(), ref_w, rtol=1e-12)


def test_cholesky_and_eigh_read_only_their_triangle():
    M = arr(3, 3)
    P = M @ M.T + 3 * np.eye(3)
    junk = np.tril(P) + np.triu(np.full((3, 3), 99.0), 1)     # garbage above the diagonal
    np.testing.assert_allclose(L.cholesky(t(junk)).numpy(), np.linalg.cholesky(P), rtol=1e-12)
    np.testing.assert_allclose(L.eigvalsh(t(junk)).numpy(), np.linalg.eigvalsh(P), rtol=1e-12)


def test_pinv_lstsq_and_rank_on_a_rank_deficient_matrix():
    A = arr(5, 2) @ arr(2, 4)                                 # rank 2
    B = arr(5, 3)
    np.testing.assert_allclose(L.pinv(t(A)).numpy(), np.linalg.pinv(A), atol=1e-10)
    assert L.matrix_rank(t(A)).item() == 2 and L.matrix_rank(t(A)).dtype == ember.int64
    solution, residuals, rank, singular_values = L.lstsq(t(A), t(B))
    np.testing.assert_allclose(solution.numpy(), np.linalg.lstsq(A, B, rcond=None)[0], atol=1e-10)
    assert rank.item() == 2 and residuals.numel() == 0 and singular_values.numel() == 0
    S = arr(4, 4)
    S = S + S.T
    np.testing.assert_allclose(L.pinv(t(S), hermitian=True).numpy(), np.linalg.pinv(S), atol=1e-10)


@pytest.mark.parametrize("ord", ["fro", "nuc", 1, -1, 2, -2, float("inf"), -float("inf")])
def test_matrix_norms_match_numpy(ord):
    A = arr(2, 3, 4)
    np.testing.assert_allclose(L.matrix_norm(t(A), ord).numpy(), np.linalg.norm(A, ord, axis=(-2, -1)),
                               rtol=1e-12)
    kept = L.matrix_norm(t(A), ord, dim=(0, 2), keepdim=True)
    np.testing.assert_allclose(kept.numpy(), np.linalg.norm(A, ord, axis=(0, 2), keepdims=True), rtol=1e-12)


@pytest.mark.parametrize("ord", [2, 1, 3.5, 0, float("inf"), -float("inf")])
def test_vector_norms_match_numpy(ord):
    x = arr(3, 4)
    np.testing.assert_allclose(L.vector_norm(t(x), ord, dim=1).numpy(), np.linalg.norm(x, ord, axis=1), rtol=1e-12)
    np.testing.assert_allclose(L.norm(t(x), ord, dim=1).numpy(), np.linalg.norm(x, ord, axis=1), rtol=1e-12)


def test_norm_picks_vector_or_matrix_norm():
    A = arr(3, 4)
    np.testing.assert_allclose(L.norm(t(A)).item(), np.linalg.norm(A.ravel()), rtol=1e-12)
    np.testing.assert_allclose(L.norm(t(A), "nuc").item(), np.linalg.norm(A, "nuc"), rtol=1e-12)
    with pytest.raises(RuntimeError, match="1D or 2D"):
        L.norm(t(arr(2, 2, 2)), 2)


def test_products_and_helpers():
    a, b = arr(4, 3), arr(4, 3)
    np.testing.assert_allclose(L.cross(t(a), t(b)).numpy(), np.cross(a, b), rtol=1e-12)
    np.testing.assert_allclose(L.cross(t(a.T), t(b.T), dim=0).numpy(), np.cross(a.T, b.T, axis=0), rtol=1e-12)
    np.testing.assert_allclose(L.vecdot(t(a), t(b)).numpy(), (a * b).sum(-1), rtol=1e-12)
    mats = [arr(2, 5), arr(5, 3), arr(3, 7), arr(7,)]
    np.testing.assert_allclose(L.multi_dot([t(m) for m in mats]).numpy(), np.linalg.multi_dot(mats), rtol=1e-10)
    M = arr(3, 3)
    np.testing.assert_allclose(L.matrix_power(t(M), 5).numpy(), np.linalg.matrix_power(M, 5), rtol=1e-10)
    np.testing.assert_allclose(L.matrix_power(t(M), -2).numpy(), np.linalg.matrix_power(M, -2), rtol=1e-8)
    np.testing.assert_array_equal(L.matrix_power(t(M), 0).numpy(), np.eye(3))
    np.testing.assert_array_equal(L.diagonal(t(arr(2, 3, 4)) * 0 + t(np.arange(12.0).reshape(3, 4)),
                                             offset=1).numpy()[0], [1.0, 6.0, 11.0])
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(L.vander(t(x)).numpy(), np.vander(x, increasing=True))
    np.testing.assert_allclose(L.cond(t(M)).item(), np.linalg.cond(M), rtol=1e-10)
    np.testing.assert_allclose(L.cond(t(M), "fro").item(), np.linalg.cond(M, "fro"), rtol=1e-10)
    T = arr(2, 3, 6)
    np.testing.assert_allclose(L.tensorinv(t(T.reshape(6, 2, 3)), ind=1).numpy(),
                               np.linalg.tensorinv(T.reshape(6, 2, 3), ind=1), rtol=1e-8)
    Bt = arr(2, 3)
    A6 = arr(2, 3, 2, 3)
    np.testing.assert_allclose(L.tensorsolve(t(A6), t(Bt)).numpy(), np.linalg.tensorsolve(A6, Bt), rtol=1e-8)


def test_singular_and_indefinite_matrices_raise_linalg_error():
    singular = np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]]])
    with pytest.raises(L.LinAlgError, match="singular"):
        L.inv(t(singular[0]))
    with pytest.raises(L.LinAlgError, match="batch element 0"):
        L.solve(t(singular), t(np.ones((2, 2, 1))))
    inverse, info = L.inv_ex(t(singular))
    assert info.tolist() == [1, 0] and np.isnan(inverse.numpy()[0]).all()
    np.testing.assert_array_equal(inverse.numpy()[1], np.eye(2))
    assert issubclass(L.LinAlgError, RuntimeError)
    indefinite = np.diag([1.0, 2.0, -1.0])
    with pytest.raises(L.LinAlgError, match="leading minor of order 3"):
        L.cholesky(t(indefinite))
    assert L.cholesky_ex(t(indefinite)).info.item() == 3
    assert L.det(t(singular[0])).item() == 0.0
    assert L.slogdet(t(singular[0])).logabsdet.item() == -np.inf


def test_argument_errors():
    with pytest.raises(RuntimeError, match="square matrices"):
        L.inv(t(arr(2, 3)))
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        L.det(t(arr(3)))
    with pytest.raises(RuntimeError, match="floating point"):
        L.inv(ember.ones(2, 2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="Low precision"):
        L.inv(ember.ones(2, 2, dtype=ember.float16))
    with pytest.raises(RuntimeError, match="unrecognized mode"):
        L.qr(t(arr(2, 2)), mode="full")
    with pytest.raises(RuntimeError, match="UPLO"):
        L.eigh(t(arr(2, 2)), UPLO="X")
    with pytest.raises(RuntimeError, match="Incompatible shapes"):
        L.solve(t(arr(3, 3)), t(arr(4, 2)))
    with pytest.raises(RuntimeError, match="same dtype"):
        L.solve(t(arr(3, 3)), t(arr(3, 2, dtype=np.float32)))
    with pytest.raises(RuntimeError, match="length 3"):
        L.cross(t(arr(2, 4)), t(arr(2, 4)))
    with pytest.raises(TypeError, match="must be Tensor"):
        L.inv([[1.0]])
    with pytest.raises(RuntimeError, match="not supported"):
        L.matrix_norm(t(arr(2, 2)), 3)


def test_empty_batches():
    assert L.inv(t(arr(0, 3, 3))).shape == (0, 3, 3)
    assert L.det(t(arr(0, 3, 3))).shape == (0,)
    assert L.svdvals(t(arr(0, 3, 2))).shape == (0, 2)
    LU, pivots = L.lu_factor(t(arr(0, 0)))
    assert LU.shape == (0, 0) and pivots.shape == (0,)
    assert L.lu_factor(t(arr(2, 0, 3))).pivots.shape == (2, 0)
    assert L.lu(t(arr(0, 3, 3))).L.shape == (0, 3, 3)


def test_top_level_aliases():
    A = arr(3, 3)
    np.testing.assert_allclose(ember.det(t(A)).item(), np.linalg.det(A), rtol=1e-12)
    np.testing.assert_allclose(ember.inverse(t(A)).numpy(), np.linalg.inv(A), rtol=1e-10)
    assert ember.pi == np.pi and ember.inf == np.inf


def test_non_finite_inputs():
    A = t(np.array([[np.nan, 1.0], [1.0, 2.0]]))
    with pytest.raises(L.LinAlgError, match="did not converge"):
        L.svd(A)
    with pytest.raises(L.LinAlgError, match="did not converge"):
        L.pinv(A)
    assert np.isnan(L.det(A).item()) and np.isnan(L.inv(A).numpy()).any()
    assert np.isnan(L.matrix_exp(A).numpy()).any()
