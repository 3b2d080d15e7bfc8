"""ember.linalg against torch.linalg: values, gradients (through PyTorch's own rules), return
types and error types."""

import numpy as np
import pytest

import ember
import ember.autograd

torch = pytest.importorskip("torch")

rng = np.random.default_rng(5)


def pair(a):
    return (ember.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True))


def spd_e(X):
    return X @ X.mT + 4 * ember.eye(X.shape[-1], dtype=ember.float64)


def spd_t(X):
    return X @ X.mT + 4 * torch.eye(X.shape[-1], dtype=torch.float64)


# (name, shape, ember fn, torch fn): each returns one tensor
CASES = [
    ("inv", (2, 3, 3), lambda L, A: L.inv(A)),
    ("det", (2, 3, 3), lambda L, A: L.det(A)),
    ("slogdet", (3, 3), lambda L, A: L.slogdet(A)[1]),
    ("solve", (3, 3), lambda L, A: L.solve(A, A.sum(-1))),
    ("cholesky", (2, 3, 3), None),
    ("qr", (4, 3), lambda L, A: L.qr(A)[0].sum(0) + L.qr(A)[1].sum(0)),   # both use LAPACK geqrf: same signs
    ("svdvals", (2, 4, 3), lambda L, A: L.svdvals(A)),
    ("svd", (4, 3), lambda L, A: L.svd(A, full_matrices=False)[0].abs()),
    ("eigh", (3, 3), lambda L, A: L.eigh(A + A.mT)[1].abs() + L.eigh(A + A.mT)[0].unsqueeze(-2)),
    ("pinv", (4, 3), lambda L, A: L.pinv(A)),
    ("matrix_norm_nuc", (3, 4), lambda L, A: L.matrix_norm(A, "nuc")),
    ("norm_inf", (3, 4), lambda L, A: L.norm(A, float("inf"))),
    ("vector_norm", (3, 4), lambda L, A: L.vector_norm(A, 3, dim=0)),
    ("cross", (4, 3), lambda L, A: L.cross(A, A.flip(0))),
    ("matrix_rank", (4, 3), lambda L, A: L.matrix_rank(A @ A.mT).double()),
    ("lstsq", (5, 3), lambda L, A: L.lstsq(A, A[:, :2]).solution),
    ("cond", (3, 3), lambda L, A: L.cond(A)),
    ("matrix_power", (3, 3), lambda L, A: L.matrix_power(A, -2)),
]


@pytest.mark.parametrize("name,shape,fn", CASES, ids=[c[0] for c in CASES])
def test_values_and_gradients_match_torch(name, shape, fn):
    a = rng.standard_normal(shape)
    e, t = pair(a)
    if name == "cholesky":
        ours, theirs = ember.linalg.cholesky(spd_e(e)), torch.linalg.cholesky(spd_t(t))
    else:
        ours, theirs = fn(ember.linalg, e), fn(torch.linalg, t)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9, atol=1e-12)
    if name == "matrix_rank":
        return
    weights = rng.standard_normal(tuple(theirs.shape))
    (ours * ember.tensor(weights)).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)


def test_return_types_and_fields_match():
    a = rng.standard_normal((3, 3))
    for name, fields in [("slogdet", ("sign", "logabsdet")), ("qr", ("Q", "R")), ("svd", ("U", "S", "Vh")),
                         ("eigh", ("eigenvalues", "eigenvectors")), ("inv_ex", ("inverse", "info")),
                         ("cholesky_ex", ("L", "info"))]:
        x = a @ a.T + 3 * np.eye(3) if name in ("eigh", "cholesky_ex") else a
        ours = getattr(ember.linalg, name)(ember.tensor(x))
        theirs = getattr(torch.linalg, name)(torch.tensor(x))
        assert type(ours).__name__ == type(theirs).__name__
        assert [getattr(ours, f).shape for f in fields] == [tuple(getattr(theirs, f).shape) for f in fields]
    ours = ember.linalg.lstsq(ember.tensor(a), ember.tensor(a))
    theirs = torch.linalg.lstsq(torch.tensor(a), torch.tensor(a))
    assert ours.rank.item() == theirs.rank.item() and ours.residuals.numel() == theirs.residuals.numel() == 0


def test_error_types_match():
    singular = np.ones((3, 3))
    with pytest.raises(torch.linalg.LinAlgError):
        torch.linalg.inv(torch.tensor(singular))
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.inv(ember.tensor(singular))
    for fn in ("inv", "det", "cholesky"):
        with pytest.raises(RuntimeError):
            getattr(torch.linalg, fn)(torch.ones(2, 3))
        with pytest.raises(RuntimeError):
            getattr(ember.linalg, fn)(ember.ones(2, 3))
    with pytest.raises(RuntimeError):
        torch.linalg.inv(torch.ones(2, 2, dtype=torch.int64))
    with pytest.raises(RuntimeError):
        ember.linalg.inv(ember.ones(2, 2, dtype=ember.int64))


