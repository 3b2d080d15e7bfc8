"""Samples for copies and dtype conversion: cast, copy_, clone, contiguous, expand_copy."""

from __future__ import annotations

import ember
from ember import _core
from ember.testing.samples._base import ALL, Sample, fixed, unary, values


def _cast_to_every_dtype(x):
    return tuple(x.to(getattr(ember, name)) for name in ALL)


def _copy_into(dst, src):
    return dst.copy_(src)


def _expand_copy(x):
    # the kernel behind copy_ when autograd records it: broadcast x to (2, *shape) and cast
    return _core.call("expand_copy", (x,), ((2, *x.shape), ember.float64.numpy))


SAMPLES = [
    # non-negative small values are representable in every dtype, so every cast is defined
    Sample("cast", _cast_to_every_dtype, unary("small"), ALL),
    Sample("copy_", _copy_into, fixed(
        ("same shape", lambda d, r: (values((2, 3), d, r), values((2, 3), d, r))),
        ("broadcast", lambda d, r: (values((2, 3), d, r), values((3,), d, r))),
        ("other dtype", lambda d, r: (values((2, 3), d, r), values((2, 3), "float64", r, "small"))),
        ("0-d", lambda d, r: (values((), d, r), values((), d, r))),
        ("empty", lambda d, r: (values((0, 3), d, r), values((3,), d, r))),
        ("non-contiguous", lambda d, r: (values((3, 4), d, r, order="F"), values((3, 4), d, r))),
    ), ALL, grad=False),
    Sample("clone", lambda x: x.clone(), unary(), ALL),
    Sample("contiguous", lambda x: x.contiguous(), unary(), ALL),
    Sample("expand_copy", _expand_copy, unary("small"), ALL, grad=False),
]
