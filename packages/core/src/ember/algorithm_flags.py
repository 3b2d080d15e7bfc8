"""Global switches that choose among algorithms: deterministic algorithms, float32 matmul precision.

They are process-wide flags, as in PyTorch. ember's CPU kernels are deterministic and compute
float32 products in full float32 whatever the flags say (see the core README); backends read
the flags to choose among their own algorithms (TF32 on a GPU, atomics-based scatters).
"""

from __future__ import annotations

import warnings

__all__ = [
    "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
    "is_deterministic_algorithms_warn_only_enabled", "set_deterministic_debug_mode",
    "get_deterministic_debug_mode", "set_float32_matmul_precision", "get_float32_matmul_precision",
]

_PRECISIONS = ("highest", "high", "medium")
_DEBUG_MODES = ("default", "warn", "error")


class _State:
    deterministic = False
    warn_only = False
    float32_matmul_precision = "highest"


_state = _State()


def _expect_bool(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise RuntimeError(f"{what} expects a bool, but got {type(value).__name__}")
    return value


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Make ops use deterministic algorithms (``True``) or allow faster nondeterministic ones.

    With the flag on, a backend whose kernel for an op is nondeterministic (e.g. a scatter
    with atomic adds on a GPU) must use a deterministic one or raise ``RuntimeError``; with
    ``warn_only=True`` it warns instead. Every kernel of ember's CPU backend is deterministic,
    so on the CPU this changes no result.

    Args:
        mode: whether to require deterministic algorithms.
        warn_only: warn instead of raising when an op has no deterministic implementation.
            Default: ``False``.

    Example::

        >>> ember.use_deterministic_algorithms(True)
        >>> ember.are_deterministic_algorithms_enabled()
        True
    """
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'mode' (position 1) must be bool, "
                        f"not {type(mode).__name__}")
    if not isinstance(warn_only, bool):
        raise TypeError(f"use_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {type(warn_only).__name__}")
    _state.deterministic = mode
    _state.warn_only = warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """True if ``use_deterministic_algorithms(True)`` is in effect."""
    return _state.deterministic


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """True if deterministic algorithms were requested with ``warn_only=True``."""
    return _state.warn_only


def set_deterministic_debug_mode(debug_mode: str | int) -> None:
    """``use_deterministic_algorithms`` by level: ``"default"``/0 off, ``"warn"``/1 warn only,
    ``"error"``/2 on."""
    if isinstance(debug_mode, str):
        if debug_mode not in _DEBUG_MODES:
            raise RuntimeError(f"invalid value of debug_mode, expected one of `default`, `warn`, `error`, "
                               f"but got {debug_mode}")
        debug_mode = _DEBUG_MODES.index(debug_mode)
    elif not isinstance(debug_mode, int) or isinstance(debug_mode, bool):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode).__name__}")
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got {debug_mode}")
    use_deterministic_algorithms(debug_mode != 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode() -> int:
    """0 when deterministic algorithms are off, 1 when they only warn, 2 when they are required."""
    if not _state.deterministic:
        return 0
    return 1 if _state.warn_only else 2


def set_float32_matmul_precision(precision: str) -> None:
    """Which internal precision float32 matrix products may use on accelerators.

    ``"highest"`` (the default) keeps full float32; ``"high"`` and ``"medium"`` let a backend use
    TF32 or bfloat16-based products where it has them (``ember.backends.cuda.matmul.allow_tf32``
    follows this setting). ember's CPU matmul always computes in full float32. An unknown
    value warns and changes nothing, as in PyTorch.

    Args:
        precision: ``"highest"``, ``"high"`` or ``"medium"``.
    """
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got {type(precision).__name__}")
    if precision not in _PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
                      f"set_float32_matmul_precision call has no effect.", UserWarning, stacklevel=2)
        return
    _state.float32_matmul_precision = precision


def get_float32_matmul_precision() -> str:
    """The float32 matmul precision: ``"highest"``, ``"high"`` or ``"medium"``."""
    return _state.float32_matmul_precision
