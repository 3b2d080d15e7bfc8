"""``assert_close``: compare tensors (and numbers, and sequences of them) like PyTorch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ember import _core

# PyTorch's default (rtol, atol) per dtype; integers and bool must match exactly
_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol: float | None = None,
                 atol: float | None = None, equal_nan: bool = False, check_device: bool = True,
                 check_dtype: bool = True, check_layout: bool = True, check_stride: bool = False,
                 msg: str | None = None) -> None:
    """Assert that ``actual`` and ``expected`` are close: ``|actual - expected| <= atol + rtol * |expected|``.

    Works on tensors (on any device), Python numbers, and sequences or mappings of them.
    Tensors must also agree in shape, and unless switched off in dtype and device. Without
    ``rtol``/``atol`` the tolerances depend on the dtype (float32: 1.3e-6 and 1e-5;
    integers and bool: exact), as in ``torch.testing.assert_close``.

    Raises:
        AssertionError: naming the attribute that differs, or how many elements mismatch
            and where the greatest difference is.

    Example::

        >>> ember.testing.assert_close(ember.tensor([1.0, 2.0]), ember.tensor([1.0, 2.0 + 1e-7]))
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    _compare(actual, expected, [], dict(rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                                       check_dtype=check_dtype, check_stride=check_stride, check_layout=check_layout,
                                       allow_subclasses=allow_subclasses), msg)


def _compare(actual, expected, path: list, opts: dict, msg: str | None) -> None:
    if isinstance(actual, _core.TensorBase) or isinstance(expected, _core.TensorBase):
        return _fail_at(path, _tensor_problem(actual, expected, opts), msg)
    numbers = (int, float, bool, complex, np.number, np.bool_)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        return _fail_at(path, _scalar_problem(actual, expected, opts), msg)
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            _fail_at(path, f"The keys of the mappings do not match:\n{sorted(map(str, actual))} != "
                           f"{sorted(map(str, expected))}", msg)
        for key in expected:
            _compare(actual[key], expected[key], [*path, repr(key)], opts, msg)
        return None
    if isinstance(actual, Sequence) and isinstance(expected, Sequence) and not isinstance(actual, str) \
            and not isinstance(expected, str):
        if len(actual) != len(expected):
            _fail_at(path, f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", msg)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, [*path, str(i)], opts, msg)
        return None
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _fail_at(path: list, problem: str | None, msg: str | None) -> None:
    if problem is None:
        return
    if msg is not None:
        raise AssertionError(msg)
    if path:
        problem += "\n\nThe failure occurred for item " + "".join(f"[{p}]" for p in path)
    raise AssertionError(problem)


def _tensor_problem(actual, expected, opts: dict) -> str | None:
    if not (isinstance(actual, _core.TensorBase) and isinstance(expected, _core.TensorBase)):
        raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                        f"{type(expected)}.")
    if not opts["allow_subclasses"] and type(actual) is not type(expected):
        raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and "
                        f"{type(expected)}.")
    if actual.shape != expected.shape:
        return f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}."
    if opts["check_device"] and actual.device != expected.device:
        return f"The values for attribute 'device' do not match: {actual.device} != {expected.device}."
    if opts["check_dtype"] and actual.dtype is not expected.dtype:
        return f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}."
    if opts["check_layout"] and actual.layout is not expected.layout:
        return f"The values for attribute 'layout' do not match: {actual.layout} != {expected.layout}."
    actual, expected = (t.to_dense() if t.is_sparse else t for t in (actual, expected))
    if opts["check_stride"] and actual.stride() != expected.stride():
        return f"The values for attribute 'stride()' do not match: {actual.stride()} != {expected.stride()}."
    a = actual._device._backend.to_numpy(actual._data)
    e = expected._device._backend.to_numpy(expected._data)
    dt = np.result_type(a, e)
    return _values_problem(a.astype(dt), e.astype(dt), opts)


def _tolerances(dt: np.dtype, opts: dict) -> tuple[float, float]:
    if opts["rtol"] is not None:
        return opts["rtol"], opts["atol"]
    return _TOLERANCES.get(dt.name, (0.0, 0.0))


def _values_problem(a: np.ndarray, e: np.ndarray, opts: dict) -> str | None:
    rtol, atol = _tolerances(a.dtype, opts)
    floating = a.dtype.kind in "fc"
    if a.dtype == np.bool_:
        a, e = a.astype(np.int64), e.astype(np.int64)
    with np.errstate(all="ignore"):
        close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=opts["equal_nan"]) if floating or rtol or atol \
            else a == e
        if close.all():
            return None
        abs_diff = np.abs(a.astype(np.float64) - e) if not floating else np.abs(a - e)
        if not floating:
            abs_diff = abs_diff.astype(np.int64)
        # only mismatched elements count (as in PyTorch): a matching 0 against 0 is no "nan" difference
        abs_diff = np.where(close, 0, abs_diff)
        rel_diff = np.where(close, 0.0, abs_diff / np.abs(e))
    n_bad, n = int(close.size - np.count_nonzero(close)), close.size
    i_abs, i_rel = np.argmax(abs_diff.reshape(-1)), np.argmax(rel_diff.reshape(-1))
    where = lambda i: tuple(int(k) for k in np.unravel_index(i, a.shape))  # noqa: E731
    allowed_abs = f" (up to {atol} allowed)" if floating else ""
    allowed_rel = f" (up to {rtol} allowed)" if floating else ""
    return (f"Tensor-likes are not {'close' if floating else 'equal'}!\n\n"
            f"Mismatched elements: {n_bad} / {n} ({100 * n_bad / n:.1f}%)\n"
            f"Greatest absolute difference: {abs_diff.reshape(-1)[i_abs].item()} at index {where(i_abs)}"
            f"{allowed_abs}\n"
            f"Greatest relative difference: {rel_diff.reshape(-1)[i_rel].item()} at index {where(i_rel)}"
            f"{allowed_rel}")


def _scalar_problem(actual, expected, opts: dict) -> str | None:
    floating = isinstance(actual, (float, complex, np.floating)) or isinstance(expected, (float, complex, np.floating))
    rtol, atol = (opts["rtol"], opts["atol"]) if opts["rtol"] is not None else ((1e-7, 1e-7) if floating else (0, 0))
    if opts["check_dtype"] and type(actual) is not type(expected):
        return f"The values for attribute 'dtype' do not match: {type(actual)} != {type(expected)}."
    if actual == expected or (opts["equal_nan"] and actual != actual and expected != expected):
        return None
    diff = abs(actual - expected)
    if diff <= atol + rtol * abs(expected):
        return None
    rel = diff / abs(expected) if expected != 0 else float("inf")
    return (f"Scalars are not {'close' if floating else 'equal'}!\n\nExpected {expected} but got {actual}.\n"
            f"Absolute difference: {diff}" + (f" (up to {atol} allowed)" if floating else "") +
            f"\nRelative difference: {rel}" + (f" (up to {rtol} allowed)" if floating else ""))
