"""The classes and functions a user allows in weights-only loads (``add_safe_globals``).

``ember.load`` (``weights_only=True``) refuses every global a file names beyond tensors,
containers and plain values. A user who trusts a class (their own config dataclass, NumPy's array
reconstructor) allows it here, by object; the file then names it by its dotted path.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator

__all__ = ["add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]

_lock = threading.Lock()
_allowed: dict[str, object] = {}  # dotted path -> the object a file naming that path gets
_entries: list = []  # what the user passed, in order, for get_safe_globals


def _dotted_name(entry) -> tuple[str, object]:
    if isinstance(entry, tuple):
        if len(entry) != 2:
            raise ValueError(f"Expected a tuple (global, 'dotted.path.name'), but got a tuple of length {len(entry)}")
        obj, name = entry
        if type(name) is not str:
            raise TypeError(f"Expected the second item of {entry!r} to be the global's dotted path as a str, "
                            f"but got {type(name).__name__}")
        return name, obj
    module, qualname = getattr(entry, "__module__", None), getattr(entry, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str):
        raise TypeError(f"{entry!r} has no __module__ and __qualname__; pass (obj, 'module.name') for it")
    return f"{module}.{qualname}", entry


def add_safe_globals(safe_globals: Iterable[Callable | tuple[Callable, str]]) -> None:
    """Allow these classes and functions in weights-only loads (``ember.load(..., weights_only=True)``).

    A file may then name them: call them (``REDUCE``), create their instances (``NEWOBJ``) and set
    the state of those instances (``BUILD``). Allow only what you trust: an allowed class's
    ``__setstate__`` runs with data from the file.

    Args:
        safe_globals: classes or functions, each matched by ``f"{obj.__module__}.{obj.__qualname__}"``,
            or ``(obj, "dotted.path")`` pairs for an object a file names by another path.

    Example::

        >>> import numpy as np
        >>> ember.serialization.add_safe_globals([np._core.multiarray._reconstruct, np.ndarray, np.dtype,
        ...                                       type(np.dtype(np.float64))])
    """
    entries = list(safe_globals)
    named = [_dotted_name(e) for e in entries]  # validate all before changing anything
    with _lock:
        for entry, (name, obj) in zip(entries, named):
            _allowed[name] = obj
            if entry not in _entries:
                _entries.append(entry)


def _remove(entries: list) -> None:
    with _lock:
        for entry in entries:
            if entry in _entries:
                _entries.remove(entry)
                name, _ = _dotted_name(entry)
                if not any(_dotted_name(e)[0] == name for e in _entries):
                    _allowed.pop(name, None)


def get_safe_globals() -> list[Callable | tuple[Callable, str]]:
    """The globals allowed by ``add_safe_globals`` (and open ``safe_globals`` blocks)."""
    with _lock:
        return list(_entries)


def clear_safe_globals() -> None:
    """Forget every global allowed by ``add_safe_globals``."""
    with _lock:
        _allowed.clear()
        _entries.clear()


@contextlib.contextmanager
def safe_globals(safe_globals: Iterable[Callable | tuple[Callable, str]]) -> Iterator[None]:
    """Allow these globals in weights-only loads inside a ``with`` block only.

    Example::

        >>> with ember.serialization.safe_globals([MyConfig]):
        ...     ckpt = ember.load("run.pth")
    """
    entries = [e for e in safe_globals]
    with _lock:
        new = [e for e in entries if e not in _entries]
    add_safe_globals(entries)
    try:
        yield
    finally:
        _remove(new)


def lookup(name: str):
    """The allowed object a file's global ``name`` stands for, or None.

    NumPy 2 moved ``numpy.core`` to ``numpy._core``; files written under either name match.
    """
    with _lock:
        if name in _allowed:
            return _allowed[name], True
        for old, new in (("numpy.core.", "numpy._core."), ("numpy._core.", "numpy.core.")):
            if name.startswith(old) and new + name[len(old):] in _allowed:
                return _allowed[new + name[len(old):]], True
    return None, False


def allowed_values() -> list:
    """Every allowed object (to tell which instances a file may set the state of)."""
    with _lock:
        return list(_allowed.values())
