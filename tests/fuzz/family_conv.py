"""Fuzz family: conv1d/2d, conv_transpose1d/2d, unfold, fold, pixel_shuffle/unshuffle (ember has
no 3-d convolution)."""

from __future__ import annotations

from hypothesis import strategies as st
from strategies import batch_shape, float_dtypes, legal_case, legal_or_not, per_dim, seeds

NONPOSITIVE = st.integers(-1, 0)
NEGATIVE = st.just(-1)

CONV = {"conv1d": 1, "conv2d": 2, "conv_transpose1d": 1, "conv_transpose2d": 2}
OPS = sorted([*CONV, "unfold", "fold", "pixel_shuffle", "pixel_unshuffle"])


def _conv(draw, op: str) -> dict:
    dims, transpose = CONV[op], op.startswith("conv_transpose")
    legal = legal_case(draw)

    def bad(strategy):
        return None if legal else strategy

    groups = legal_or_not(draw, st.sampled_from([1, 1, 1, 2, 3]), bad(st.integers(-1, 0)))
    g = max(groups, 1)
    per_group = legal_or_not(draw, st.integers(1, 2), bad(st.just(0)))
    channels = g * per_group if legal or draw(st.integers(0, 7)) else draw(st.integers(0, 4))
    shape = batch_shape(draw, dims, channels=channels, legal=legal)
    out_per_group = legal_or_not(draw, st.integers(1, 2), bad(st.just(0)))
    kernel = [legal_or_not(draw, st.integers(1, 3), bad(st.just(0))) for _ in range(dims)]
    if transpose:
        weight = [shape[-dims - 1], out_per_group, *kernel]
    else:
        weight = [g * out_per_group, per_group, *kernel]
    if not legal and draw(st.integers(0, 4)) == 0:  # a weight of the wrong rank or channel count
        weight = draw(st.lists(st.integers(0, 3), min_size=dims + 1, max_size=dims + 3))
    out_channels = weight[1] * g if transpose else weight[0]
    bias = [out_channels if legal else draw(st.sampled_from([out_channels] * 4 + [out_channels + 1]))
            ] if draw(st.booleans()) else None
    kwargs = {"stride": per_dim(draw, st.integers(1, 3), dims, bad(NONPOSITIVE)),
              "dilation": per_dim(draw, st.integers(1, 3), dims, bad(NONPOSITIVE)), "groups": groups}
    if transpose:
        kwargs["padding"] = per_dim(draw, st.integers(0, 3), dims, bad(NEGATIVE))
        kwargs["output_padding"] = per_dim(draw, st.integers(0, 1), dims, bad(st.sampled_from([-1, 3])))
    else:
        if draw(st.integers(0, 5)) == 0:
            kwargs["padding"] = draw(st.sampled_from(["same", "valid"]))
        else:
            kwargs["padding"] = per_dim(draw, st.integers(0, 3), dims, bad(NEGATIVE))
    dtype = draw(float_dtypes)
    return {"inputs": [[shape, dtype], [weight, dtype], None if bias is None else [bias, dtype]], "kwargs": kwargs}


def _unfold(draw) -> dict:
    shape = batch_shape(draw, 2)
    kwargs = {"kernel_size": per_dim(draw, st.integers(1, 4), 2, NONPOSITIVE),
              "dilation": per_dim(draw, st.integers(1, 3), 2, NONPOSITIVE),
              "padding": per_dim(draw, st.integers(0, 3), 2, NEGATIVE),
              "stride": per_dim(draw, st.integers(1, 3), 2, NONPOSITIVE)}
    return {"inputs": [[shape, draw(float_dtypes)]], "kwargs": kwargs}


def _pair(value) -> list | None:
    if isinstance(value, int):
        return [value, value]
    return value if len(value) == 2 else None


def _blocks(kwargs: dict) -> int | None:
    """fold's number of sliding blocks L for these arguments, or None when they are illegal."""
    args = [_pair(kwargs[k]) for k in ("output_size", "kernel_size", "dilation", "padding", "stride")]
    if any(a is None for a in args):
        return None
    total = 1
    for out, k, d, p, s in zip(*args):
        if k <= 0 or d <= 0 or p < 0 or s <= 0:
            return None
        total *= (out + 2 * p - d * (k - 1) - 1) // s + 1
    return total if total > 0 else None


def _fold(draw) -> dict:
    kwargs = {"output_size": per_dim(draw, st.integers(1, 7), 2, NONPOSITIVE),
              "kernel_size": per_dim(draw, st.integers(1, 3), 2, NONPOSITIVE),
              "dilation": per_dim(draw, st.integers(1, 2), 2, NONPOSITIVE),
              "padding": per_dim(draw, st.integers(0, 2), 2, NEGATIVE),
              "stride": per_dim(draw, st.integers(1, 3), 2, NONPOSITIVE)}
    k = _pair(kwargs["kernel_size"]) or [1, 1]
    c = draw(st.integers(0, 2))
    rows = c * max(k[0] * k[1], 0) if draw(st.integers(0, 7)) else draw(st.integers(0, 9))
    legal = _blocks(kwargs)
    blocks = legal if legal is not None and draw(st.integers(0, 7)) else draw(st.integers(0, 9))
    shape = [rows, blocks] if draw(st.integers(0, 4)) == 0 else [draw(st.integers(0, 2)), rows, blocks]
    return {"inputs": [[shape, draw(float_dtypes)]], "kwargs": kwargs}


def _shuffle(draw, op: str) -> dict:
    factor = legal_or_not(draw, st.integers(1, 3), NONPOSITIVE)
    r = max(factor, 1)
    lead = draw(st.lists(st.integers(0, 2), min_size=0, max_size=2))
    if op == "pixel_shuffle":
        shape = [*lead, draw(st.integers(0, 2)) * r * r + draw(st.sampled_from([0] * 5 + [1])), *draw(
            st.lists(st.integers(0, 3), min_size=2, max_size=2))]
    else:
        shape = [*lead, draw(st.integers(0, 2)), *(draw(st.integers(0, 2)) * r + draw(st.sampled_from([0] * 5 + [1]))
                                                  for _ in range(2))]
    if draw(st.integers(0, 9)) == 0:
        shape = shape[-draw(st.integers(0, 2)):] if shape else shape  # too few dimensions
    return {"inputs": [[shape, draw(float_dtypes)]], "args": [factor]}


@st.composite
def cases(draw) -> dict:
    op = draw(st.sampled_from(OPS))
    if op in CONV:
        body = _conv(draw, op)
    elif op == "unfold":
        body = _unfold(draw)
    elif op == "fold":
        body = _fold(draw)
    else:
        body = _shuffle(draw, op)
    return {"op": op, **body, "seed": draw(seeds)}


def check(case: dict) -> str:
    import torch.nn.functional as TF
    from differential import check_functional

    import ember.nn.functional as EF

    return check_functional(case, getattr(EF, case["op"]), getattr(TF, case["op"]),
                     tol={"float32": dict(rtol=1e-3, atol=1e-4), "float64": dict(rtol=1e-9, atol=1e-10)})
