"""Fuzz family: tensor, full and arange with values at and beyond every dtype's limits (int8 to
int64, 2**63, float16 and float32 overflow, NaN, Inf), with and without an explicit dtype."""

from __future__ import annotations

import math

from hypothesis import assume
from hypothesis import strategies as st
from strategies import seeds

DTYPES = [None, "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
INTS = [0, 1, -1, 2, 127, 128, -128, -129, 255, 256, 32767, 32768, -32769, 2**31 - 1, 2**31, -(2**31) - 1,
        2**53 + 1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64]
FLOATS = [0.5, -0.0, 2.5, -1.5, 65504.0, 65520.0, 3.4028235e38, 3.5e38, 1e-45, 1e308, math.nan, math.inf, -math.inf]
VALUES = st.one_of(st.sampled_from(INTS), st.sampled_from(FLOATS), st.booleans(), st.integers(-300, 300))
MAX_ELEMENTS = 10**5  # arange cases that would allocate more are not drawn


def _dtype(draw):
    name = draw(st.sampled_from(DTYPES))
    return None if name is None else {"__dtype__": name}


def _arange_length(start, end, step) -> float:
    try:
        return math.ceil((end - start) / step)
    except (ZeroDivisionError, OverflowError, ValueError):
        return 0  # an error either way


@st.composite
def cases(draw) -> dict:
    op = draw(st.sampled_from(["tensor", "tensor", "full", "arange"]))
    kwargs = {"dtype": _dtype(draw)}
    if op == "tensor":
        uniform = draw(st.sampled_from([st.sampled_from(INTS), st.sampled_from(FLOATS), VALUES]))
        data = draw(st.one_of(VALUES, st.lists(uniform, min_size=0, max_size=3)))
        args = [data]
    elif op == "full":
        args = [draw(st.lists(st.integers(-1, 3), max_size=2)), draw(VALUES)]
    else:
        numbers = st.one_of(st.sampled_from(INTS), st.sampled_from(FLOATS), st.integers(-20, 20))
        start, end = draw(numbers), draw(numbers)
        step = draw(st.one_of(st.sampled_from([1, -1, 0, 2, 0.5, -0.25, 2**62, math.nan]), numbers))
        assume(_arange_length(start, end, step) <= MAX_ELEMENTS)
        args = [start, end, step]
    return {"op": op, "args": args, "kwargs": {k: v for k, v in kwargs.items() if v is not None},
            "seed": draw(seeds)}


def check(case: dict) -> str:
    import torch
    from differential import arguments, check_same

    import ember

    def call(ns):
        args = list(case["args"])
        if case["op"] == "full":
            args[0] = tuple(args[0])
        return getattr(ns, case["op"])(*args, **arguments(case["kwargs"], ns))

    return check_same(lambda: call(ember), lambda: call(torch))
