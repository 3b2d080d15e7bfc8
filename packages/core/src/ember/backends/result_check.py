"""Result checks: a kernel that returns the wrong thing is reported where it returns it.

The dispatcher trusts kernels. A backend kernel that returns something that is not a native
array of an ember dtype is always reported (the check costs nothing until it fails). With
result checks on (``ember.backends.set_result_checks(True)``, ``EMBER_CHECK_RESULTS=1``, or
inside ember's conformance suite) every kernel result is also checked against what the op
must return: the broadcast shape and result dtype of an elementwise op, and for any other
kernel of a device other than the CPU, the structure, shapes and dtypes that the CPU
backend's kernel returns for the same arguments. The error names the backend, the
distribution that registered it and the kernel, instead of letting autograd or a later op
fail far from the cause. The checks cost a CPU run of every kernel: they are for testing a
backend, not for training.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

from ember import _core

ENV = "EMBER_CHECK_RESULTS"   # "1" turns result checks on at import


def _who(device) -> str:
    from ember.backends.registry import registry
    owner = registry._owner.get(device.type)
    return f"the '{device.type}' backend" + (f" (from {owner})" if owner else "")


def _describe(value) -> str:
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if shape is not None and dtype is not None:
        return f"a {type(value).__name__} of shape {tuple(shape)} and dtype {dtype}"
    return f"a {type(value).__name__}"


def bad_result(device, name: str, result) -> RuntimeError:
    """The error for a kernel result that is not a native array of a dtype ember has."""
    return RuntimeError(f"{_who(device)} returned {_describe(result)} from its kernel '{name}', where a native "
                        f"array (with shape, ndim and an ember dtype: float16/32/64, int8/16/32/64, uint8, bool) "
                        f"belongs; fix the kernel or remove it from the backend's kernel table")


def _mismatch(device, name: str, what: str, got, expected, reference: str) -> RuntimeError:
    what = f"{what} " if what else ""
    return RuntimeError(f"{_who(device)} returned a wrong result from its kernel '{name}': {what}{got} where "
                        f"{reference} gives {expected}; fix the kernel or remove it from the backend's kernel table")


def _host(value, backend):
    """``value`` (a kernel argument) with every native array of ``backend`` as a NumPy copy."""
    if isinstance(value, (tuple, list)):
        return type(value)(_host(v, backend) for v in value)
    if isinstance(value, (np.ndarray, np.generic)) or not (hasattr(value, "shape") and hasattr(value, "dtype")):
        return value
    return backend.to_numpy(value)


def _results(value) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _compare(device, name: str, result, expected, reference: str) -> None:
    got, want = _results(result), _results(expected)
    if isinstance(result, tuple) != isinstance(expected, tuple) or len(got) != len(want):
        raise _mismatch(device, name, "", _describe(result), _describe(expected), reference)
    for i, (g, w) in enumerate(zip(got, want)):
        which = f"result {i} of" if isinstance(result, tuple) else "a result of"
        w = np.asarray(w)
        if tuple(g.shape) != w.shape:
            raise _mismatch(device, name, f"{which} shape", tuple(g.shape), w.shape, reference)
        if np.dtype(g.dtype) != w.dtype:
            raise _mismatch(device, name, f"{which} dtype", np.dtype(g.dtype), w.dtype, reference)


def check_result(device, name: str, args: tuple, params: tuple, result, expected) -> None:
    """Check one kernel result (the dispatcher calls this while result checks are on).

    ``expected`` is ``(shape, dtype)`` for elementwise ops (``shape`` None: the broadcast of
    ``args``), or None: then a non-CPU kernel is compared with the CPU backend's.
    """
    from ember.backends.registry import registry
    for r in _results(result):   # the dispatcher already wrapped it: these are native arrays
        if r is None or not hasattr(r, "shape"):
            raise bad_result(device, name, result)
    if expected is not None:
        shape, dtype = expected
        if shape is None:
            shape = np.broadcast_shapes(*(tuple(np.shape(a)) if not hasattr(a, "shape") else tuple(a.shape)
                                          for a in args))
        _compare(device, name, result, np.empty(shape, dtype), "the op's definition (broadcast shape, result dtype)")
        return
    if device.type == "cpu":
        return
    reference = registry.cpu._kernels.get(name)
    if reference is None:
        return   # a kernel of this backend only: nothing to compare with
    backend = device._backend
    try:
        with np.errstate(all="ignore"):
            expected = reference(*_host(args, backend), *_host(params, backend))
    except Exception:
        return   # the CPU refuses these arguments: the backend accepted more, which the suite checks
    _compare(device, name, result, expected, "the CPU backend's kernel")


def set_result_checks(enabled: bool = True) -> None:
    """Check every kernel result against what its op must return (see the module docstring)."""
    _core._set_result_checker(check_result if enabled else None)


def result_checks_enabled() -> bool:
    """True while kernel results are checked."""
    return _core._get_result_checker() is not None


@contextlib.contextmanager
def checking_results(enabled: bool = True):
    """``with ember.backends.checking_results(): ...`` checks kernel results inside the block."""
    before = _core._get_result_checker()
    set_result_checks(enabled)
    try:
        yield
    finally:
        _core._set_result_checker(before)


_core._set_bad_result_error(bad_result)
if os.environ.get(ENV, "").strip() not in ("", "0"):
    set_result_checks(True)
