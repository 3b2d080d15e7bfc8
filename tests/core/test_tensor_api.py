"""Tensor.new_*, legacy typed constructors (ember.FloatTensor), type strings, size= on creation
functions, randint's overloads and the device/layout flags of a tensor."""

import pickle
import warnings

import numpy as np
import pytest

import ember


@pytest.mark.parametrize("fn, fill", [("new_zeros", 0), ("new_ones", 1)])
def test_new_filled_takes_dtype_and_device_of_self(fn, fill):
    x = ember.ones(2, dtype=ember.float64)
    for out in (getattr(x, fn)(2, 3), getattr(x, fn)((2, 3)), getattr(x, fn)(size=(2, 3)),
                getattr(x, fn)([2, 3])):
        assert out.shape == (2, 3) and out.dtype is ember.float64 and out.device == x.device
        np.testing.assert_array_equal(out.numpy(), np.full((2, 3), fill))
    out = getattr(x, fn)(3, dtype=ember.int32)
    assert out.dtype is ember.int32 and out.tolist() == [fill] * 3
    with pytest.raises(TypeError, match="got multiple values for argument 'size'"):
        getattr(x, fn)(2, size=(2,))
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        getattr(x, fn)(-1)


@pytest.mark.parametrize("fn", ["new_zeros", "new_ones"])
def test_new_filled_requires_grad(fn):
    pytest.importorskip("ember.autograd")  # the core env has no autograd, which requires_grad=True needs
    assert getattr(ember.ones(2), fn)(2, requires_grad=True).requires_grad


