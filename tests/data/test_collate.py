"""default_collate, default_convert and collate: structure, dtypes, values and error messages."""

import collections

import numpy as np
import pytest

import ember
from ember.utils.data import collate, default_collate, default_convert

Point = collections.namedtuple("Point", ["x", "y"])


def values(t):
    return t.numpy().tolist()


def test_numbers():
    ints = default_collate([0, 1, 2])
    assert ints.dtype == ember.int64 and values(ints) == [0, 1, 2]
    floats = default_collate([0.1, 1.5])
    assert floats.dtype == ember.float64 and values(floats) == [0.1, 1.5]     # exact doubles
    bools = default_collate([True, False])
    assert bools.dtype == ember.bool and values(bools) == [True, False]


def test_tensors_are_stacked_on_a_new_leading_dimension():
    a, b = ember.tensor([[1.0, 2.0]]), ember.tensor([[3.0, 4.0]])
    out = default_collate([a, b])
    assert out.shape == (2, 1, 2) and out.dtype == ember.float32
    assert values(out) == [[[1.0, 2.0]], [[3.0, 4.0]]]
    scalars = default_collate([ember.tensor(3), ember.tensor(4)])
    assert scalars.shape == (2,) and values(scalars) == [3, 4]


def test_numpy_arrays_and_scalars():
    out = default_collate([np.array([1, 2], np.int32), np.array([3, 4], np.int32)])
    assert isinstance(out, ember.Tensor) and out.dtype == ember.int32 and values(out) == [[1, 2], [3, 4]]
    sc = default_collate([np.float32(1.5), np.float32(2.5)])
    assert sc.dtype == ember.float32 and values(sc) == [1.5, 2.5]
    f64 = default_collate([np.float64(1.0), np.float64(2.0)])
    assert f64.dtype == ember.float64


def test_strings_and_bytes_pass_through():
    assert default_collate(["a", "b"]) == ["a", "b"]
    assert default_collate([b"a", b"b"]) == [b"a", b"b"]


def test_dicts_namedtuples_tuples_and_lists():
    out = default_collate([{"x": 1, "s": "a", "v": np.zeros(2)}, {"x": 2, "s": "b", "v": np.ones(2)}])
    assert list(out) == ["x", "s", "v"]
    assert values(out["x"]) == [1, 2] and out["s"] == ["a", "b"]
    assert out["v"].dtype == ember.float64 and values(out["v"]) == [[0, 0], [1, 1]]

    p = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(p, Point) and values(p.x) == [1, 3] and values(p.y) == [2.0, 4.0]

    t = default_collate([(1, "a"), (2, "b")])
    assert isinstance(t, list) and values(t[0]) == [1, 2] and t[1] == ("a", "b")

    nested = default_collate([[1, [2, 3]], [4, [5, 6]]])
    assert isinstance(nested, list) and values(nested[0]) == [1, 4]
    assert [values(v) for v in nested[1]] == [[2, 5], [3, 6]]


def test_mapping_subclass_is_kept():
    out = default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert type(out) is collections.OrderedDict and values(out["a"]) == [1, 2]


def test_errors():
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [1]])
    with pytest.raises(TypeError, match="default_collate: batch must contain tensors, numpy arrays, numbers, "
                                        "dicts or lists; found <class 'object'>"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found <U1"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2\] at entry 0 "
                                           r"and \[3\] at entry 1"):
        default_collate([ember.zeros(2), ember.zeros(3)])


def test_default_convert():
    t = default_convert(np.array([0, 1]))
    assert isinstance(t, ember.Tensor) and t.dtype == ember.int64 and values(t) == [0, 1]
    assert default_convert(0) == 0 and default_convert("a") == "a"
    p = default_convert(Point(np.array(0), np.array(1.5)))
    assert isinstance(p, Point) and p.x.item() == 0 and p.y.dtype == ember.float64
    lst = default_convert([np.array([0, 1]), np.array([2, 3])])
    assert isinstance(lst, list) and values(lst[1]) == [2, 3]
    assert isinstance(default_convert((np.zeros(1),)), list)
    d = default_convert({"a": np.float32(2.0), "s": "x"})
    assert d["a"].dtype == ember.float32 and d["s"] == "x"
    strings = np.array(["a", "b"])
    assert default_convert(strings) is strings
    same = ember.ones(2)
    assert default_convert(same) is same


def test_collate_with_a_custom_map():
    def upper(batch, *, collate_fn_map):
        return [s.upper() for s in batch]

    assert collate(["a", "b"], collate_fn_map={str: upper}) == ["A", "B"]
    out = collate([{"k": "a"}, {"k": "b"}], collate_fn_map={str: upper})
    assert out == {"k": ["A", "B"]}
