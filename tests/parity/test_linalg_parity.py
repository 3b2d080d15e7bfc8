"""Matrix products against PyTorch on random shapes, layouts and dtypes: values, shapes,
dtypes, strides, and error types and messages."""

import zlib

import numpy as np
import pytest
from test_shape_parity import compare, random_array

torch = pytest.importorskip("torch")

TOLERANCE = {"float16": 2e-2, "float32": 1e-4, "float64": 1e-10}


def pick_dtypes(rng):
    """Two dtypes, usually equal; integer ones too since PyTorch and NumPy multiply those."""
    first = str(rng.choice(["float32", "float32", "float64", "int64", "int32", "float16"]))
    second = first if rng.random() < 0.85 else str(rng.choice(["float32", "float64", "int64", "bool"]))
    if rng.random() < 0.03:
        first = second = "bool"
    return first, second


def operand(rng, shape, dtype):
    a = random_array(rng, shape, dtype)
    if np.dtype(dtype).kind in "iu":
        a[...] = np.asarray(a % 4, dtype=dtype)
    return a


def rtol_of(*dtypes):
    return max(TOLERANCE.get(d, 0.0) for d in dtypes)


def batch_shapes(rng):
    batch = [int(rng.integers(1, 4)) for _ in range(int(rng.integers(0, 3)))]
    other = [int(rng.choice([1, s])) for s in batch][int(rng.integers(0, len(batch) + 1)):]
    if other and rng.random() < 0.1:
        other[0] += 1           # usually does not broadcast
    return (batch, other) if rng.random() < 0.5 else (other, batch)


def test_matmul():
    rng = np.random.default_rng(20)
    for _ in range(400):
        n, k, m = (int(rng.integers(0, 4)) for _ in range(3))
        k2 = k if rng.random() < 0.9 else k + 1
        ba, bb = batch_shapes(rng)
        sa = (k,) if rng.random() < 0.25 else (*ba, n, k)
        sb = (k2,) if rng.random() < 0.25 else (*bb, k2, m)
        if rng.random() < 0.03:
            sa = ()
        da, db = pick_dtypes(rng)
        a, b = operand(rng, sa, da), operand(rng, sb, db)
        rtol = rtol_of(da, db)
        compare(lambda lib, x, y: x @ y, [a, b], rtol=rtol)
        compare(lambda lib, x, y: lib.matmul(x, y), [a, b], rtol=rtol)


