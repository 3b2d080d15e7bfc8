"""ember vs PyTorch 2.13: accelerator, global flags, Tensor.new_*, legacy constructors, type
strings, randint overloads, device flags and sparse COO tensors (values and gradients)."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def _name(dtype) -> str:
    return str(dtype).split(".")[-1]


def test_accelerator_on_a_cpu_only_machine():
    assert (ember.accelerator.current_accelerator() is None) == (torch.accelerator.current_accelerator() is None)
    assert ember.accelerator.is_available() == torch.accelerator.is_available()
    assert ember.accelerator.device_count() == torch.accelerator.device_count()
    for name in ("current_device_index", "synchronize"):
        with pytest.raises(RuntimeError) as theirs:
            getattr(torch.accelerator, name)()
        with pytest.raises(RuntimeError) as ours:
            getattr(ember.accelerator, name)()
        assert str(ours.value) == str(theirs.value)


def test_flag_defaults_match():
    t, e = torch.backends.cudnn, ember.backends.cudnn
    assert (e.enabled, e.benchmark, e.deterministic, e.allow_tf32) == \
        (t.enabled, t.benchmark, t.deterministic, t.allow_tf32)
    assert e.is_available() == t.is_available() and e.version() == t.version()
    assert ember.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
    assert ember.backends.mps.is_available() == torch.backends.mps.is_available()
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    assert ember.are_deterministic_algorithms_enabled() == torch.are_deterministic_algorithms_enabled()


@pytest.mark.parametrize("precision", ["medium", "high", "highest"])
def test_float32_precision_and_tf32_agree(precision):
    try:
        torch.set_float32_matmul_precision(precision)
        ember.set_float32_matmul_precision(precision)
        assert ember.backends.cuda.matmul.allow_tf32 == torch.backends.cuda.matmul.allow_tf32
        assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    finally:
        torch.set_float32_matmul_precision("highest")
        ember.set_float32_matmul_precision("highest")


@pytest.mark.parametrize("mode", [0, 1, 2, "default", "warn", "error"])
def test_deterministic_debug_modes_agree(mode):
    try:
        torch.set_deterministic_debug_mode(mode)
        ember.set_deterministic_debug_mode(mode)
        assert ember.get_deterministic_debug_mode() == torch.get_deterministic_debug_mode()
        assert ember.is_deterministic_algorithms_warn_only_enabled() == \
            torch.is_deterministic_algorithms_warn_only_enabled()
    finally:
        torch.set_deterministic_debug_mode(0)
        ember.set_deterministic_debug_mode(0)


@pytest.mark.parametrize("call", [
    lambda m, x: x.new_zeros(2, 3), lambda m, x: x.new_zeros((2,)), lambda m, x: x.new_ones(size=(1, 2)),
    lambda m, x: x.new_ones(3, dtype=m.int32), lambda m, x: x.new_full((2,), 5),
    lambda m, x: x.new_full([2], 1.5, dtype=m.float32), lambda m, x: x.new_tensor([1, 2]),
    lambda m, x: x.new_tensor(3), lambda m, x: x.new_empty(0).shape,
])
@pytest.mark.parametrize("dtype", ["float64", "int16", "bool"])
def test_new_methods(call, dtype):
    t = call(torch, torch.ones(2, dtype=getattr(torch, dtype)))
    e = call(ember, ember.ones(2, dtype=getattr(ember, dtype)))
    if isinstance(t, torch.Tensor):
        assert _name(e.dtype) == _name(t.dtype) and tuple(e.shape) == tuple(t.shape)
        assert e.tolist() == t.tolist()
    else:
        assert tuple(e) == tuple(t)


NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor",
         "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", NAMES)
def test_legacy_constructors(name):
    t, e = getattr(torch, name), getattr(ember, name)
    assert _name(e.dtype) == _name(t.dtype)
    assert _name(e([1, 0, 1]).dtype) == _name(t([1, 0, 1]).dtype) and e([1, 0, 1]).tolist() == t([1, 0, 1]).tolist()
    assert tuple(e(2, 3).shape) == tuple(t(2, 3).shape) and tuple(e().shape) == tuple(t().shape)
    for other in NAMES:
        dtype = getattr(torch, other).dtype
        assert isinstance(ember.zeros(1, dtype=getattr(ember, _name(dtype))), e) == \
            isinstance(torch.zeros(1, dtype=dtype), t)
    assert ember.zeros(1, dtype=e.dtype).type() == torch.zeros(1, dtype=t.dtype).type().replace("torch.", "ember.")


@pytest.mark.parametrize("target", ["torch.FloatTensor", "torch.LongTensor", "torch.ByteTensor", "torch.Foo"])
def test_type_strings(target):
    x = [1.5, 2.0]
    try:
        theirs = torch.tensor(x).type(target)
    except ValueError as err:
        with pytest.raises(ValueError) as ours:
            ember.tensor(x).type(target)
        assert str(ours.value) == str(err)
        return
    assert ember.tensor(x).type(target).tolist() == theirs.tolist()
    assert ember.tensor(x).type(target).type() == theirs.type().replace("torch.", "ember.")


@pytest.mark.parametrize("args, kwargs", [
    ((5, (3,)), {}), ((2, 5, (3,)), {}), ((5,), {"size": (3,)}), ((), {"low": 2, "high": 5, "size": (2, 2)}),
    ((), {"high": 5, "size": (2,)}), ((5, (3,)), {"dtype": "int32"}),
])
def test_randint_overloads(args, kwargs):
    kt = {k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()}
    ke = {k: getattr(ember, v) if k == "dtype" else v for k, v in kwargs.items()}
    t, e = torch.randint(*args, **kt), ember.randint(*args, **ke)
    assert tuple(e.shape) == tuple(t.shape) and _name(e.dtype) == _name(t.dtype)


@pytest.mark.parametrize("call", [lambda m: m.randint(3, 5), lambda m: m.randint(3.5, (2,)),
                                  lambda m: m.randint(5, 3, (2,)), lambda m: m.zeros(2, size=(2,)),
                                  lambda m: m.rand(size=3)])
def test_creation_errors_have_pytorchs_types(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(theirs.type):
        call(ember)


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword(fn):
    assert tuple(getattr(ember, fn)(size=(2, 3)).shape) == tuple(getattr(torch, fn)(size=(2, 3)).shape)


def test_device_flags():
    t, e = torch.ones(2), ember.ones(2)
    for flag in ("is_cuda", "is_cpu", "is_xpu", "is_mps", "is_meta", "is_quantized", "is_sparse"):
        assert getattr(e, flag) == getattr(t, flag), flag
    assert repr(e.layout).replace("ember.", "") == repr(t.layout).replace("torch.", "")


# -- sparse ---------------------------------------------------------------------------------------
RNG = np.random.default_rng(0)
IDX = np.stack([RNG.integers(0, 5, 12), RNG.integers(0, 4, 12)])   # repeated positions included
VAL = RNG.standard_normal(12)


def both(coalesce: bool = False):
    t = torch.sparse_coo_tensor(torch.tensor(IDX), torch.tensor(VAL), (5, 4), check_invariants=True)
    e = ember.sparse_coo_tensor(ember.tensor(IDX), ember.tensor(VAL), (5, 4))
    return (t.coalesce(), e.coalesce()) if coalesce else (t, e)


def test_sparse_structure():
    t, e = both()
    assert e.is_coalesced() == t.is_coalesced() and e._nnz() == t._nnz()
    np.testing.assert_allclose(e.to_dense().numpy(), t.to_dense().numpy(), rtol=1e-12)
    tc, ec = both(coalesce=True)
    assert ec.indices().tolist() == tc.indices().tolist()
    np.testing.assert_allclose(ec.values().numpy(), tc.values().numpy(), rtol=1e-12)
    assert (ec.sparse_dim(), ec.dense_dim()) == (tc.sparse_dim(), tc.dense_dim())
    assert e.is_sparse == t.is_sparse and repr(e.layout).replace("ember.", "") == repr(t.layout).replace("torch.", "")
    with pytest.raises(RuntimeError) as theirs:
        t.indices()
    with pytest.raises(RuntimeError) as ours:
        e.indices()
    assert str(ours.value) == str(theirs.value)


def test_sparse_sums_and_to_sparse():
    t, e = both()
    assert e.sum().item() == pytest.approx(torch.sparse.sum(t).item(), rel=1e-12)
    for dim in (0, 1, (0, 1)):
        theirs, ours = torch.sparse.sum(t, dim), ember.sparse.sum(e, dim)
        assert ours.is_sparse == theirs.is_sparse
        np.testing.assert_allclose((ours.to_dense() if ours.is_sparse else ours).numpy(),
                                   (theirs.to_dense() if theirs.is_sparse else theirs).numpy(), rtol=1e-12)
    x = RNG.standard_normal((3, 4)) * (RNG.random((3, 4)) < 0.5)
    theirs, ours = torch.tensor(x).to_sparse(), ember.tensor(x).to_sparse()
    assert ours.indices().tolist() == theirs.indices().tolist()
    np.testing.assert_allclose(ours.values().numpy(), theirs.values().numpy())


@pytest.mark.parametrize("coalesce", [False, True])
def test_sparse_mm_values_and_gradients(coalesce):
    d = RNG.standard_normal((4, 3))
    grads = []
    for m in (torch, ember):
        v = m.tensor(VAL, requires_grad=True)
        dense = m.tensor(d, requires_grad=True)
        s = m.sparse_coo_tensor(m.tensor(IDX), v, (5, 4), check_invariants=True)
        if coalesce:
            s = s.coalesce()
        out = m.sparse.mm(s, dense)
        (out * m.tensor(np.arange(15.0).reshape(5, 3))).sum().backward()
        grads.append((out.detach().numpy(), v.grad.numpy(), dense.grad.numpy()))
    for theirs, ours in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_sparse_leaf_grad_is_sparse():
    d = RNG.standard_normal((4, 3))
    results = []
    for m in (torch, ember):
        s = m.sparse_coo_tensor(m.tensor(IDX), m.tensor(VAL), (5, 4), check_invariants=True).coalesce()
        s.requires_grad_(True)
        m.sparse.mm(s, m.tensor(d)).sum().backward()
        assert s.grad.is_sparse
        results.append(s.grad.to_dense().numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10)


def test_spmm_and_matmul_with_sparse_left_operand():
    t, e = both()
    d = RNG.standard_normal((4, 2))
    for fn in ("spmm", "mm", "matmul"):
        np.testing.assert_allclose(getattr(ember, fn)(e, ember.tensor(d)).numpy(),
                                   getattr(torch, fn)(t, torch.tensor(d)).numpy(), rtol=1e-12)


@pytest.mark.parametrize("value", [5.0, 0.0])
def test_to_sparse_of_a_scalar(value):
    t, e = torch.tensor(value).to_sparse(), ember.tensor(value).to_sparse()
    assert tuple(e._indices().shape) == tuple(t._indices().shape)
    assert e._values().tolist() == t._values().tolist() and e.to_dense().item() == t.to_dense().item()


def test_to_sparse_dim_zero_is_refused():
    with pytest.raises(RuntimeError):
        torch.ones(2, 2).to_sparse(0)
    with pytest.raises(RuntimeError, match="sparse_dim argument must be > 0"):
        ember.ones(2, 2).to_sparse(0)
