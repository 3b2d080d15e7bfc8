"""Fractional max pooling against torch 2.13 with the same random samples: values, indices, gradients,
module behaviour and errors; and the windows' statistics without given samples."""

import numpy as np
import pytest

import ember
import ember.nn as enn
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

X2 = np.random.default_rng(0).standard_normal((2, 3, 9, 11))
S2 = np.random.default_rng(1).random((2, 3, 2))
X3 = np.random.default_rng(2).standard_normal((1, 2, 7, 8, 9))
S3 = np.random.default_rng(3).random((1, 2, 3))

CASES = [
    ("2d", X2, S2, 3, dict(output_size=(5, 4))),
    ("2d-ratio", X2, S2, (2, 3), dict(output_ratio=(0.5, 0.6))),
    ("2d-one", X2, S2, 3, dict(output_size=1)),
    ("2d-unbatched", X2[0], S2[:1], 2, dict(output_size=(4, 4))),
    ("3d", X3, S3, (2, 3, 2), dict(output_size=(4, 5, 3))),
]


@pytest.mark.parametrize("name, x, s, k, kw", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, x, s, k, kw):
    t_fn, e_fn = (TF.fractional_max_pool3d, EF.fractional_max_pool3d) if "3d" in name else (
        TF.fractional_max_pool2d, EF.fractional_max_pool2d)
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    to, ti = t_fn(tx, k, return_indices=True, _random_samples=torch.tensor(s), **kw)
    eo, ei = e_fn(ex, k, return_indices=True, _random_samples=ember.tensor(s), **kw)
    np.testing.assert_array_equal(eo.detach().numpy(), to.detach().numpy())
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())
    w = np.random.default_rng(4).standard_normal(tuple(to.shape))
    (to * torch.tensor(w)).sum().backward()
    (eo * ember.tensor(w)).sum().backward()
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_modules_and_random_windows():
    for nn in (torch.nn, enn):
        with pytest.raises(ValueError, match="requires specifying either an output size"):
            nn.FractionalMaxPool2d(2)
        with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
            nn.FractionalMaxPool2d(2, output_ratio=1.5)
    tm = torch.nn.FractionalMaxPool3d(2, output_size=3, _random_samples=torch.tensor(S3[:, :, :]))
    em = enn.FractionalMaxPool3d(2, output_size=3, _random_samples=ember.tensor(S3))
    np.testing.assert_array_equal(em(ember.tensor(X3)).numpy(), tm(torch.tensor(X3)).numpy())
    pool = enn.FractionalMaxPool2d(3, output_ratio=0.5, return_indices=True)
    out, idx = pool(ember.tensor(X2))
    assert tuple(out.shape) == (2, 3, 4, 5)
    flat = X2.reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.numpy().reshape(2, 3, -1), 2).reshape(out.shape),
                                  out.numpy())
    with pytest.raises(RuntimeError, match="too large relative to input"):
        EF.fractional_max_pool2d(ember.ones(1, 1, 4, 4), 3, output_size=3)
