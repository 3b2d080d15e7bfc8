"""Indexing against NumPy: ``t[key]``, ``t[key] = v`` and the gather/scatter/mask family."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ember
from ember import _core

# ----------------------------------------------------------------------------------------
# The oracle: NumPy, read the PyTorch way. PyTorch applies integer indices before index
# tensors; NumPy treats them as advanced indices when arrays are present. Selecting the
# integers one at a time first gives PyTorch's reading from NumPy's.


def _uses(k) -> int:
    if k is None or type(k) is bool:
        return 0
    if isinstance(k, np.ndarray) and k.dtype == bool:
        return k.ndim
    return 1


def torch_view(x: np.ndarray, key: tuple):
    """(array, rest of key): the integers of ``key`` applied one by one when it mixes them
    with index arrays (a view of ``x``), and what is left of the key. NumPy reads even an
    empty Ellipsis as a gap between index arrays, so it is spelled out as full slices."""
    key = list(key)
    if any(isinstance(k, np.ndarray) or type(k) is bool for k in key) and any(k is Ellipsis for k in key):
        p = next(i for i, k in enumerate(key) if k is Ellipsis)
        key[p:p + 1] = [slice(None)] * (x.ndim - sum(_uses(k) for k in key if k is not Ellipsis))
    while any(type(k) is int for k in key) and any(isinstance(k, np.ndarray) or type(k) is bool for k in key):
        p = next(i for i, k in enumerate(key) if type(k) is int)
        used = sum(_uses(k) for k in key if k is not Ellipsis)
        dim = 0
        for k in key[:p]:
            dim += x.ndim - used if k is Ellipsis else _uses(k)
        x = x[(slice(None),) * dim + (key[p], Ellipsis)]   # the Ellipsis keeps a 0-d result a view
        del key[p]
    return x, tuple(key)


def torch_getitem(x: np.ndarray, key: tuple) -> np.ndarray:
    x, key = torch_view(x, key)
    return x[key]


def torch_setitem(x: np.ndarray, key: tuple, value) -> None:
    x, key = torch_view(x, key)
    x[key] = value


def to_ember_key(key: tuple, as_list: bool) -> tuple:
    # an empty list carries no dtype, so empty index arrays stay tensors
    return tuple((k.tolist() if as_list and k.size else ember.tensor(k)) if isinstance(k, np.ndarray) else k
                 for k in key)


@st.composite
def index_cases(draw, advanced=True):
    """(shape, key): a random shape and a key of ints, slices, None, an Ellipsis, bools,
    index arrays and masks that is valid for it (NumPy arrays stand for index tensors)."""
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=ndim, max_size=ndim)))
    kinds = ["int", "slice", "none"] + (["array", "array", "mask", "bool"] if advanced else [])
    layout, used = [], 0
    for _ in range(draw(st.integers(0, ndim + 2))):
        kind = draw(st.sampled_from(kinds))
        width = {"none": 0, "bool": 0, "mask": draw(st.integers(1, 2))}.get(kind, 1)
        if used + width > ndim:
            kind, width = "none", 0
        layout.append((kind, width))
        used += width
    ellipsis = draw(st.one_of(st.none(), st.integers(0, len(layout))))
    if ellipsis is None and used < ndim and draw(st.booleans()):
        ellipsis = len(layout)
    # the dims each item indexes: items after the Ellipsis index the trailing dims
    dims, d = [], 0
    for i, (_, width) in enumerate(layout):
        if ellipsis is not None and i == ellipsis:
            d = ndim - sum(w for _, w in layout[i:])
        dims.append(d)
        d += width
    n_masks = sum(kind == "mask" for kind, _ in layout)
    bshape = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    key = []
    for (kind, width), d in zip(layout, dims):
        size = shape[d] if width else 0
        if kind in ("int", "array") and size == 0:
            kind = "slice"
        if kind == "int":
            key.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start = draw(st.one_of(st.none(), st.integers(-6, 6)))
            stop = draw(st.one_of(st.none(), st.integers(-6, 6)))
            step = draw(st.one_of(st.none(), st.integers(1, 3)))
            key.append(slice(start, stop, step))
        elif kind == "none":
            key.append(None)
        elif kind == "bool":
            key.append(draw(st.booleans()) if n_masks == 0 else True)
        elif kind == "mask":
            mshape = shape[d:d + width]
            flat = draw(st.lists(st.booleans(), min_size=int(np.prod(mshape)), max_size=int(np.prod(mshape))))
            mask = np.array(flat, dtype=bool).reshape(mshape)
            if n_masks > 1 or any(k == "array" for k, _ in layout):
                mask = np.zeros(mshape, bool)   # masks broadcast with the other arrays: one True each
                if mask.size:
                    mask.flat[draw(st.integers(0, mask.size - 1))] = True
            key.append(mask)
        else:
            ashape = bshape if n_masks == 0 else (1,)
            ashape = tuple(n if draw(st.booleans()) else 1 for n in ashape)
            ashape = ashape[draw(st.integers(0, len(ashape) - 1)) if len(ashape) > 1 else 0:] or (1,)
            values = draw(st.lists(st.integers(-size, size - 1), min_size=int(np.prod(ashape)),
                                   max_size=int(np.prod(ashape))))
            key.append(np.array(values, dtype=np.int64).reshape(ashape))
    if ellipsis is not None:
        key.insert(ellipsis, Ellipsis)
    return shape, tuple(key)


def _valid_for_numpy(shape, key) -> bool:
    try:
        np.empty(shape)[key]
        return True
    except IndexError:
        return False


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index_cases(), st.booleans())
def test_getitem_matches_numpy_read_the_pytorch_way(case, as_list):
    shape, key = case
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    try:
        expected = torch_getitem(x, key)
    except IndexError:   # e.g. masks whose nonzero counts do not broadcast with the arrays
        return
    t = ember.from_numpy(x)
    got = t[to_ember_key(key, as_list)]
    assert got.shape == expected.shape
    assert got.dtype is ember.float32
    np.testing.assert_array_equal(got.numpy(), expected)


@settings(max_examples=300, deadline=None)
@given(index_cases(advanced=False))
def test_basic_indexing_is_a_view_sharing_memory_and_version(case):
    shape, key = case
    x = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    t = ember.from_numpy(x)
    v = t[key]
    view_key = key if any(k is Ellipsis for k in key) else key + (Ellipsis,)   # NumPy: a view, not a scalar
    np.testing.assert_array_equal(v.numpy(), x[view_key])
    assert v._base is t
    assert v._version_counter is t._version_counter
    if v.numel():
        assert np.shares_memory(v.numpy(), x)
        v[(0,) * v.ndim] = -1   # writes through to the base
        assert x[view_key][(0,) * v.ndim] == -1
        assert t._version == 1


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(index_cases(), st.integers(0, 2**31), st.booleans())
def test_setitem_matches_numpy_read_the_pytorch_way(case, seed, scalar):
    shape, key = case
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    try:
        target_shape = torch_getitem(x, key).shape
    except IndexError:
        return
    rng = np.random.default_rng(seed)
    value = 7.0 if scalar else rng.standard_normal(target_shape[rng.integers(0, len(target_shape) + 1):])
    expected = x.copy()
    torch_setitem(expected, key, value)
    t = ember.tensor(x)
    t[to_ember_key(key, False)] = value if scalar else ember.tensor(value)
    np.testing.assert_array_equal(t.numpy(), expected)
    assert t._version == 1


def test_integers_select_before_index_tensors_apply():
    x = np.arange(5 * 6 * 7).reshape(5, 6, 7)
    t = ember.tensor(x)
    assert t[0, :, [1, 2]].shape == (6, 2)                  # NumPy: (2, 6)
    np.testing.assert_array_equal(t[0, :, [1, 2]].numpy(), x[0][:, [1, 2]])
    assert t[[0, 1], :, 0].shape == (2, 6)
    np.testing.assert_array_equal(t[[0, 1], :, 0].numpy(), x[:, :, 0][[0, 1]])
    assert t[ember.tensor(0), :, [0, 1]].shape == (6, 2)    # a 0-d tensor is an int
    assert t[:, [0, 1], None, [1, 2]].shape == (2, 5, 1)
    assert t[True, [0, 1]].shape == (2, 6, 7)
    assert t[1:, True].shape == (4, 1, 6, 7)


def test_zero_dim_tensor_index_is_an_int_and_gives_a_view():
    t = ember.arange(6).reshape(2, 3)
    v = t[ember.tensor(1)]
    assert v._base is t._base and v.shape == (3,)
    v[0] = 100
    assert t[1, 0].item() == 100
    s = t[1, 2]
    assert s.shape == () and s._base is t._base   # an all-int key still gives a 0-d view


def test_index_tensors_of_other_kinds():
    x = np.arange(12).reshape(3, 4)
    t = ember.tensor(x)
    np.testing.assert_array_equal(t[ember.tensor([0, 2], dtype=ember.int32)].numpy(), x[[0, 2]])
    np.testing.assert_array_equal(t[[]].numpy(), x[np.array([], dtype=np.int64)])
    np.testing.assert_array_equal(t[np.array([2, 0])].numpy(), x[[2, 0]])
    np.testing.assert_array_equal(t[[True, False, True]].numpy(), x[[True, False, True]])
    with pytest.warns(UserWarning, match="uint8 is deprecated"):
        got = t[ember.tensor([1, 0, 1], dtype=ember.uint8)]
    np.testing.assert_array_equal(got.numpy(), x[[True, False, True]])
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        got = t[[[0, 1], [1, 2]]]   # PyTorch still reads a list of lists as a tuple
    np.testing.assert_array_equal(got.numpy(), x[[0, 1], [1, 2]])
    np.testing.assert_array_equal(t[1:ember.tensor(3)].numpy(), x[1:3])
    np.testing.assert_array_equal(t[np.int64(2)].numpy(), x[2])


def test_advanced_indexing_copies():
    t = ember.arange(6.)
    v = t[[0, 1]]
    assert v._base is None
    v[0] = 9.
    assert t[0].item() == 0.


def test_non_contiguous_input():
    x = np.arange(24.).reshape(2, 3, 4)
    t = ember.tensor(x).permute(2, 0, 1)
    xt = x.transpose(2, 0, 1)
    np.testing.assert_array_equal(t[1:, [0, 1], 2].numpy(), torch_getitem(xt, (slice(1, None), np.array([0, 1]), 2)))
    np.testing.assert_array_equal(t[t > 5].numpy(), xt[xt > 5])
    t[:, 0] = ember.tensor([1., 2., 3.])
    xt[:, 0] = [1., 2., 3.]
    np.testing.assert_array_equal(t.numpy(), xt)


@pytest.mark.parametrize("key, message", [
    (5, "index 5 is out of bounds for dimension 0 with size 3"),
    (-4, "index -4 is out of bounds for dimension 0 with size 3"),
    ((0, 7), "index 7 is out of bounds for dimension 1 with size 4"),
    ((Ellipsis, 9), "index 9 is out of bounds for dimension 1 with size 4"),
    ((0, 0, 0), "too many indices for tensor of dimension 2"),
    ("a", "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
          "(got str)"),
    (1.5, "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices "
          "(got float)"),
])
def test_getitem_errors(key, message):
    t = ember.zeros(3, 4)
    with pytest.raises(IndexError) as err:
        t[key]
    assert str(err.value) == message


def test_getitem_tensor_index_errors():
    t = ember.zeros(2, 3, 4)
    cases = [
        (ember.tensor([0, 5]), "index 5 is out of bounds for dimension 0 with size 2"),
        ((slice(None), ember.tensor([0, 7])), "index 7 is out of bounds for dimension 0 with size 3"),
        ((ember.tensor([0, 1]), ember.tensor([0, 7])), "index 7 is out of bounds for dimension 1 with size 3"),
        ((0, ember.tensor([0, -5])), "index -5 is out of bounds for dimension 0 with size 3"),
        (ember.tensor([1.0]), "tensors used as indices must be long, int, byte or bool tensors"),
        (ember.tensor([1], dtype=ember.int16), "tensors used as indices must be long, int, byte or bool tensors"),
        (ember.tensor([True, False, True]), "The shape of the mask [3] at index 0 does not match the shape of the "
                                            "indexed tensor [2, 3, 4] at index 0"),
        ((slice(None), ember.ones(3, 5, dtype=ember.bool)),
         "The shape of the mask [3, 5] at index 1 does not match the shape of the indexed tensor [2, 3, 4] at index 2"),
        ((Ellipsis, Ellipsis), "an index can only have a single ellipsis ('...')"),
    ]
    for key, message in cases:
        with pytest.raises(IndexError) as err:
            t[key]
        assert str(err.value) == message


def test_zero_dim_errors_and_indexing():
    s = ember.tensor(3.)
    for key, message in [(0, "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"),
                         (slice(None), "slice() cannot be applied to a 0-dim tensor."),
                         (ember.tensor([0]), "too many indices for tensor of dimension 0")]:
        with pytest.raises(IndexError) as err:
            s[key]
        assert str(err.value) == message
    assert s[None].shape == (1,) and s[...].shape == () and s[True].shape == (1,) and s[False].shape == (0,)
    assert s[ember.tensor(True)].shape == (1,)


def test_slice_step_errors():
    t = ember.zeros(4)
    with pytest.raises(ValueError, match="^step must be greater than zero$"):
        t[::-1]
    with pytest.raises(ValueError, match="^slice step cannot be zero$"):
        t[::0]


def test_index_on_another_device_is_refused():
    fake = _core.device("fakedev")
    fake._kernels = ember.tensor(0).device._kernels
    fake._backend = ember.tensor(0).device._backend
    idx = _core.create(np.array([0]), fake)
    with pytest.raises(RuntimeError, match=r"^indices should be either on cpu or on the same device as the "
                                           r"indexed tensor \(cpu\)$"):
        ember.zeros(3)[idx]
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        ember.gather(ember.zeros(3), 0, idx)
    on_fake = _core.create(np.arange(3.), fake)
    np.testing.assert_array_equal(on_fake[ember.tensor([2, 0])]._data, [2., 0.])   # cpu indices are fine


# ----------------------------------------------------------------------------------------
# __setitem__


def test_setitem_broadcasts_and_casts_values():
    t = ember.zeros(3, 4, dtype=ember.int64)
    t[0] = 1.7
    t[1] = ember.tensor([1.5, 2.5, 3.5, 4.5])      # basic indexing casts like copy_
    t[2, 1:] = ember.tensor([[7]])
    np.testing.assert_array_equal(t.numpy(), [[1, 1, 1, 1], [1, 2, 3, 4], [0, 7, 7, 7]])
    t[t == 7] = ember.tensor(5)
    assert t[2].tolist() == [0, 5, 5, 5]
    b = ember.zeros(3, dtype=ember.bool)
    b[[0, 2]] = 2
    assert b.tolist() == [True, False, True]
    t[0] = ember.ones(1, 1, 4, dtype=ember.int64)  # leading ones are dropped
    assert t[0].tolist() == [1, 1, 1, 1]


def test_setitem_errors():
    t = ember.zeros(3, 4)
    cases = [
        (([0, 1],), ember.tensor([1., 2., 3.]), RuntimeError,
         "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of shape [2, 4]"),
        ((0,), ember.tensor([1., 2., 3.]), RuntimeError,
         "The expanded size of the tensor (4) must match the existing size (3) at non-singleton dimension 0.  "
         "Target sizes: [4].  Tensor sizes: [3]"),
        ((0,), ember.ones(2, 1, 4), RuntimeError,
         "expand(ember.FloatTensor{[2, 1, 4]}, size=[4]): the number of sizes provided (1) must be greater or "
         "equal to the number of dimensions in the tensor (3)"),
        (([0],), ember.tensor([1, 2, 3, 4]), RuntimeError,
         "Index put requires the source and destination dtypes match, got Float for the destination and Long "
         "for the source."),
        ((0,), [1, 2, 3, 4], TypeError, "can't assign a list to a ember.FloatTensor"),
    ]
    for key, value, error, message in cases:
        with pytest.raises(error) as err:
            t[key] = value
        assert str(err.value) == message
    assert t._version == 0 and not t.numpy().any()
    u = ember.zeros(3, dtype=ember.uint8)
    with pytest.raises(RuntimeError, match=r"^value cannot be converted to type uint8 without overflow$"):
        u[0] = 300
    with pytest.raises(RuntimeError, match=r"^value cannot be converted to type int64 without overflow$"):
        ember.zeros(3, dtype=ember.int64)[0] = float("nan")


def test_setitem_through_a_view_bumps_the_shared_version():
    t = ember.zeros(4)
    v = t[1:]
    v[0] = 1.
    assert t._version == v._version == 1
    assert t.tolist() == [0., 1., 0., 0.]


class _Recorder:
    """A stand-in for ember-autograd: records what the dispatcher reports."""

    def __init__(self):
        self.records, self.rebased = [], []

    def record(self, name, inputs, outputs, params):
        self.records.append((name, inputs, params))
        for out in outputs if isinstance(outputs, tuple) else (outputs,):
            out.grad_fn = name
            out._requires_grad = True

    def rebase(self, tensor, result):
        self.rebased.append((tensor, result))


@pytest.fixture
def recorder():
    old = _core.get_recorder()
    rec = _Recorder()
    _core.set_recorder(rec)
    yield rec
    _core.set_recorder(old)


def test_getitem_records_its_key_for_autograd(recorder):
    x = ember.ones(3, 4)
    x._requires_grad = True
    x[1:, 2]
    x[ember.tensor([0, 2]), 1]
    (name1, inputs1, params1), (name2, _, params2) = recorder.records
    assert (name1, inputs1[0], params1) == ("getitem", x, ((slice(1, None, None), 2, Ellipsis),))
    assert name2 == "index"
    np.testing.assert_array_equal(params2[0][0], [0, 2])
    assert params2[0][1:] == (1,)
    # the key works as the backward of both: index_put into zeros with accumulate
    grad = ember.zeros(3, 4)
    out = _core.call("index_put", (grad, ember.ones(2)), (params2[0], True))
    assert out[:, 1].tolist() == [1., 0., 1.]


def test_setitem_while_recording_runs_out_of_place_and_rebases(recorder):
    leaf = ember.ones(3)
    leaf._requires_grad = True
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is being used in an "
                                           "in-place operation.$"):
        leaf[0] = 2.
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place "
                                           "operation.$"):
        leaf[[0]] = ember.tensor([2.])
    with ember.no_grad():
        leaf[0] = 5.   # allowed without grad mode, e.g. to initialise weights
    assert leaf[0].item() == 5.
    y = ember.zeros(3)
    value = ember.tensor(4.)
    value._requires_grad = True
    y[ember.tensor([0, 2])] = value
    name, inputs, params = recorder.records[-1]
    assert name == "index_put" and inputs[0] is y and inputs[1] is value and params[1] is False
    assert recorder.rebased[-1][0] is y
    assert y.tolist() == [4., 0., 4.] and y._version == 1


def test_inplace_ops_record_out_of_place(recorder):
    y = ember.zeros(2, 3)
    src = ember.ones(2, 3)
    src._requires_grad = True
    y.scatter_add_(1, ember.tensor([[0, 0, 1], [2, 2, 2]]), src)
    assert recorder.records[-1][0] == "scatter_add" and recorder.rebased[-1][0] is y
    assert y.tolist() == [[2., 1., 0.], [0., 0., 3.]]
    fill = ember.tensor(3.)
    fill._requires_grad = True
    z = ember.zeros(3).masked_fill(ember.tensor([True, False, True]), fill)
    assert recorder.records[-1][0] == "where" and z.tolist() == [3., 0., 3.]


# ----------------------------------------------------------------------------------------
# index_put, gather, scatter and friends against NumPy


def test_index_put_accumulates_repeated_indices():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    idx = np.array([0, 3, 0, 0])
    for t in (ember.tensor(x), ember.tensor(x.T.copy()).t()):   # contiguous and not
        out = t.index_put((ember.tensor(idx),), ember.ones(4, 3), accumulate=True)
        expected = x.copy()
        np.add.at(expected, idx, 1.)
        np.testing.assert_array_equal(out.numpy(), expected)
        np.testing.assert_array_equal(t.numpy(), x)   # out of place
    t = ember.zeros(5, dtype=ember.int32)
    t.index_put_((ember.tensor([1, 1, -1]),), ember.tensor([2, 3, 4], dtype=ember.int32), accumulate=True)
    assert t.tolist() == [0, 5, 0, 0, 4]
    m = ember.zeros(2, 3)
    m.index_put_((ember.tensor([True, False]), ember.tensor([2, 2])), ember.tensor(1.), accumulate=True)
    assert m.tolist() == [[0., 0., 2.], [0., 0., 0.]]
    h = ember.zeros(3, dtype=ember.float16)
    h.index_put_((ember.tensor([0, 0]),), ember.tensor([1., 2.], dtype=ember.float16), accumulate=True)
    assert h.tolist() == [3., 0., 0.]
    with pytest.raises(TypeError, match=r"^index_put_\(\): argument 'values' \(position 2\) must be Tensor, "
                                        r"not float$"):
        t.index_put_((ember.tensor([0]),), 1.)
    with pytest.raises(TypeError, match="^expected Tensor as element 0 in argument 0, but got int$"):
        t.index_put_((1,), ember.tensor(1, dtype=ember.int32))
    with pytest.raises(IndexError, match=r"^too many indices for tensor of dimension 1 \(got 2\)$"):
        t.index_put_((ember.tensor([0]), ember.tensor([0])), ember.tensor(1, dtype=ember.int32))
    with pytest.raises(IndexError, match="^index 5 is out of bounds for dimension 0 with size 5$"):
        t.index_put_((ember.tensor([5]),), ember.tensor(1, dtype=ember.int32), accumulate=True)


def _gather_ref(x, dim, index):
    out = np.empty(index.shape, x.dtype)
    for pos in np.ndindex(*index.shape):
        src = list(pos)
        src[dim] = index[pos]
        out[pos] = x[tuple(src)]
    return out


def _scatter_ref(x, dim, index, src, combine=None):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        dst = list(pos)
        dst[dim] = index[pos]
        value = src[pos] if isinstance(src, np.ndarray) else src
        out[tuple(dst)] = value if combine is None else combine(out[tuple(dst)], value)
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "float16", "bool"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_scatter_against_loops(dtype, dim):
    rng = np.random.default_rng(0)
    x = (rng.random((4, 5)) * 10).astype(dtype)
    d = dim % 2
    ishape = (3, 4) if d == 1 else (6, 3)
    index = rng.integers(0, x.shape[d], ishape)
    src = (rng.random((6, 5)) * 10).astype(dtype)
    tx = ember.tensor(x.T.copy()).t()       # non-contiguous
    ti = ember.tensor(index)
    ts = ember.tensor(src)
    np.testing.assert_array_equal(ember.gather(tx, dim, ti).numpy(), _gather_ref(x, d, index))
    assert tx.gather(dim, ti).dtype.name == dtype
    sub = index[:, :1] if d == 0 else index[:1]   # broadcasts along the other dim
    np.testing.assert_array_equal(ember.take_along_dim(tx, ember.tensor(sub), dim).numpy(),
                                  np.take_along_axis(x, sub, axis=d))
    if dtype == "bool":
        return
    unique_index = np.argsort(rng.random((x.shape[d], 3 if d == 0 else 4)), axis=0)[:ishape[0]] if d == 0 else \
        np.argsort(rng.random((3, x.shape[1])), axis=1)[:, :4]
    tu = ember.tensor(unique_index)
    np.testing.assert_array_equal(ember.scatter(tx, dim, tu, ts).numpy(), _scatter_ref(x, d, unique_index, src))
    np.testing.assert_array_equal(tx.scatter(dim, tu, 3).numpy(), _scatter_ref(x, d, unique_index, 3))
    np.testing.assert_array_equal(ember.scatter_add(tx, dim, ti, ts).numpy(),
                                  _scatter_ref(x, d, index, src, lambda a, b: a + b))
    with pytest.warns(UserWarning, match="reduce argument of ember.scatter with Tensor src is deprecated"):
        added = tx.scatter(dim, ti, ts, reduce="add")
    np.testing.assert_array_equal(added.numpy(), _scatter_ref(x, d, index, src, lambda a, b: a + b))
    np.testing.assert_array_equal(tx.scatter(dim, ti, 2, reduce="multiply").numpy(),
                                  _scatter_ref(x, d, index, 2, lambda a, b: a * b))
    for reduce, fn in [("sum", np.add), ("prod", np.multiply), ("amax", np.maximum), ("amin", np.minimum)]:
        got = ember.scatter_reduce(tx, dim, ti, ts, reduce)
        np.testing.assert_allclose(got.numpy(), _scatter_ref(x, d, index, src, fn), rtol=1e-3)
    y = tx.clone()
    y.scatter_(dim, tu, ts)
    np.testing.assert_array_equal(y.numpy(), _scatter_ref(x, d, unique_index, src))
    y = tx.clone()
    y.scatter_add_(dim, ti, ts)
    assert y._version == 1
    np.testing.assert_array_equal(y.numpy(), _scatter_ref(x, d, index, src, lambda a, b: a + b))


def test_scatter_reduce_mean_and_include_self():
    x = ember.tensor([5., 7., 8.])
    idx = ember.tensor([0, 0, 1, 1])
    src = ember.tensor([1., 2., 4., 6.])
    np.testing.assert_allclose(x.scatter_reduce(0, idx, src, "mean").numpy(), [8 / 3, 17 / 3, 8.], rtol=1e-6)
    assert x.scatter_reduce(0, idx, src, "mean", include_self=False).tolist() == [1.5, 5., 8.]
    assert x.scatter_reduce(0, idx, src, "amax", include_self=False).tolist() == [2., 6., 8.]
    assert x.scatter_reduce(0, idx, src, "prod", include_self=False).tolist() == [2., 24., 8.]
    xi = ember.tensor([5, 7, 8])
    assert xi.scatter_reduce(0, idx, ember.tensor([1, 2, 4, 4]), "mean").tolist() == [2, 5, 8]   # floor
    y = x.clone()
    y.scatter_reduce_(0, idx, src, "sum")
    assert y.tolist() == [8., 17., 8.]


def test_scatter_add_large_matches_add_at():
    rng = np.random.default_rng(1)
    for dtype in ("float32", "float64", "int64", "int16"):
        out = np.zeros((50, 7), dtype)
        index = rng.integers(0, 50, (300, 7))
        src = rng.integers(0, 5, (300, 7)).astype(dtype)
        expected = out.copy()
        np.add.at(expected, (index, np.arange(7)), src)
        got = ember.scatter_add(ember.tensor(out), 0, ember.tensor(index), ember.tensor(src))
        np.testing.assert_array_equal(got.numpy(), expected)


def test_gather_scatter_errors():
    x = ember.arange(12.).reshape(3, 4)
    i = ember.tensor([[0, 1], [2, 0]])
    cases = [
        (lambda: ember.gather(x, 1, i.short()), RuntimeError, "gather(): Expected dtype int32/int64 for index"),
        (lambda: ember.gather(x, 1, ember.tensor([0, 1])), RuntimeError,
         "Index tensor must have the same number of dimensions as input tensor"),
        (lambda: ember.gather(x, 1, ember.zeros(4, 2, dtype=ember.int64)), RuntimeError,
         "Size does not match at dimension 0 expected index [4, 2] to be no larger than self [3, 4] apart from "
         "dimension 1"),
        (lambda: ember.gather(x, 1, ember.tensor([[0, 7]])), RuntimeError,
         "index 7 is out of bounds for dimension 1 with size 4"),
        (lambda: ember.gather(x, 1, ember.tensor([[-1]])), RuntimeError,
         "index -1 is out of bounds for dimension 1 with size 4"),
        (lambda: ember.gather(x, 2, i), IndexError, "Dimension out of range (expected to be in range of [-2, 1], "
                                                    "but got 2)"),
        (lambda: ember.scatter(x, 1, i, ember.ones(2, 2, dtype=ember.int64)), RuntimeError,
         "scatter(): Expected self.dtype to be equal to src.dtype"),
        (lambda: ember.scatter(x, 1, i, ember.ones(1, 1)), RuntimeError,
         "Expected index [2, 2] to be no larger than self [3, 4] apart from dimension 1 and to be no larger size "
         "than src [1, 1]"),
        (lambda: ember.scatter(x, 1, ember.zeros(4, 1, dtype=ember.int64), 5.), RuntimeError,
         "Expected index [4, 1] to be no larger than self [3, 4] apart from dimension 1"),
        (lambda: ember.scatter(x, 1, ember.tensor([0, 1]), 1.), RuntimeError,
         "Index tensor must have the same number of dimensions as self tensor"),
        (lambda: ember.scatter(x, 1, i, ember.tensor(1.)), RuntimeError,
         "Index tensor must have the same number of dimensions as src tensor"),
        (lambda: ember.scatter(x, 1, ember.tensor([[9]]), 5.), RuntimeError,
         "index 9 is out of bounds for dimension 1 with size 4"),
        (lambda: ember.scatter(x, 1, i, ember.ones(2, 2), reduce="mean"), RuntimeError,
         "reduce argument must be either add or multiply."),
        (lambda: ember.scatter_reduce(x, 1, i, ember.ones(2, 2), "foo"), RuntimeError,
         "reduce argument must be either sum, prod, mean, amax or amin, got foo"),
        (lambda: ember.scatter_add(x, 1, i.float(), x), RuntimeError,
         "scatter(): Expected dtype int32/int64 for index"),
        (lambda: ember.scatter(ember.zeros(3, dtype=ember.uint8), 0, ember.tensor([0]), 300), RuntimeError,
         "value cannot be converted to type uint8 without overflow"),
    ]
    for fn, error, message in cases:
        with pytest.raises(error) as err:
            fn()
        assert str(err.value) == message


def test_zero_dim_gather_scatter():
    s = ember.tensor(5.)
    assert ember.gather(s, 0, ember.tensor(0)).item() == 5.
    assert ember.gather(s, 0, ember.tensor([0, 0])).tolist() == [5., 5.]
    assert ember.scatter(s, 0, ember.tensor([0]), ember.tensor([1.])).item() == 1.
    assert ember.gather(ember.ones(3), 0, ember.tensor(0)).shape == ()


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select_add_copy_fill(dim):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 5)).astype(np.float32)
    d = dim % 2
    tx = ember.tensor(x.T.copy()).t()
    idx = np.array([3, 0, 3, 1])
    np.testing.assert_array_equal(ember.index_select(tx, dim, ember.tensor(idx)).numpy(), np.take(x, idx, axis=d))
    np.testing.assert_array_equal(tx.index_select(dim, ember.tensor(idx, dtype=ember.int32)).numpy(),
                                  np.take(x, idx, axis=d))
    sshape = list(x.shape)
    sshape[d] = 4
    source = rng.standard_normal(sshape).astype(np.float32)
    expected = x.copy()
    np.add.at(np.moveaxis(expected, d, 0), idx, np.moveaxis(source, d, 0) * 2)
    np.testing.assert_allclose(ember.index_add(tx, dim, ember.tensor(idx), ember.tensor(source), alpha=2).numpy(),
                               expected, rtol=1e-6)
    uniq = np.array([2, 0, 3, 1])
    expected = x.copy()
    np.moveaxis(expected, d, 0)[uniq] = np.moveaxis(source, d, 0)
    np.testing.assert_array_equal(tx.index_copy(dim, ember.tensor(uniq), ember.tensor(source)).numpy(), expected)
    expected = x.copy()
    np.moveaxis(expected, d, 0)[[0, -1]] = -3.
    np.testing.assert_array_equal(ember.index_fill(tx, dim, ember.tensor([0, -1]), -3.).numpy(), expected)
    y = tx.clone()
    y.index_fill_(dim, ember.tensor([0, -1]), ember.tensor(-3.))
    np.testing.assert_array_equal(y.numpy(), expected)
    y = tx.clone()
    y.index_add_(dim, ember.tensor(idx), ember.tensor(source))
    assert y._version == 1
    y.index_copy_(dim, ember.tensor(uniq), ember.tensor(source))
    assert y._version == 2


def test_index_family_errors():
    x = ember.arange(12.).reshape(3, 4)
    cases = [
        (lambda: ember.index_select(x, 1, ember.tensor([[0]])), IndexError,
         "index_select(): Index is supposed to be a vector"),
        (lambda: ember.index_select(x, 1, ember.tensor([0.])), RuntimeError,
         "index_select(): Expected dtype int32 or int64 for index"),
        (lambda: ember.index_select(x, 1, ember.tensor([9])), RuntimeError,
         "index_select(): index 9 is out of range for dimension 1 with size 4 (indices must be in [0, 4))"),
        (lambda: ember.index_select(x, 1, ember.tensor([-1])), RuntimeError,
         "index_select(): index -1 is out of range for dimension 1 with size 4 (indices must be in [0, 4))"),
        (lambda: ember.index_select(x, 0, ember.tensor([-1])), IndexError,   # PyTorch: IndexError but along dim 1
         "index_select(): index -1 is out of range for dimension 0 with size 3 (indices must be in [0, 3))"),
        (lambda: ember.index_select(ember.ones(3), 0, ember.tensor([5])), IndexError,   # 1-d: IndexError
         "index_select(): index 5 is out of range for dimension 0 with size 3 (indices must be in [0, 3))"),
        (lambda: ember.index_select(ember.tensor(5.), 0, ember.tensor([1])), IndexError,
         "index_select(): index 1 is out of range for dimension 0 with size 1 (indices must be in [0, 1))"),
        (lambda: ember.index_select(ember.tensor(5.), 0, ember.tensor([0, 0])), IndexError,
         "index_select(): Index to scalar can have only 1 value, got 2 value(s)"),
        (lambda: ember.index_add(x, 1, ember.tensor([0, 1]).short(), ember.ones(3, 2)), RuntimeError,
         "index_add_(): Expected dtype int32/int64 for index but got: Short"),
        (lambda: ember.index_add(x, 1, ember.tensor([0, 1]), ember.ones(3, 3)), RuntimeError,
         "index_add_(): Number of indices (2) should be equal to source.size(dim): (3), for dim: 1"),
        (lambda: ember.index_add(x, 1, ember.tensor([0, 1]), ember.ones(3, 2).long()), RuntimeError,
         "index_add_(): self (Float) and source (Long) must have the same scalar type"),
        (lambda: ember.index_add(x, 1, ember.tensor([7, 0]), ember.ones(3, 2)), RuntimeError,
         "index 7 is out of bounds for dimension 1 with size 4"),
        (lambda: ember.index_add(x, 1, ember.tensor([0, 1]), ember.ones(2, 2)), RuntimeError,
         "source tensor shape must match self tensor shape, excluding the specified dimension. Got self.shape = "
         "[3, 4] source.shape = [2, 2]"),
        (lambda: ember.index_add(x, 1, ember.tensor([[0, 1]]), ember.ones(3, 2)), IndexError,
         "index_add_(): Index is supposed to be a vector, but got dim: 2 with type: Long and size: [1, 2]"),
        (lambda: ember.index_copy(x, 1, ember.tensor([0, 1]), ember.ones(3, 3)), IndexError,
         "index_copy_(): Number of indices (2) should be equal to source.size(dim) (3)"),
        (lambda: ember.index_copy(x, 1, ember.tensor([0, 1]).int(), ember.ones(3, 2)), RuntimeError,
         "index_copy_(): Expected a long tensor for index, but got Int"),
        (lambda: ember.index_copy(x, 1, ember.tensor([7, 0]), ember.ones(3, 2)), IndexError,
         "index_copy_(): index 7 is out of bounds for dimension 1 with size 4"),
        (lambda: ember.index_copy(x, 1, ember.tensor([0, 1]), ember.ones(2, 2)), RuntimeError,
         "index_copy_(): Source/destination tensor must have same slice shapes. Destination slice shape: 3 at "
         "dimension 1 and source slice shape: 2 at dimension 0."),
        (lambda: ember.index_fill(x, 1, ember.tensor([7, 0]), 1.), IndexError,
         "index 7 is out of bounds for dimension 1 with size 4"),
        (lambda: ember.index_fill(x, 1, ember.tensor([0]).int(), 1.), IndexError,
         "index_fill_(): Expected dtype int64 for index."),
        (lambda: ember.index_fill(x, 1, ember.tensor([[0]]), 1.), RuntimeError, "Index has to be a vector/scalar"),
        (lambda: ember.index_fill(x, 1, ember.tensor([0]), ember.tensor([1.])), RuntimeError,
         "index_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."),
    ]
    for fn, error, message in cases:
        with pytest.raises(error) as err:
            fn()
        assert str(err.value) == message


def test_masked_fill_and_select():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    tx = ember.tensor(x.T.copy()).t()
    mask = x > 0
    np.testing.assert_array_equal(tx.masked_fill(ember.tensor(mask), 2.5).numpy(), np.where(mask, 2.5, x))
    np.testing.assert_array_equal(ember.masked_fill(tx, ember.tensor(mask[0]), ember.tensor(1.)).numpy(),
                                  np.where(mask[0], 1., x))
    big = ember.ones(2, 3, 4, dtype=ember.bool)
    assert tx.masked_fill(big, 1.).shape == (2, 3, 4)       # out of place broadcasts
    assert ember.arange(3).masked_fill(ember.ones(3, dtype=ember.bool), 1.5).tolist() == [1, 1, 1]
    y = tx.clone()
    y.masked_fill_(ember.tensor(mask), 0.)
    np.testing.assert_array_equal(y.numpy(), np.where(mask, 0., x))
    assert y._version == 1
    np.testing.assert_array_equal(ember.masked_select(tx, ember.tensor(mask)).numpy(), x[mask])
    np.testing.assert_array_equal(tx.masked_select(ember.tensor(mask[:1])).numpy(),
                                  np.broadcast_to(x, (3, 4))[np.broadcast_to(mask[:1], (3, 4))])
    assert ember.masked_select(ember.ones(3), ember.tensor([[True], [False]])).shape == (3,)
    cases = [
        (lambda: tx.masked_fill(ember.ones(4), 1.), "masked_fill_ only supports boolean masks, but got mask with "
                                                     "dtype Float"),
        (lambda: tx.masked_fill(ember.ones(4, dtype=ember.int64), 1.), "masked_fill_ only supports boolean masks, "
                                                                        "but got mask with dtype Long"),
        (lambda: tx.masked_fill(ember.tensor(mask), ember.tensor([1.])), "masked_fill_ only supports a "
                                                                          "0-dimensional value tensor, but got "
                                                                          "tensor with 1 dimension(s)."),
        (lambda: tx.clone().masked_fill_(big, 1.), "output with shape [3, 4] doesn't match the broadcast shape "
                                                   "[2, 3, 4]"),
        (lambda: tx.masked_fill(ember.ones(5, dtype=ember.bool), 1.), "The size of tensor a (5) must match the "
                                                                       "size of tensor b (4) at non-singleton "
                                                                       "dimension 1"),
        (lambda: tx.masked_select(ember.ones(4)), "masked_select: expected BoolTensor for mask"),
    ]
    for fn, message in cases:
        with pytest.raises(RuntimeError) as err:
            fn()
        assert str(err.value) == message


def test_take_take_along_dim_nonzero():
    x = np.arange(12.).reshape(3, 4)
    tx = ember.tensor(x.T.copy()).t()
    np.testing.assert_array_equal(ember.take(tx, ember.tensor([[0, 11], [-12, 5]])).numpy(), [[0., 11.], [0., 5.]])
    with pytest.raises(IndexError, match=r"^out of range: tried to access index 12 on a tensor of 12 elements.$"):
        ember.take(tx, ember.tensor([12]))
    with pytest.raises(RuntimeError, match=r"^take\(\): Expected a long tensor for index, but got Int$"):
        ember.take(tx, ember.tensor([0], dtype=ember.int32))
    np.testing.assert_array_equal(ember.take_along_dim(tx, ember.tensor([5, 0])).numpy(), [5., 0.])
    order = ember.argsort(tx, dim=1, descending=True)
    np.testing.assert_array_equal(ember.take_along_dim(tx, order, dim=1).numpy(), x[:, ::-1])
    np.testing.assert_array_equal(tx.take_along_dim(ember.tensor([[0], [1], [1]]), 1).numpy(), [[0.], [5.], [9.]])
    np.testing.assert_array_equal(tx.take_along_dim(ember.tensor([[3]]), 1).numpy(), x[:, 3:])   # broadcasts
    with pytest.raises(RuntimeError, match=r"^ember.take_along_dim\(\): input and indices should have the same "
                                           r"number of dimensions, but got 2 dimensions for input, and 1 dimensions "
                                           r"for indices$"):
        ember.take_along_dim(tx, ember.tensor([0]), 1)
    with pytest.raises(RuntimeError, match=r"^ember.take_along_dim\(\): dtype of indices should be Long but got Int$"):
        ember.take_along_dim(tx, ember.tensor([[0]], dtype=ember.int32), 1)
    m = np.array([[0, 1.5, 0], [2, 0, -1]])
    tm = ember.tensor(m.T.copy()).t()
    nz = ember.nonzero(tm)
    assert nz.dtype is ember.int64
    np.testing.assert_array_equal(nz.numpy(), np.argwhere(m))
    np.testing.assert_array_equal(tm.argwhere().numpy(), np.argwhere(m))
    rows, cols = tm.nonzero(as_tuple=True)
    np.testing.assert_array_equal(rows.numpy(), np.nonzero(m)[0])
    np.testing.assert_array_equal(cols.numpy(), np.nonzero(m)[1])
    np.testing.assert_array_equal(tm[tm.nonzero(as_tuple=True)].numpy(), m[m != 0])
    assert ember.nonzero(ember.tensor(5)).shape == (1, 0)
    assert [t.tolist() for t in ember.nonzero(ember.tensor(5), as_tuple=True)] == [[0]]
    assert [t.tolist() for t in ember.nonzero(ember.tensor(0), as_tuple=True)] == [[]]
    assert [t.tolist() for t in ember.where(ember.tensor([0, 3, 4]))] == [[1, 2]]


def test_out_arguments_receive_the_results():
    out = ember.empty(0, dtype=ember.int64)
    assert ember.nonzero(ember.tensor([0, 1, 1]), out=out) is out and out.tolist() == [[1], [2]]
    out = ember.empty(0)
    assert ember.gather(ember.tensor([1., 2.]), 0, ember.tensor([1, 1]), out=out) is out
    assert out.tolist() == [2., 2.]
    out = ember.empty(0)
    ember.index_select(ember.tensor([1., 2.]), 0, ember.tensor([1]), out=out)
    assert out.tolist() == [2.]
    out = ember.empty(0)
    ember.masked_select(ember.tensor([1., 2.]), ember.tensor([True, False]), out=out)
    assert out.tolist() == [1.]


def test_scatter_family_takes_a_0d_index_into_a_1d_tensor():
    # the fuzzer (seed 5) found the CPU kernels raising a raw "list assignment index out of range"
    x = ember.zeros(5)
    assert x.scatter(0, ember.tensor(2), 1.0).tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    assert x.scatter(0, ember.tensor(3), ember.tensor(4.0)).tolist() == [0.0, 0.0, 0.0, 4.0, 0.0]
    assert x.scatter_add(0, ember.tensor(1), ember.tensor(2.0)).tolist() == [0.0, 2.0, 0.0, 0.0, 0.0]
    assert x.scatter(0, ember.tensor(1), 2.0, reduce="add").tolist() == [0.0, 2.0, 0.0, 0.0, 0.0]
    assert x.scatter_reduce(0, ember.tensor(4), ember.tensor(-1.0), "amin").tolist() == [0.0, 0.0, 0.0, 0.0, -1.0]
    with pytest.raises(RuntimeError, match="out of bounds"):
        x.scatter(0, ember.tensor(5), 1.0)
