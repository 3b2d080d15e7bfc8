"""Shape ops against PyTorch on random layouts: values, shapes, dtypes, strides, contiguity,
whether the result is a view, and error types and messages."""

import numpy as np
import pytest
from outcomes import assert_same_message

import ember

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "int64", "int32", "uint8", "bool", "float16"]


def random_array(rng, shape, dtype="float32") -> np.ndarray:
    """A NumPy array of ``shape``, often non-contiguous (permuted and strided)."""
    nd = len(shape)
    perm = rng.permutation(nd) if nd and rng.random() < 0.5 else np.arange(nd)
    steps = [int(rng.choice([1, 1, 2])) for _ in range(nd)]
    inv = np.argsort(perm)
    stored = [shape[p] * steps[i] for i, p in enumerate(perm)]     # memory order
    values = rng.integers(0, 100, stored) if np.dtype(dtype).kind in "biu" else rng.standard_normal(stored) * 5
    base = np.asarray(values > 50 if dtype == "bool" else values).astype(dtype)
    view = base[tuple(slice(None, None, s) for s in steps)] if nd else base
    out = view.transpose(inv) if nd else view
    assert out.shape == tuple(shape)
    return out


def random_shape(rng, max_nd=4):
    nd = int(rng.integers(0, max_nd + 1))
    sizes = [0, 1, 1, 2, 3, 4] if rng.random() < 0.15 else [1, 2, 3, 4]
    return tuple(int(rng.choice(sizes)) for _ in range(nd))


