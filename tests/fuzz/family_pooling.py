"""Fuzz family: max/avg/adaptive/lp pooling in 1-d and 2-d (ember has no 3-d pooling)."""

from __future__ import annotations

from hypothesis import strategies as st
from strategies import batch_shape, float_dtypes, legal_case, per_dim, seeds

NONPOSITIVE = st.integers(-1, 0)

OPS = {  # op: spatial dims
    "max_pool1d": 1, "max_pool2d": 2, "avg_pool1d": 1, "avg_pool2d": 2, "adaptive_avg_pool1d": 1,
    "adaptive_avg_pool2d": 2, "adaptive_max_pool1d": 1, "adaptive_max_pool2d": 2, "lp_pool1d": 1, "lp_pool2d": 2,
}


def _ints(value) -> list:
    return [value] if isinstance(value, int) else list(value)


@st.composite
def cases(draw) -> dict:
    op = draw(st.sampled_from(sorted(OPS)))
    dims = OPS[op]
    legal = legal_case(draw)

    def bad(strategy):
        return None if legal else strategy

    dtype = draw(float_dtypes) if legal or draw(st.integers(0, 3)) else "int64"
    shape = batch_shape(draw, dims, legal=legal)
    kwargs: dict = {}
    if op.startswith("adaptive"):
        kwargs["output_size"] = per_dim(draw, st.integers(1, 6), dims, bad(st.sampled_from([-1, 0, None])))
        if dims == 2 and isinstance(kwargs["output_size"], list) and kwargs["output_size"] and draw(st.booleans()):
            kwargs["output_size"][0] = None  # None keeps the input's size
        if "max" in op:
            kwargs["return_indices"] = draw(st.booleans())
    else:
        kwargs["kernel_size"] = per_dim(draw, st.integers(1, 5), dims, bad(NONPOSITIVE))
        kwargs["stride"] = per_dim(draw, st.integers(1, 4), dims, bad(NONPOSITIVE)) if draw(st.booleans()) else None
        half = min([k for k in _ints(kwargs["kernel_size"]) if k > 0] or [0]) // 2
        kwargs["ceil_mode"] = draw(st.booleans())
        if op.startswith("lp"):
            kwargs["norm_type"] = draw(st.sampled_from([1, 2, 3.0, 0.5]))
        else:
            kwargs["padding"] = per_dim(draw, st.integers(0, half), dims, bad(st.sampled_from([-1, 3])))
        if op.startswith("max"):
            kwargs["dilation"] = per_dim(draw, st.integers(1, 3), dims, bad(NONPOSITIVE))
            kwargs["return_indices"] = draw(st.booleans())
        if op.startswith("avg"):
            kwargs["count_include_pad"] = draw(st.booleans())
            if dims == 2:
                kwargs["divisor_override"] = draw(st.one_of(st.none(), st.integers(-2, 5)))
    return {"op": op, "inputs": [[shape, dtype]], "kwargs": kwargs, "seed": draw(seeds)}


def check(case: dict) -> str:
    import torch.nn.functional as TF
    from differential import check_functional

    import ember.nn.functional as EF

    return check_functional(case, getattr(EF, case["op"]), getattr(TF, case["op"]))