def test_top_level_forms_and_tensor_methods_match_torch():
    a = rng.standard_normal((2, 4, 3))
    e, t = ember.tensor(a), torch.tensor(a)
    for some in (True, False):
        U, S, V = ember.svd(e, some=some)
        tU, tS, tV = torch.svd(t, some=some)
        assert (U.shape, S.shape, V.shape) == (tuple(tU.shape), tuple(tS.shape), tuple(tV.shape))
        np.testing.assert_allclose(S.numpy(), tS.numpy(), rtol=1e-12)
        Q, R = e.qr(some=some)
        tQ, tR = t.qr(some=some)
        np.testing.assert_allclose(np.abs(R.numpy()), np.abs(tR.numpy()), atol=1e-12)
        assert Q.shape == tuple(tQ.shape)
    zU, _, zV = ember.svd(e, compute_uv=False)
    tzU, _, tzV = torch.svd(t, compute_uv=False)
    assert zU.shape == tuple(tzU.shape) and zV.shape == tuple(tzV.shape) and not zU.numpy().any()
    m = rng.standard_normal((3, 3))
    em, tm = ember.tensor(m), torch.tensor(m)
    for name in ("det", "logdet", "inverse", "pinverse"):
        np.testing.assert_allclose(getattr(em, name)().numpy(), getattr(tm, name)().numpy(), rtol=1e-10)
    np.testing.assert_allclose(em.matrix_power(3).numpy(), tm.matrix_power(3).numpy(), rtol=1e-10)
    sign, logabsdet = em.slogdet()
    assert type(em.slogdet()).__name__ == type(tm.slogdet()).__name__
    np.testing.assert_allclose(logabsdet.item(), tm.slogdet()[1].item(), rtol=1e-12)
    p = m @ m.T + 3 * np.eye(3)
    np.testing.assert_allclose(ember.tensor(p).cholesky(upper=True).numpy(),
                               torch.tensor(p).cholesky(upper=True).numpy(), rtol=1e-12)
    b = rng.standard_normal((4, 3))
    np.testing.assert_allclose(ember.cross(ember.tensor(b), ember.tensor(b[::-1].copy())).numpy(),
                               torch.cross(torch.tensor(b), torch.tensor(b[::-1].copy()), dim=1).numpy(), rtol=1e-12)
    x = rng.uniform(0.05, 0.95, 6)
    for name in ("erfc", "erfinv", "i0", "sinc", "logit"):
        mine, theirs = ember.tensor(x), torch.tensor(x)
        np.testing.assert_allclose(getattr(mine, name)().numpy(), getattr(theirs, name)().numpy(), rtol=1e-12)
        getattr(mine, name + "_")()
        getattr(theirs, name + "_")()
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ember.tensor(x + 2).mvlgamma(3).numpy(), torch.tensor(x + 2).mvlgamma(3).numpy(),
                               rtol=1e-12)


@pytest.mark.parametrize("shape", [(2, 4, 4), (4, 6), (6, 4)])
def test_lu_matches_torch(shape):
    a = rng.standard_normal(shape)
    ours, theirs = ember.linalg.lu(ember.tensor(a)), torch.linalg.lu(torch.tensor(a))
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), ref.numpy(), rtol=1e-12, atol=1e-14)
    LU, pivots = ember.linalg.lu_factor(ember.tensor(a))
    tLU, tpivots = torch.linalg.lu_factor(torch.tensor(a))
    np.testing.assert_allclose(LU.numpy(), tLU.numpy(), rtol=1e-12, atol=1e-14)
    assert pivots.dtype == ember.int32 and pivots.tolist() == tpivots.tolist()


@pytest.mark.parametrize("options", [{}, {"adjoint": True}, {"left": False}])
def test_lu_solve_matches_torch(options):
    a = rng.standard_normal((2, 4, 4))
    b = rng.standard_normal((2, 3, 4) if options.get("left") is False else (2, 4, 3))
    LU, pivots = ember.linalg.lu_factor(ember.tensor(a))
    tLU, tpivots = torch.linalg.lu_factor(torch.tensor(a))
    np.testing.assert_allclose(ember.linalg.lu_solve(LU, pivots, ember.tensor(b), **options).numpy(),
                               torch.linalg.lu_solve(tLU, tpivots, torch.tensor(b), **options).numpy(), rtol=1e-10)


def test_lu_of_a_singular_matrix():
    singular = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert ember.linalg.lu_factor_ex(ember.tensor(singular)).info.item() == \
        torch.linalg.lu_factor_ex(torch.tensor(singular)).info.item() == 2
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.lu_factor(ember.tensor(singular))


@pytest.mark.parametrize("scale", [0.01, 1.0, 20.0])
def test_matrix_exp_matches_torch(scale):
    a = rng.standard_normal((2, 5, 5)) * scale
    ours, theirs = pair(a)
    mine, ref = ember.linalg.matrix_exp(ours), torch.linalg.matrix_exp(theirs)
    np.testing.assert_allclose(mine.detach().numpy(), ref.detach().numpy(), rtol=1e-11 * max(1, scale),
                               atol=1e-13 * np.abs(ref.detach().numpy()).max())
    w = rng.standard_normal((2, 5, 5))
    (mine * ember.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9,
                               atol=1e-11 * np.abs(theirs.grad.numpy()).max())