def to_torch(a: np.ndarray):
    """A torch tensor over the same memory and strides as ``a``."""
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    offset = (a.__array_interface__["data"][0] - root.__array_interface__["data"][0]) // a.itemsize
    flat = torch.from_numpy(root.reshape(-1))
    out = torch.empty(0, dtype=flat.dtype)
    return out.set_(flat.untyped_storage(), offset, a.shape, [s // a.itemsize for s in a.strides])


def run(fn, lib, args):
    try:
        return fn(lib, *args), None
    except (RuntimeError, IndexError, ValueError, TypeError, NotImplementedError) as err:
        return None, err


def layout(t, exact: bool) -> tuple:
    """``t``'s strides; for a copy only those that matter (dims of size > 1 in a non-empty tensor)."""
    if exact:
        return t.stride()
    return tuple(s for s, n in zip(t.stride(), t.shape) if n > 1) if t.numel() else ()


def assert_same_tensor(ours, theirs, rtol=0.0, check_view=True):
    """Same shape, dtype and values; with ``check_view``, also the same view-ness and layout."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).replace("torch.", "")
    if check_view:
        assert (ours._base is not None) == (theirs._base is not None), "view-ness differs"
        exact = theirs._base is not None    # a view's strides are part of its meaning
        assert layout(ours, exact) == layout(theirs, exact), (ours.stride(), theirs.stride())
        assert ours.is_contiguous() == theirs.is_contiguous()
    if rtol:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=rtol, atol=rtol)
    else:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def compare(fn, arrays, *, same_message=True, rtol=0.0, check_view=True):
    """Run ``fn(lib, *tensors)`` with ember and with torch on the same data; compare the outcome."""
    theirs, t_err = run(fn, torch, [to_torch(a) if isinstance(a, np.ndarray) else a for a in arrays])
    ours, e_err = run(fn, ember, [ember.from_numpy(a) if isinstance(a, np.ndarray) else a for a in arrays])
    if t_err is not None:
        assert e_err is not None, f"PyTorch raised {t_err!r}, ember returned {ours!r}"
        assert type(e_err) is type(t_err), (e_err, t_err)
        if same_message and "integer multiplication overflow" not in str(t_err):   # a PyTorch quirk
            assert_same_message(e_err, t_err)
        return
    if e_err is not None:
        raise e_err
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            assert_same_tensor(o, t, rtol, check_view)
    elif isinstance(theirs, torch.Tensor):
        assert_same_tensor(ours, theirs, rtol, check_view)
    else:
        assert ours == theirs


def cases(seed, n=120, max_nd=4):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        shape = random_shape(rng, max_nd)
        dtype = DTYPES[int(rng.integers(0, len(DTYPES)))] if rng.random() < 0.3 else "float32"
        yield rng, shape, random_array(rng, shape, dtype)


def random_dim(rng, nd, extra=1):
    lo, hi = (-1, 0) if nd == 0 else (-nd, nd - 1)
    return int(rng.integers(lo - extra, hi + extra + 1)) if rng.random() < 0.1 else int(rng.integers(lo, hi + 1))


def factor_shape(rng, numel):
    """A random shape holding ``numel`` elements, with size-1 dims and sometimes a -1."""
    if numel == 0:
        shape = [0] + [int(rng.integers(1, 4)) for _ in range(int(rng.integers(0, 3)))]
    else:
        shape, m = [], numel
        for p in (2, 3, 5, 7):
            while m % p == 0:
                shape.append(p)
                m //= p
        if m > 1:
            shape.append(m)
        rng.shuffle(shape)
        merged = []
        for f in shape:
            if merged and rng.random() < 0.4:
                merged[-1] *= f
            else:
                merged.append(f)
        shape = merged
    for _ in range(int(rng.integers(0, 3))):
        shape.insert(int(rng.integers(0, len(shape) + 1)), 1)
    rng.shuffle(shape)
    if shape and rng.random() < 0.4:
        shape[int(rng.integers(0, len(shape)))] = -1
    if rng.random() < 0.05:
        shape.append(2)            # usually invalid
    return tuple(int(s) for s in shape)


# --------------------------------------------------------------------------- views

def test_view_and_reshape():
    for rng, _, a in cases(1, 400):
        target = factor_shape(rng, a.size)
        compare(lambda lib, x: x.view(target), [a])
        compare(lambda lib, x: x.reshape(target), [a])
        compare(lambda lib, x: lib.reshape(x, target), [a])


def test_permute_transpose_t():
    for rng, shape, a in cases(2, 200):
        nd = len(shape)
        perm = [int(d) for d in rng.permutation(nd)]
        if perm and rng.random() < 0.3:
            perm = [d - nd for d in perm]
        if rng.random() < 0.1:
            perm = perm[:-1] if perm else [0]
        if rng.random() < 0.05 and nd > 1:
            perm[0] = perm[1]
        if nd:   # ember accepts x.permute() on 0-d tensors (Tensor.T relies on it); PyTorch wants dims
            compare(lambda lib, x: x.permute(*perm), [a])
        compare(lambda lib, x: lib.permute(x, perm), [a])
        d0, d1 = random_dim(rng, nd), random_dim(rng, nd)
        compare(lambda lib, x: x.transpose(d0, d1), [a])
        compare(lambda lib, x: lib.swapaxes(x, d0, d1), [a])
        compare(lambda lib, x: x.swapdims(d0, d1), [a])
        compare(lambda lib, x: x.t(), [a])
        compare(lambda lib, x: lib.t(x), [a])
        if nd != 2:
            continue   # .T on other ranks is deprecated in PyTorch
        compare(lambda lib, x: x.T, [a])


def test_mT():
    for _, shape, a in cases(3, 60):
        if len(shape) >= 1:
            compare(lambda lib, x: x.mT, [a])


def test_movedim():
    for rng, shape, a in cases(4, 150):
        nd = len(shape)
        k = int(rng.integers(0, nd + 1))
        src = [int(d) for d in rng.permutation(nd)[:k]]
        dst = [int(d) for d in rng.permutation(nd)[:k]]
        if rng.random() < 0.1 and dst:
            dst = dst[:-1]
        compare(lambda lib, x: x.movedim(src, dst), [a])
        if k == 1:
            compare(lambda lib, x: lib.moveaxis(x, src[0], dst[0]), [a])


def test_flatten_unflatten():
    for rng, shape, a in cases(5, 200):
        nd = len(shape)
        s, e = random_dim(rng, nd), random_dim(rng, nd)
        compare(lambda lib, x: x.flatten(s, e), [a])
        compare(lambda lib, x: lib.flatten(x, s), [a])
        if nd == 0:
            continue
        d = random_dim(rng, nd, extra=0)
        sizes = factor_shape(rng, shape[d])
        compare(lambda lib, x: x.unflatten(d, sizes), [a], same_message=False)
        compare(lambda lib, x: lib.unflatten(x, d, sizes), [a], same_message=False)


def test_squeeze_unsqueeze():
    for rng, shape, a in cases(6, 200):
        nd = len(shape)
        compare(lambda lib, x: x.squeeze(), [a])
        d = random_dim(rng, nd)
        compare(lambda lib, x: x.squeeze(d), [a])
        dims = tuple(int(v) for v in rng.permutation(nd)[:int(rng.integers(0, nd + 1))])
        compare(lambda lib, x: lib.squeeze(x, dims), [a])
        u = random_dim(rng, nd + 1)
        compare(lambda lib, x: x.unsqueeze(u), [a])
        compare(lambda lib, x: lib.unsqueeze(x, u), [a])


def test_expand():
    for rng, shape, a in cases(7, 300):
        lead = [int(rng.integers(0, 4)) for _ in range(int(rng.integers(0, 3)))]
        target = lead + [int(rng.integers(0, 4)) if s == 1 else int(rng.choice([s, -1])) for s in shape]
        if rng.random() < 0.15 and target:
            target[int(rng.integers(0, len(target)))] = int(rng.integers(-1, 5))
        if rng.random() < 0.05:
            target = target[1:]
        compare(lambda lib, x: x.expand(*target), [a])
        other = np.zeros([t if t >= 0 else 1 for t in target], np.float32)
        compare(lambda lib, x, y: x.expand_as(y), [a, other])


def test_narrow_split_chunk_unbind():
    for rng, shape, a in cases(8, 250):
        nd = len(shape)
        d = random_dim(rng, nd)
        n = shape[d] if nd and -nd <= d < nd else 0
        start = int(rng.integers(-n - 1, n + 2))
        length = int(rng.integers(-1, n + 2))
        compare(lambda lib, x: x.narrow(d, start, length), [a])
        compare(lambda lib, x: lib.narrow(x, d, start, length), [a])
        size = int(rng.integers(-1, n + 2))
        compare(lambda lib, x: x.split(size, d), [a])
        cuts = sorted(int(c) for c in rng.integers(0, n + 1, size=int(rng.integers(0, 3))))
        sections = [hi - lo for lo, hi in zip([0] + cuts, cuts + [n])]
        if rng.random() < 0.1:
            sections.append(1)
        compare(lambda lib, x: lib.split(x, sections, d), [a])
        chunks = int(rng.integers(-1, 6))
        compare(lambda lib, x: x.chunk(chunks, d), [a])
        compare(lambda lib, x: lib.unbind(x, d), [a])


# --------------------------------------------------------------------------- copies

def test_repeat_tile():
    for rng, shape, a in cases(9, 200, max_nd=3):
        reps = [int(rng.integers(0, 3)) for _ in range(len(shape) + int(rng.integers(-1, 3)))]
        if rng.random() < 0.05 and reps:
            reps[0] = -1
        compare(lambda lib, x: x.repeat(*reps), [a])
        compare(lambda lib, x: lib.tile(x, reps), [a])


def test_flip_roll():
    for rng, shape, a in cases(10, 200):
        nd = len(shape)
        dims = [random_dim(rng, nd) for _ in range(int(rng.integers(0, nd + 1)))]
        compare(lambda lib, x: x.flip(dims), [a])
        compare(lambda lib, x: lib.flip(x, dims), [a])
        if nd >= 1:
            compare(lambda lib, x: lib.flipud(x), [a])
        if nd >= 2:
            compare(lambda lib, x: lib.fliplr(x), [a])
        shifts = [int(rng.integers(-7, 8)) for _ in dims]
        compare(lambda lib, x: x.roll(shifts, dims), [a])
        if shifts:
            compare(lambda lib, x: lib.roll(x, shifts[0]), [a])


def test_contiguous():
    for _, _, a in cases(11, 80):
        compare(lambda lib, x: x.contiguous(), [a])


def _joinable(rng, shape, dim, dtype):
    """An array of ``shape`` with a random size along ``dim`` (sometimes a mismatched other dim)."""
    other = list(shape)
    if other:
        other[dim] = int(rng.integers(0, 4))
        if rng.random() < 0.05:
            other[int(rng.integers(0, len(other)))] += 1
    return random_array(rng, tuple(other), dtype)


def test_cat():
    for rng, shape, a in cases(12, 250):
        nd = len(shape)
        d = random_dim(rng, nd)
        dw = d % nd if nd and -nd <= d < nd else 0
        dtype = DTYPES[int(rng.integers(0, len(DTYPES)))] if rng.random() < 0.3 else a.dtype.name
        arrays = [a] + [_joinable(rng, shape, dw, dtype) for _ in range(int(rng.integers(0, 3)))]
        if rng.random() < 0.1:
            arrays.insert(int(rng.integers(0, len(arrays) + 1)), np.zeros(0, np.float32))
        compare(lambda lib, *xs: lib.cat(xs, d), arrays)
        compare(lambda lib, *xs: lib.concat(list(xs), dim=d), arrays)
        compare(lambda lib, *xs: lib.concatenate(xs, axis=d), arrays)


def test_stack_and_friends():
    for rng, shape, a in cases(13, 200, max_nd=3):
        d = random_dim(rng, len(shape) + 1)
        dtype = DTYPES[int(rng.integers(0, len(DTYPES)))] if rng.random() < 0.3 else a.dtype.name
        other = shape if rng.random() < 0.9 else shape + (1,)
        arrays = [a] + [random_array(rng, other, dtype) for _ in range(int(rng.integers(0, 3)))]
        compare(lambda lib, *xs: lib.stack(xs, d), arrays)
        compare(lambda lib, *xs: lib.hstack(xs), arrays)
        compare(lambda lib, *xs: lib.vstack(xs), arrays)
        compare(lambda lib, *xs: lib.dstack(xs), arrays)
        compare(lambda lib, x: lib.atleast_1d(x), [a])
        compare(lambda lib, x: lib.atleast_2d(x), [a])
        compare(lambda lib, x: lib.atleast_3d(x), [a])


def test_join_errors():
    compare(lambda lib: lib.cat([]), [])
    compare(lambda lib: lib.stack([]), [])
    compare(lambda lib: lib.cat([lib.zeros(2), 3]), [])
    compare(lambda lib: lib.stack(lib.zeros(2, 3)), [])
    compare(lambda lib: lib.cat(lib.zeros(2, 3)), [])


def test_views_share_memory_and_version_like_pytorch():
    ops = [lambda x: x.view(-1), lambda x: x.t(), lambda x: x.unsqueeze(0), lambda x: x.expand(2, 3, 4),
           lambda x: x.narrow(1, 1, 2), lambda x: x.split(1)[1], lambda x: x.unbind(1)[0], lambda x: x.chunk(2, 1)[1],
           lambda x: x.movedim(0, 1), lambda x: x.flatten(), lambda x: x.unflatten(1, (2, 2)), lambda x: x.mT]
    for op in ops:
        e, t = ember.zeros(3, 4), torch.zeros(3, 4)
        ev, tv = op(e), op(t)
        e += 1
        t += 1
        np.testing.assert_array_equal(ev.numpy(), tv.numpy())
        assert ev._version == tv._version == 1


@pytest.mark.parametrize("k", [-2, 0, 1])
def test_tril_triu_and_repeat_interleave_match_pytorch(k):
    a = np.random.default_rng(k + 5).standard_normal((2, 4, 3)).astype(np.float32)
    for name in ("tril", "triu"):
        np.testing.assert_array_equal(getattr(ember, name)(ember.from_numpy(a), k).numpy(),
                                      getattr(torch, name)(torch.from_numpy(a), k).numpy())
    reps = [1, 0, 2, 3]
    np.testing.assert_array_equal(ember.from_numpy(a).repeat_interleave(ember.tensor(reps), dim=1).numpy(),
                                  torch.from_numpy(a).repeat_interleave(torch.tensor(reps), dim=1).numpy())
