"""The CPU optimizer group kernels check what they are given before writing through pointers."""

import numpy as np
import pytest

from ember.backends.cpu import _optim

SGD_ARGS = (False, 0.1, 0.9, 0.0, 0.0, False, False)


def test_sgd_group_updates_arrays_of_any_shape_like_the_flat_kernel():
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (5,), (2, 3, 7)]
    rows = [tuple(rng.standard_normal(s).astype(np.float32) for _ in range(3)) for s in shapes]
    flat = [tuple(a.reshape(-1).copy() for a in row) for row in rows]
    _optim.sgd_group(rows, *SGD_ARGS)
    for p, g, b in flat:
        _optim.sgd(p, g, b, *SGD_ARGS)
    for row, ref in zip(rows, flat):
        for a, r in zip(row, ref):
            np.testing.assert_array_equal(a.reshape(-1), r)


@pytest.mark.parametrize("bad, message", [
    (lambda p: (p, p[:3].copy(), p.copy()), "share one size and one dtype"),
    (lambda p: (p, p.astype(np.float64), p.copy()), "share one size and one dtype"),
    (lambda p: (p.astype(np.float16), p.astype(np.float16), p.astype(np.float16)), "float32 and float64"),
    (lambda p: (p, p), "expected 3 arrays per parameter, got 2"),
])
def test_sgd_group_refuses_mismatched_arrays(bad, message):
    p = np.ones(4, np.float32)
    with pytest.raises(ValueError, match=message):
        _optim.sgd_group([bad(p)], *SGD_ARGS)
    np.testing.assert_array_equal(p, np.ones(4))  # nothing written


def test_group_kernels_refuse_strided_and_read_only_arrays():
    p = np.ones((4, 4), np.float32)
    with pytest.raises(ValueError, match="not C-contiguous"):
        _optim.sgd_group([(p.T, p.copy(), p.copy())], *SGD_ARGS)
    frozen = p.copy()
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _optim.sgd_group([(frozen, p.copy(), p.copy())], *SGD_ARGS)
    with pytest.raises(ValueError, match="1 parameters but 0 step numbers"):
        _optim.adam_group([(p, p, p, p, p)], [], 0.1, 0.9, 0.999, 1e-8, 0.0, False, False, False)