def test_new_empty_full_tensor():
    x = ember.zeros(1, dtype=ember.int16)
    e = x.new_empty(0)
    assert e.shape == (0,) and e.dtype is ember.int16
    assert x.new_empty((2, 2), dtype=ember.float32).dtype is ember.float32
    f = x.new_full((2,), 5)
    assert f.dtype is ember.int16 and f.tolist() == [5, 5]
    assert x.new_full([1, 2], 1.5, dtype=ember.float64).tolist() == [[1.5, 1.5]]
    with pytest.raises(TypeError, match="argument 'size' \\(position 1\\) must be tuple of ints, not int"):
        x.new_full(2, 1)
    t = ember.ones(1, dtype=ember.float64).new_tensor([1, 2])
    assert t.dtype is ember.float64 and t.tolist() == [1.0, 2.0]
    src = ember.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match="sourceTensor.detach\\(\\).clone\\(\\)"):
        copy = x.new_tensor(src)
    assert copy.dtype is ember.int16 and copy.tolist() == [1, 2]
    src2 = ember.tensor([3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        alias = src2.new_tensor(src2)
    alias[0] = 9.0
    assert src2.item() == 3.0   # new_tensor always copies


LEGACY = [("FloatTensor", ember.float32), ("DoubleTensor", ember.float64), ("HalfTensor", ember.float16),
          ("LongTensor", ember.int64), ("IntTensor", ember.int32), ("ShortTensor", ember.int16),
          ("CharTensor", ember.int8), ("ByteTensor", ember.uint8), ("BoolTensor", ember.bool)]


@pytest.mark.parametrize("name, dtype", LEGACY)
def test_legacy_constructors(name, dtype):
    cls = getattr(ember, name)
    assert cls.dtype is dtype and repr(cls) == f"<class 'ember.{name}'>"
    assert cls(2, 3).shape == (2, 3) and cls(2, 3).dtype is dtype
    assert cls(ember.Size([4])).shape == (4,)
    assert cls().shape == (0,)
    data = cls([1, 0, 1])
    assert data.dtype is dtype and data.tolist() == [1, 0, 1]   # True == 1 for BoolTensor
    assert isinstance(ember.zeros(2, dtype=dtype), cls)
    assert isinstance(ember.zeros(2, dtype=dtype), ember.Tensor)
    others = [d for _, d in LEGACY if d is not dtype]
    assert not any(isinstance(ember.zeros(2, dtype=d), cls) for d in others)
    assert not isinstance(np.zeros(2), cls)
    assert ember.zeros(2, dtype=dtype).type() == f"ember.{name}"


def test_legacy_constructor_from_tensor_and_errors():
    t = ember.tensor([1.0, 2.0])
    alias = ember.FloatTensor(t)
    alias[0] = 5.0
    assert t[0].item() == 5.0
    with pytest.raises(TypeError, match="expected an ember.float32 tensor"):
        ember.FloatTensor(ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        ember.FloatTensor(-1)
    with pytest.raises(ValueError):
        ember.FloatTensor([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="legacy constructor expects device type: cpu"):
        ember.FloatTensor(2, device="checked") if "checked" in ember.backends.registry.backends else \
            ember.FloatTensor(2, device="nosuchdev")


def test_type_strings_and_conversions():
    x = ember.ones(2, dtype=ember.float64)
    assert x.type() == "ember.DoubleTensor"
    assert x.type("ember.FloatTensor").dtype is ember.float32
    assert x.type("torch.IntTensor").dtype is ember.int32      # configs written for PyTorch work too
    assert x.type(ember.LongTensor).dtype is ember.int64
    assert x.type(ember.int8).dtype is ember.int8
    assert x.type(ember.float64) is x
    assert x.type(ember.HalfTensor).type() == "ember.HalfTensor"
    for bad in ("ember.Foo", "numpy.FloatTensor", "FloatTensor", "ember.a.b.FloatTensor"):
        with pytest.raises(ValueError, match=f"invalid type: '{bad}'"):
            x.type(bad)
    with pytest.raises(TypeError, match="type\\(\\) expects"):
        x.type(3)


def test_size_keyword_on_creation_functions():
    for fn in (ember.zeros, ember.ones, ember.empty, ember.rand, ember.randn):
        assert fn(size=(2, 3)).shape == (2, 3)
        assert fn(size=[4]).shape == (4,)
        assert fn(size=ember.Size([1, 2])).shape == (1, 2)
        with pytest.raises(TypeError, match="got multiple values for argument 'size'"):
            fn(2, size=(2,))
        with pytest.raises(TypeError, match="argument 'size' must be tuple of ints, not int"):
            fn(size=3)
    assert ember.zeros(size=(2,), dtype=ember.int32).dtype is ember.int32
    assert ember.full(size=(2,), fill_value=3).tolist() == [3, 3]
    np.testing.assert_array_equal(ember.ones(size=(2, 2)).numpy(), np.ones((2, 2), np.float32))


def test_randint_overloads():
    ember.manual_seed(0)
    for t, low, high, shape in [(ember.randint(5, (300,)), 0, 5, (300,)),
                                (ember.randint(2, 5, (300,)), 2, 5, (300,)),
                                (ember.randint(5, size=(300,)), 0, 5, (300,)),
                                (ember.randint(low=2, high=5, size=(3, 100)), 2, 5, (3, 100)),
                                (ember.randint(high=5, size=(300,)), 0, 5, (300,)),
                                (ember.randint(-3, 0, ember.Size([300])), -3, 0, (300,))]:
        assert t.shape == shape and t.dtype is ember.int64
        values = set(t.flatten().tolist())
        assert values == set(range(low, high))   # every value drawn, none outside
    assert ember.randint(5, (3,), dtype=ember.int32).dtype is ember.int32
    g1, g2 = ember.Generator().manual_seed(7), ember.Generator().manual_seed(7)
    assert ember.randint(0, 100, (5,), generator=g1).tolist() == ember.randint(100, (5,), generator=g2).tolist()
    with pytest.raises(TypeError):
        ember.randint(5)
    with pytest.raises(TypeError, match="'size'"):
        ember.randint(3, 5)
    with pytest.raises(TypeError, match="argument 'high' must be int, not float"):
        ember.randint(3.5, (2,))
    with pytest.raises(RuntimeError, match="from=5 >= to=3"):
        ember.randint(5, 3, (2,))


def test_device_and_layout_flags():
    x = ember.ones(2)
    assert (x.is_cpu, x.is_cuda, x.is_xpu, x.is_mps, x.is_meta, x.is_quantized, x.is_sparse) == \
        (True, False, False, False, False, False, False)
    assert x.layout is ember.strided and repr(ember.strided) == "ember.strided"
    assert repr(ember.sparse_coo) == "ember.sparse_coo"
    assert pickle.loads(pickle.dumps(ember.sparse_coo)) is ember.sparse_coo
    assert x.to_dense() is x
