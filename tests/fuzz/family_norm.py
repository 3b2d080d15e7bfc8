"""Fuzz family: batch_norm, layer_norm, group_norm, instance_norm: outputs and the running
statistics they update, with empty batches, zero channels, wrong-sized affine parameters and
running statistics, zero or negative group counts."""

from __future__ import annotations

from hypothesis import strategies as st
from strategies import float_dtypes, legal_case, seeds

OPS = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]


def _vector(draw, c: int, legal: bool):
    """A per-channel tensor's shape: ``[c]`` or absent, or (unless ``legal``) now and then wrong."""
    return draw(st.sampled_from([[c]] * 6 + [None, None] + ([] if legal else [[c + 1], [], [1, c]])))


@st.composite
def cases(draw) -> dict:
    op = draw(st.sampled_from(OPS))
    legal = legal_case(draw)
    dtype = draw(float_dtypes)
    shape = draw(st.lists(st.integers(2 if legal else 0, 4), min_size=1 if op == "layer_norm" else 2, max_size=4))
    c = shape[1] if len(shape) > 1 else shape[0]
    kwargs: dict = {"eps": draw(st.sampled_from([1e-5, 1e-3] + ([] if legal else [0.0])))}
    if op == "layer_norm":
        k = draw(st.integers(1 if legal else 0, len(shape)))
        normalized = shape[len(shape) - k:]
        if not legal and draw(st.integers(0, 4)) == 0:
            normalized = [s + 1 for s in normalized]
        kwargs["normalized_shape"] = normalized
        affine = [normalized if legal or draw(st.integers(0, 5)) else [*normalized, 1] for _ in range(2)]
        inputs = [[shape, dtype]] + [[a, dtype] if draw(st.booleans()) else None for a in affine]
    elif op == "group_norm":
        groups = [g for g in (1, 2, 3, 4) if c % g == 0] if legal else [1, 2, 3, 4, 0, -1]
        kwargs["num_groups"] = draw(st.sampled_from(groups))
        inputs = [[shape, dtype]] + [None if v is None else [v, dtype]
                                     for v in (_vector(draw, c, legal), _vector(draw, c, legal))]
    else:
        stats = [_vector(draw, c, legal), _vector(draw, c, legal)]
        if legal and (stats[0] is None) != (stats[1] is None):
            stats[1] = stats[0]
        affine = [_vector(draw, c, legal), _vector(draw, c, legal)]
        inputs = [[shape, dtype]] + [None if v is None else [v, dtype] for v in stats + affine]
        if op == "batch_norm":
            kwargs["training"] = draw(st.booleans())
        else:
            kwargs["use_input_stats"] = draw(st.booleans())
        kwargs["momentum"] = draw(st.sampled_from([0.1, 0.0, 1.0, 0.5]))
    return {"op": op, "inputs": inputs, "kwargs": kwargs, "seed": draw(seeds)}


def _call(F, case: dict, x, *rest):
    """The op's output, and its running statistics after the call (batch/instance norm update them)."""
    kwargs = dict(case["kwargs"])
    if case["op"] == "layer_norm":
        return F.layer_norm(x, tuple(kwargs.pop("normalized_shape")), *rest, **kwargs)
    if case["op"] == "group_norm":
        return F.group_norm(x, kwargs.pop("num_groups"), *rest, **kwargs)
    mean, var = rest[0], rest[1]
    out = getattr(F, case["op"])(x, mean, var, *rest[2:], **kwargs)
    return out, mean, var


def check(case: dict) -> str:
    import numpy as np
    import torch.nn.functional as TF
    from differential import check_same, pair, random_array

    import ember.nn.functional as EF

    rng = np.random.default_rng(case["seed"])
    arrays = [None if s is None else random_array(rng, tuple(s[0]), s[1]) for s in case["inputs"]]
    if case["op"] in ("batch_norm", "instance_norm") and arrays[2] is not None:
        arrays[2] = np.abs(arrays[2])  # a running variance
    pairs = [(None, None) if a is None else pair(a) for a in arrays]
    return check_same(lambda: _call(EF, case, *[p[0] for p in pairs]),
               lambda: _call(TF, case, *[p[1] for p in pairs]),
               tol={"float32": dict(rtol=1e-3, atol=1e-4), "float64": dict(rtol=1e-7, atol=1e-9)})
