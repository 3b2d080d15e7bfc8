"""One fuzz case's verdict: ember and PyTorch called with the same arguments must agree.

If PyTorch raises, ember raises an exception of the same built-in type (messages are free);
if PyTorch returns, ember returns the same kind of result with the same shapes and dtypes and
values within tolerance (``outcomes.assert_same`` from the parity tests). Runs in the child
process of ``isolation``.
"""

from __future__ import annotations

import sys

import numpy as np
import torch
from outcomes import assert_same, outcome

import ember

TOL = {
    "float16": dict(rtol=1e-2, atol=1e-2),
    "bfloat16": dict(rtol=2e-2, atol=2e-2),
    "float32": dict(rtol=1e-4, atol=1e-4),
    "float64": dict(rtol=1e-9, atol=1e-10),
}


def builtin_type(err: BaseException) -> type:
    """The nearest built-in exception class of ``err`` (``torch.OutOfMemoryError`` -> RuntimeError)."""
    return next(k for k in type(err).__mro__ if k.__module__ == "builtins")


def summary(value) -> str:
    if isinstance(value, (ember.Tensor, torch.Tensor)):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(summary(v) for v in value) + ")"
    return repr(value)


def check_same(ember_call, torch_call, tol: dict | None = None) -> str:
    """Run both calls and assert that their outcomes agree (see the module docstring); return
    ``"raised"`` or ``"returned"``, what PyTorch did (the campaign checks that cases are not all errors)."""
    theirs, their_err = outcome(torch_call)
    # said before ember runs, so that a crash report (isolation) tells what PyTorch did with the case
    print(f"torch {'returned' if their_err is None else f'raised {builtin_type(their_err).__name__}'}: "
          f"{summary(theirs) if their_err is None else their_err}", file=sys.stderr, flush=True)
    ours, our_err = outcome(ember_call)
    if their_err is not None:
        kind = builtin_type(their_err)
        assert our_err is not None, (
            f"torch raised {kind.__name__} ({their_err}); ember returned {summary(ours)}")
        assert builtin_type(our_err) is kind, (
            f"torch raised {kind.__name__} ({their_err}); ember raised {type(our_err).__name__}: {our_err}")
        return "raised"
    assert our_err is None, (
        f"torch returned {summary(theirs)}; ember raised {type(our_err).__name__}: {our_err}")
    try:
        assert_same(ours, theirs, TOL if tol is None else tol)
    except AssertionError as err:
        raise AssertionError(f"torch returned {summary(theirs)}; ember's result differs: {err}") from None
    return "returned"


def pair(array: np.ndarray):
    """An ember tensor and a torch tensor holding copies of ``array``."""
    return ember.tensor(array.copy()), torch.from_numpy(np.array(array))


def random_array(rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
    """Values of ``dtype`` (a NumPy name) for ``shape``: normal floats, small ints, random bools."""
    if dtype == "bool":
        values = rng.random(shape) < 0.5
    elif dtype.startswith(("int", "uint")):
        values = rng.integers(-5 if dtype.startswith("int") else 0, 6, size=shape)
    else:
        values = rng.standard_normal(shape)
    return np.asarray(values).astype(dtype)  # 0-d too: an array, not a NumPy scalar


def arguments(value, ns):
    """A case's JSON argument as the call wants it: lists become tuples, ``{"__dtype__": name}`` a dtype of ``ns``."""
    if isinstance(value, list):
        return tuple(arguments(v, ns) for v in value)
    if isinstance(value, dict) and set(value) == {"__dtype__"}:
        return getattr(ns, value["__dtype__"])
    if isinstance(value, dict):
        return {k: arguments(v, ns) for k, v in value.items()}
    return value


def check_functional(case: dict, ember_fn, torch_fn, tol: dict | None = None) -> str:
    """``case``: ``op``, ``inputs`` (``[shape, dtype]`` pairs or ``None``), ``args``, ``kwargs``, ``seed``.

    The inputs are random arrays made from ``seed``; ``fn(*inputs, *args, **kwargs)`` on both sides.
    """
    rng = np.random.default_rng(case["seed"])
    arrays = [None if spec is None else random_array(rng, tuple(spec[0]), spec[1]) for spec in case["inputs"]]
    pairs = [(None, None) if a is None else pair(a) for a in arrays]
    return check_same(
        lambda: ember_fn(*[p[0] for p in pairs], *arguments(case.get("args", []), ember),
                         **arguments(case.get("kwargs", {}), ember)),
        lambda: torch_fn(*[p[1] for p in pairs], *arguments(case.get("args", []), torch),
                         **arguments(case.get("kwargs", {}), torch)),
        tol,
    )
