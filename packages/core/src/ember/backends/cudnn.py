"""``ember.backends.cudnn``: PyTorch's cuDNN switches.

ember has no cuDNN (``is_available()`` is False and ``version()`` None, as in a CPU build of
PyTorch), but programs set these flags, so they exist and keep their values. An accelerator
backend reads them to choose its convolution algorithms: ``benchmark`` allows trying several
and keeping the fastest, ``deterministic`` asks for reproducible ones, ``allow_tf32`` lets it
use TF32 in float32 convolutions. ember's CPU convolutions are deterministic and full float32
whatever the flags say.

Example::

    >>> ember.backends.cudnn.benchmark = True
    >>> with ember.backends.cudnn.flags(enabled=False):
    ...     ...
"""

from __future__ import annotations

import contextlib
import sys

from ember.backends._flag_module import FlagModule

__all__ = ["is_available", "version", "is_acceptable", "flags"]

enabled = True          # use cuDNN where a backend has it
benchmark = False       # let a backend time several algorithms and keep the fastest
benchmark_limit = 10    # how many algorithms ``benchmark`` may try
deterministic = False   # ask a backend for deterministic algorithms only
allow_tf32 = True       # let a backend use TF32 in float32 convolutions


def is_available() -> bool:
    """False: ember has no cuDNN."""
    return False


def version() -> int | None:
    """The cuDNN version: None, since ember has no cuDNN."""
    return None


def is_acceptable(tensor) -> bool:
    """Whether cuDNN would run an op on ``tensor``: False, since ember has no cuDNN."""
    return False


@contextlib.contextmanager
def flags(enabled: bool = False, benchmark: bool = False, benchmark_limit: int = 10,
          deterministic: bool = False, allow_tf32: bool = True):
    """Set the cuDNN flags inside a ``with`` block and restore them afterwards."""
    module = sys.modules[__name__]
    names = ("enabled", "benchmark", "benchmark_limit", "deterministic", "allow_tf32")
    old = {name: getattr(module, name) for name in names}
    new = dict(zip(names, (enabled, benchmark, benchmark_limit, deterministic, allow_tf32)))
    for name, value in new.items():
        setattr(module, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(module, name, value)


class _CudnnModule(FlagModule):
    _bool_flags = {"enabled": "set_enabled_cudnn", "benchmark": "set_benchmark_cudnn",
                   "deterministic": "set_deterministic_cudnn", "allow_tf32": "set_allow_tf32_cudnn"}


sys.modules[__name__].__class__ = _CudnnModule
