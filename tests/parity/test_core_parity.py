import math

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("dtypes", [("float32", "float32"), ("int32", "float64"), ("int64", "int64"),
                                    ("uint8", "int8"), ("bool", "int16")])
def test_binary_values_and_dtypes(op, dtypes):
    rng = np.random.default_rng(0)
    a = (rng.random((4, 3)) * 10).astype(dtypes[0])
    b = (rng.random((3,)) * 10 + 1).astype(dtypes[1])
    try:
        t = getattr(torch, op)(torch.tensor(a), torch.tensor(b))
    except RuntimeError as err:
        with pytest.raises(RuntimeError) as ours:
            getattr(ember, op)(ember.tensor(a), ember.tensor(b))
        assert str(ours.value) == str(err).split("\n")[0]
        return
    e = getattr(ember, op)(ember.tensor(a), ember.tensor(b))
    assert e.dtype.name == str(t.dtype).replace("torch.", "")
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-6)


@pytest.mark.parametrize("rtol, atol, equal_nan", [(1e-5, 1e-8, False), (0.0, 0.0, False), (1e-2, 0.5, True)])
def test_isclose_allclose_equal_match_torch(rtol, atol, equal_nan):
    values = [0.0, 1.0, 1.0 + 1e-6, 1.01, -2.0, math.inf, -math.inf, math.nan, 1e-9, 3.4e38]
    a = [[x for x in values] for _ in values]
    b = [[y] * len(values) for y in values]
    for dtype in ("float32", "float64"):
        ours = ember.isclose(ember.tensor(a, dtype=getattr(ember, dtype)), ember.tensor(b, dtype=getattr(ember, dtype)),
                             rtol, atol, equal_nan)
        theirs = torch.isclose(torch.tensor(a, dtype=getattr(torch, dtype)),
                               torch.tensor(b, dtype=getattr(torch, dtype)), rtol, atol, equal_nan)
        assert ours.tolist() == theirs.tolist()
    ints = [[-3, 0, 2], [2, 2, 2]]
    assert ember.isclose(ember.tensor(ints[0]), ember.tensor(ints[1]), rtol, atol).tolist() == \
        torch.isclose(torch.tensor(ints[0]), torch.tensor(ints[1]), rtol, atol).tolist()
    assert ember.allclose(ember.tensor(a), ember.tensor(a), rtol, atol, equal_nan) == \
        torch.allclose(torch.tensor(a), torch.tensor(a), rtol, atol, equal_nan)
    assert ember.equal(ember.tensor(a), ember.tensor(a)) == torch.equal(torch.tensor(a), torch.tensor(a))
