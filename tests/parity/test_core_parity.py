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