@pytest.mark.parametrize("shape,k", [((5, 3), 3), ((2, 4, 4), 2), ((4, 3), 1)])
def test_householder_product_matches_torch(shape, k):
    a, tau = rng.standard_normal(shape), rng.standard_normal(shape[:-2] + (k,))
    (ea, ta), (et, tt) = pair(a), pair(tau)
    mine, ref = ember.linalg.householder_product(ea, et), torch.linalg.householder_product(ta, tt)
    np.testing.assert_allclose(mine.detach().numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-14)
    w = rng.standard_normal(tuple(ref.shape))
    (mine * ember.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(ea.grad.numpy(), ta.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(et.grad.numpy(), tt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_householder_product_of_geqrf_output_is_q():
    a = rng.standard_normal((5, 3))
    reflectors, tau = torch.geqrf(torch.tensor(a))
    Q = ember.linalg.householder_product(ember.tensor(reflectors.numpy()), ember.tensor(tau.numpy()))
    np.testing.assert_allclose(np.abs(Q.numpy()), np.abs(np.linalg.qr(a)[0]), atol=1e-12)
    with pytest.raises(RuntimeError, match="greater than or equal"):
        ember.linalg.householder_product(ember.tensor(a.T.copy()), ember.tensor(tau.numpy()))


def _spd(n):
    m = rng.standard_normal((n, n))
    return m @ m.T + n * np.eye(n)


PRODUCTS = [
    ("cholesky_solve", lambda lib, x, y: lib.cholesky_solve(x, y), lambda: (rng.standard_normal((3, 2)),
                                                                           np.linalg.cholesky(_spd(3)))),
    ("cholesky_solve_upper", lambda lib, x, y: lib.cholesky_solve(x, y, upper=True),
     lambda: (rng.standard_normal((3, 2)), np.linalg.cholesky(_spd(3)).T)),
    ("cholesky_inverse", lambda lib, x: lib.cholesky_inverse(x), lambda: (np.linalg.cholesky(_spd(3)),)),
    ("chain_matmul", lambda lib, x, y: lib.chain_matmul(x, y, x.T), lambda: (rng.standard_normal((2, 3)),
                                                                             rng.standard_normal((3, 3)))),
    ("inner", lambda lib, x, y: lib.inner(x, y), lambda: (rng.standard_normal((2, 3)), rng.standard_normal((4, 3)))),
    ("vdot", lambda lib, x, y: lib.vdot(x, y), lambda: (rng.standard_normal(4), rng.standard_normal(4))),
    ("kron", lambda lib, x, y: lib.kron(x, y), lambda: (rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))),
    ("kron_ranks", lambda lib, x, y: lib.kron(x, y), lambda: (rng.standard_normal(2), rng.standard_normal((3, 2)))),
    ("tensordot", lambda lib, x, y: lib.tensordot(x, y, dims=([1, 0], [0, 2])),
     lambda: (rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 5, 2)))),
    ("tensordot_int", lambda lib, x, y: lib.tensordot(x, y, 1), lambda: (rng.standard_normal((2, 3)),
                                                                         rng.standard_normal((3, 4)))),
    ("trace", lambda lib, x: lib.trace(x), lambda: (rng.standard_normal((3, 4)),)),
    ("addmv", lambda lib, x, y: lib.addmv(x[:, 0], x, y, beta=0.5, alpha=2.0), lambda: (rng.standard_normal((3, 4)),
                                                                                       rng.standard_normal(4))),
    ("addr", lambda lib, x, y: lib.addr(x, x[:, 0], y, alpha=3.0), lambda: (rng.standard_normal((3, 4)),
                                                                            rng.standard_normal(4))),
    ("addbmm", lambda lib, x, y: lib.addbmm(x[0] @ y[0], x, y, beta=0.0), lambda: (rng.standard_normal((2, 3, 4)),
                                                                                   rng.standard_normal((2, 4, 3)))),
]


@pytest.mark.parametrize("name,fn,make", PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_products_match_torch_with_gradients(name, fn, make):
    arrays = make()
    ours = [ember.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    mine, ref = fn(ember, *ours), fn(torch, *theirs)
    assert mine.shape == tuple(ref.shape)
    np.testing.assert_allclose(mine.detach().numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rng.standard_normal(tuple(ref.shape))
    (mine * ember.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if name.startswith("cholesky") and i == len(ours) - 1:
            # the factor's triangle that is read: PyTorch also reports a gradient for the other
            # triangle, which the result does not depend on; ember's is 0 there (what finite
            # differences give)
            keep = np.triu if name.endswith("upper") else np.tril
            np.testing.assert_allclose(o.grad.numpy(), keep(t.grad.numpy()), rtol=1e-8, atol=1e-10)
        else:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)
    if name in ("inner", "kron", "trace", "vdot"):   # the Tensor method too
        np.testing.assert_allclose(getattr(ours[0], name)(*ours[1:]).detach().numpy(), ref.detach().numpy(),
                                   rtol=1e-10)
