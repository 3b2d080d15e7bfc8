"""Fuzz family: index_select, gather, scatter (src, value, add, reduce), index_add/copy/fill,
take, take_along_dim, index_put and tensor-index get/set, out of place and in place (also into
expanded views), with indices in range, just out of it, negative and huge."""

from __future__ import annotations

import math

from hypothesis import strategies as st
from strategies import legal_case, seeds

ALONG_DIM = ["gather", "scatter", "scatter_value", "scatter_add", "scatter_reduce", "take_along_dim"]
VECTOR = ["index_select", "index_add", "index_copy", "index_fill"]
FLAT = ["take", "getitem", "setitem", "index_put"]
INPLACE = {"scatter", "scatter_value", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
           "index_put", "setitem"}
WILD = [2**31, -(2**31) - 1, 2**40, 2**62, 2**63 - 1, -(2**63)]


def _indices(draw, count: int, size: int, legal: bool) -> list[int]:
    if legal:
        return draw(st.lists(st.integers(-size, size - 1), min_size=count, max_size=count)) if size else [0] * count
    near = st.integers(-size - 2, size + 1)
    values = st.one_of(near, near, near, near, near, near, near, near, near, st.sampled_from(WILD))
    return draw(st.lists(values, min_size=count, max_size=count))


@st.composite
def cases(draw) -> dict:
    op = draw(st.sampled_from(ALONG_DIM + VECTOR + FLAT))
    legal = legal_case(draw)
    shape = draw(st.lists(st.integers(1 if legal else 0, 4), min_size=1 if legal else 0, max_size=3))
    ndim = len(shape)
    dim = draw(st.integers(-ndim, ndim - 1) if legal else st.integers(-ndim - 1, ndim))
    along = shape[dim] if -ndim <= dim < ndim else (1 if ndim == 0 else 3)
    if op in ALONG_DIM:
        rank = ndim if legal or draw(st.integers(0, 9)) else draw(st.integers(0, 3))
        index_shape = [draw(st.integers(0, s + 1 if not legal and draw(st.integers(0, 5)) == 0 else s))
                       for s in shape[:rank]]
        index_shape += [draw(st.integers(0, 3)) for _ in range(rank - len(index_shape))]
    elif op in VECTOR:
        index_shape = [draw(st.integers(0, 5))] if legal else draw(
            st.sampled_from([[draw(st.integers(0, 5))]] * 8 + [[], [2, 2]]))
    else:
        index_shape = [draw(st.integers(0, 5))] if legal or draw(st.integers(0, 5)) else draw(
            st.lists(st.integers(0, 3), max_size=2))
        along = math.prod(shape) if op == "take" else (shape[0] if shape else 1)
    index_dtype = "int64" if legal else draw(st.sampled_from(["int64"] * 8 + ["int32", "int32", "float32", "bool"]))
    x_dtype = draw(st.sampled_from(["float32", "float32", "float64", "int64", "int32"]))
    case = {"op": op, "shape": shape, "dtype": x_dtype, "dim": dim, "seed": draw(seeds),
            "index": {"shape": index_shape, "dtype": index_dtype,
                      "values": _indices(draw, math.prod(index_shape), along, legal)}}
    if op in ("scatter", "scatter_add", "scatter_reduce"):
        case["src"] = index_shape if legal or draw(st.integers(0, 4)) else [s + 1 for s in index_shape]
    elif op in ("index_add", "index_copy"):
        src = list(shape)
        if -ndim <= dim < ndim:
            src[dim] = math.prod(index_shape)
        case["src"] = src if legal or draw(st.integers(0, 5)) else [*src, 1]
    elif op in ("setitem", "index_put"):
        rest = shape[1:]  # x[index] has the shape (len(index), *shape[1:])
        case["src"] = draw(st.sampled_from([[], [1], [math.prod(index_shape), *rest]] if legal else
                                           [[], [math.prod(index_shape)], [1], [2]]))
    if "src" in case and not legal and draw(st.integers(0, 4)) == 0:
        case["src_dtype"] = "float64" if x_dtype != "float64" else "float32"
    if op in ("scatter_value", "index_fill"):
        case["value"] = draw(st.sampled_from([1.5, -2, 0, float("inf")]))
    if op == "scatter_reduce":
        case["reduce"] = draw(st.sampled_from(["sum", "prod", "mean", "amax", "amin"]))
        case["include_self"] = draw(st.booleans())
    if op == "index_add":
        case["alpha"] = draw(st.sampled_from([1, 2, -0.5]))
    if op in ("index_put", "setitem"):
        case["accumulate"] = draw(st.booleans()) if op == "index_put" else False
    if op in INPLACE:
        case["inplace"] = op == "setitem" or draw(st.booleans())
        # writing into a view whose elements share memory is an error in PyTorch
        case["expand"] = case["inplace"] and ndim > 0 and draw(st.integers(0, 4)) == 0
    return case


def _inputs(case: dict):
    import numpy as np
    from differential import random_array

    rng = np.random.default_rng(case["seed"])
    shape = tuple(case["shape"])
    base_shape = tuple(1 for _ in shape) if case.get("expand") else shape
    x = random_array(rng, base_shape, case["dtype"])
    spec = case["index"]
    index = np.array(spec["values"], dtype=np.int64).reshape(spec["shape"])
    index = index != 0 if spec["dtype"] == "bool" else index.astype(spec["dtype"])
    src = None if "src" not in case else random_array(rng, tuple(case["src"]), case.get("src_dtype", case["dtype"]))
    return x, index, src


def _run(ns, case: dict, x, index, src):
    op, dim = case["op"], case["dim"]
    if case.get("expand"):
        x = x.expand(*case["shape"])
    suffix = "_" if case.get("inplace") else ""
    if op == "gather":
        return ns.gather(x, dim, index)
    if op == "take_along_dim":
        return ns.take_along_dim(x, index, dim)
    if op == "index_select":
        return ns.index_select(x, dim, index)
    if op == "take":
        return ns.take(x, index)
    if op == "getitem":
        return x[index]
    if op == "setitem":
        x[index] = src
        return x
    if op == "scatter":
        return getattr(x, "scatter" + suffix)(dim, index, src)
    if op == "scatter_value":
        return getattr(x, "scatter" + suffix)(dim, index, case["value"])
    if op == "scatter_add":
        return getattr(x, "scatter_add" + suffix)(dim, index, src)
    if op == "scatter_reduce":
        return getattr(x, "scatter_reduce" + suffix)(dim, index, src, case["reduce"], include_self=case["include_self"])
    if op == "index_add":
        return getattr(x, "index_add" + suffix)(dim, index, src, alpha=case["alpha"])
    if op == "index_copy":
        return getattr(x, "index_copy" + suffix)(dim, index, src)
    if op == "index_fill":
        return getattr(x, "index_fill" + suffix)(dim, index, case["value"])
    if op == "index_put":
        return getattr(x, "index_put" + suffix)((index,), src, accumulate=case["accumulate"])
    raise ValueError(f"unknown op {op}")


def check(case: dict) -> str:
    import torch
    from differential import check_same, pair

    import ember

    x, index, src = _inputs(case)
    ex, tx = pair(x)
    ei, ti = pair(index)
    es, ts = (None, None) if src is None else pair(src)
    return check_same(lambda: _run(ember, case, ex, ei, es), lambda: _run(torch, case, tx, ti, ts))