def test_mm_bmm_mv_dot():
    rng = np.random.default_rng(21)
    for _ in range(200):
        n, k, m, batch = (int(rng.integers(0, 4)) for _ in range(4))
        k2 = k if rng.random() < 0.9 else k + 1
        da, db = pick_dtypes(rng)
        rtol = rtol_of(da, db)
        ranks = (2, 2) if rng.random() < 0.9 else (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        a, b = operand(rng, (n, k)[-ranks[0]:] if ranks[0] <= 2 else (2, n, k), da), \
            operand(rng, (k2, m)[-ranks[1]:] if ranks[1] <= 2 else (2, k2, m), db)
        compare(lambda lib, x, y: lib.mm(x, y), [a, b], rtol=rtol)
        batch2 = batch if rng.random() < 0.9 else batch + 1
        a3, b3 = operand(rng, (batch, n, k), da), operand(rng, (batch2, k2, m), db)
        compare(lambda lib, x, y: lib.bmm(x, y), [a3, b3], rtol=rtol)
        compare(lambda lib, x, y: x.bmm(y), [a, b3], rtol=rtol)
        v = operand(rng, (k2,), db)
        compare(lambda lib, x, y: lib.mv(x, y), [a, v], rtol=rtol)
        u = operand(rng, (k,) if rng.random() < 0.9 else (k, 1), da)
        compare(lambda lib, x, y: lib.dot(x, y), [u, v], rtol=rtol)
        compare(lambda lib, x, y: x.dot(y), [u, v], rtol=rtol)


def test_outer():
    rng = np.random.default_rng(22)
    for _ in range(100):
        da, db = pick_dtypes(rng)
        a = operand(rng, (int(rng.integers(0, 4)),), da)
        b = operand(rng, (int(rng.integers(0, 4)),) if rng.random() < 0.9 else (2, 2), db)
        compare(lambda lib, x, y: lib.outer(x, y), [a, b], rtol=rtol_of(da, db))
        compare(lambda lib, x, y: x.ger(y), [a, b], rtol=rtol_of(da, db))


def test_addmm_baddbmm():
    rng = np.random.default_rng(23)
    for _ in range(200):
        n, k, m, batch = (int(rng.integers(1, 4)) for _ in range(4))
        dtype = str(rng.choice(["float32", "float64", "int64"]))
        dtypes = [dtype] * 3
        if rng.random() < 0.1:
            dtypes[int(rng.integers(0, 3))] = "float64" if dtype != "float64" else "float32"
        k2 = k if rng.random() < 0.9 else k + 1
        shape = [(n, m), (m,), (1, m), (n, 1), ()][int(rng.integers(0, 5))]
        if rng.random() < 0.05:
            shape = (m + 1,)
        beta, alpha = [float(rng.choice([1, 0, 0.5, -2])) for _ in range(2)]
        if dtype == "int64":
            beta, alpha = int(beta), int(alpha)
        i, a, b = (operand(rng, s, d) for s, d in zip([shape, (n, k), (k2, m)], dtypes))
        rtol = rtol_of(*dtypes)
        compare(lambda lib, x, y, z: lib.addmm(x, y, z, beta=beta, alpha=alpha), [i, a, b], rtol=rtol)
        compare(lambda lib, x, y, z: x.addmm(y, z), [i, a, b], rtol=rtol)
        i3, a3, b3 = (operand(rng, s, d) for s, d in zip([(batch, 1, m), (batch, n, k), (batch, k2, m)], dtypes))
        compare(lambda lib, x, y, z: lib.baddbmm(x, y, z, beta=beta, alpha=alpha), [i3, a3, b3], rtol=rtol)


EQUATIONS = [
    ("ij,jk->ik", "ij,jk"), ("ij,jk", "ij,jk"), ("i,i->", "i,i"), ("i,j->ij", "i,j"), ("ii->i", "ii"),
    ("ii", "ii"), ("ij->ji", "ij"), ("bij,bjk->bik", "bij,bjk"), ("...ij,...jk->...ik", "bij,jk"),
    ("i...,i...", "ia,i"), ("...i,...i", "abi,bi"), ("i...", "iab"), ("bA,Ab", "bA,Ab"), ("ij->", "ij"),
    ("i,j,k->ijk", "i,j,k"), ("ij,ij->ij", "ij,ij"), ("bhqd,bhkd->bhqk", "bhqd,bhkd"),
]


@pytest.mark.parametrize("equation, dims", EQUATIONS)
def test_einsum(equation, dims):
    rng = np.random.default_rng(zlib.crc32(equation.encode()))
    for _ in range(15):
        sizes = {c: int(rng.integers(1, 4)) for c in set(dims) - {","}}
        shapes = [[sizes[c] for c in term] for term in dims.split(",")]
        if rng.random() < 0.2:       # size-1 dims broadcast; other mismatches are errors
            shape = shapes[int(rng.integers(0, len(shapes)))]
            if shape:
                shape[int(rng.integers(0, len(shape)))] = int(rng.choice([1, 5]))
        dtype = str(rng.choice(["float32", "float64", "int64"]))
        arrays = [operand(rng, tuple(s), dtype) for s in shapes]
        # PyTorch's einsum returns views for pure relabellings (ember: copies) and its own layouts
        compare(lambda lib, *xs: lib.einsum(equation, *xs), arrays, rtol=rtol_of(dtype), check_view=False)
        compare(lambda lib, *xs: lib.einsum(equation, list(xs)), arrays, rtol=rtol_of(dtype), check_view=False)


@pytest.mark.parametrize("equation, shapes", [
    ("ij,jk->ik", [(2, 3)]), ("ij->", [(3, 3), (3,)]), ("bij", [(2, 3)]), ("ij...->", [(3,)]), ("i->j", [(3,)]),
    ("i->ii", [(3,)]), ("i1->", [(3, 3)]), ("ii->i", [(3, 4)]), ("i.j", [(3, 3)]), ("...i,...i", [(2, 3), (4, 3)]),
])
def test_einsum_errors(equation, shapes):
    compare(lambda lib, *xs: lib.einsum(equation, *xs), [np.zeros(s, np.float32) for s in shapes])


def test_linear_layer_product_matches():
    """x @ W.T + b, the product every nn.Linear runs, on a transposed (non-contiguous) weight."""
    import ember
    rng = np.random.default_rng(7)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((64, 48), (32, 48), (32,)))
    ours = ember.addmm(ember.from_numpy(b), ember.from_numpy(x), ember.from_numpy(w).t())
    theirs = torch.addmm(torch.from_numpy(b), torch.from_numpy(x), torch.from_numpy(w).t())
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)
