"""repr of random tensors, ember against PyTorch (with 'torch.' read as 'ember.')."""

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")

SHAPES = [(), (0,), (1,), (5,), (3, 4), (2, 3, 4), (0, 2), (1200,), (30, 40), (4, 5, 6, 7)]
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool"]
SCALES = [1e-6, 1e-2, 1.0, 1e3, 1e9]


def _sample(rng, shape, dtype, scale):
    if dtype == "bool":
        return np.asarray(rng.random(shape) > 0.5)
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        hi = min(info.max, int(scale * 100) + 1)
        lo = 0 if info.min == 0 else max(info.min, -hi)
        return np.asarray(rng.integers(lo, hi, size=shape).astype(dtype))
    values = rng.standard_normal(shape) * (min(scale, 1e4) if dtype == "float16" else scale)
    if rng.random() < 0.3:
        values = np.round(values)
    return np.asarray(values.astype(dtype))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_repr_matches(seed, shape, dtype):
    rng = np.random.default_rng(seed)
    arr = _sample(rng, shape, dtype, SCALES[seed % len(SCALES)])
    expected = repr(torch.from_numpy(arr.copy())).replace("torch.", "ember.")
    assert repr(ember.from_numpy(arr.copy())) == expected


def test_nonfinite_values_match():
    arr = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-20, 3.5], dtype=np.float32)
    assert repr(ember.from_numpy(arr)) == repr(torch.from_numpy(arr))
