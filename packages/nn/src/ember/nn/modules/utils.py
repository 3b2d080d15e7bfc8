"""PyTorch's ``nn.modules.utils``: argument normalisers that custom layers import (``_pair`` and
friends) and ``consume_prefix_in_state_dict_if_present``."""

from __future__ import annotations

import collections.abc
import itertools
from typing import Any

__all__ = ["consume_prefix_in_state_dict_if_present"]


def _ntuple(n: int, name: str = "parse"):
    """A function that turns a value into an ``n``-tuple (repeating it) and an iterable into a tuple."""
    def parse(x):
        if isinstance(x, collections.abc.Iterable):
            return tuple(x)
        return tuple(itertools.repeat(x, n))

    parse.__name__ = name
    return parse


_single = _ntuple(1, "_single")
_pair = _ntuple(2, "_pair")
_triple = _ntuple(3, "_triple")
_quadruple = _ntuple(4, "_quadruple")


def _reverse_repeat_tuple(t, n: int) -> tuple:
    """``(a, b)`` with n=2 -> ``(b, b, a, a)``: a conv's per-dim padding in ``F.pad``'s last-dim-first order."""
    return tuple(x for x in reversed(t) for _ in range(n))


def consume_prefix_in_state_dict_if_present(state_dict: dict[str, Any], prefix: str) -> None:
    """Remove ``prefix`` from every key of ``state_dict`` that starts with it, in place.

    Lets a plain model load a checkpoint saved from ``DataParallel`` (keys start with ``"module."``).
    The ``_metadata`` attached to a state dict is renamed the same way.
    """
    for key in list(state_dict.keys()):
        if key.startswith(prefix):
            state_dict[key[len(prefix):]] = state_dict.pop(key)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        for key in list(metadata.keys()):
            if len(key) == 0:
                continue
            if key == prefix.replace(".", "") or key.startswith(prefix):
                metadata[key[len(prefix):]] = metadata.pop(key)
