"""Comparing what ember and PyTorch did with the same call: a value or an exception."""

import numpy as np
import torch

import ember


def outcome(fn):
    """``(result, None)`` or ``(None, exception)``."""
    try:
        return fn(), None
    except Exception as err:  # noqa: BLE001 - the exception is what is compared
        return None, err


def assert_same(ours, theirs, tol: dict):
    """Same kind, dtype, shape and values (within ``tol[dtype]`` for floats; NaN equals NaN)."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, ember.Tensor), f"expected a tensor, got {ours!r}"
        dtype = str(theirs.dtype).replace("torch.", "")
        assert ours.dtype.name == dtype, f"dtype {ours.dtype.name} != {dtype}"
        assert tuple(ours.shape) == tuple(theirs.shape), f"shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
        expected = theirs.detach().numpy()
        if dtype in tol:
            np.testing.assert_allclose(ours.numpy().astype(np.float64), expected.astype(np.float64),
                                       equal_nan=True, **tol[dtype])
        else:
            np.testing.assert_array_equal(ours.numpy(), expected)
    elif isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        assert type(ours).__name__ == type(theirs).__name__
        for o, t in zip(ours, theirs):
            assert_same(o, t, tol)
    else:
        assert ours == theirs or (ours != ours and theirs != theirs)
