"""Hypothesis strategies shared by the fuzz families: sizes, per-dimension arguments that are
often illegal (zero, negative, too long), and seeds for the input data."""

from __future__ import annotations

from hypothesis import strategies as st

seeds = st.integers(0, 2**32 - 1)
float_dtypes = st.sampled_from(["float32", "float64"])


def legal_or_not(draw, legal: st.SearchStrategy, illegal: st.SearchStrategy | None, odds: int = 8):
    """A value from ``illegal`` one time in ``odds``, else from ``legal``: most cases must be legal
    for their values to be compared at all."""
    if illegal is not None and draw(st.integers(0, odds - 1)) == 0:
        return draw(illegal)
    return draw(legal)


def per_dim(draw, legal: st.SearchStrategy, dims: int, illegal: st.SearchStrategy | None = None):
    """An int, or a list of ``dims`` of them; without ``illegal`` that is all, with it the list
    has now and then one too many or too few, and each value is now and then from ``illegal``."""
    if draw(st.booleans()):
        return legal_or_not(draw, legal, illegal)
    length = dims if illegal is None else draw(st.sampled_from([dims] * 12 + [dims + 1, max(dims - 1, 0)]))
    return [legal_or_not(draw, legal, illegal) for _ in range(length)]


def legal_case(draw) -> bool:
    """Two cases in three have only legal arguments (so that values are compared); the third
    draws every argument with now and then an illegal value."""
    return draw(st.integers(0, 2)) > 0


def batch_shape(draw, spatial_dims: int, channels: int | None = None, max_size: int = 7,
                legal: bool = False) -> list[int]:
    """``[N, C, *spatial]`` or, one time in five, the unbatched ``[C, *spatial]``. Unless ``legal``,
    N, C and sizes are 0 now and then; one time in four the spatial sizes are larger (the kernels' vectorised paths)."""
    zero = None if legal else st.just(0)
    c = legal_or_not(draw, st.integers(1, 3), zero) if channels is None else channels
    sizes = st.integers(1, max_size) if draw(st.integers(0, 3)) else st.integers(max_size + 1, 3 * max_size)
    spatial = [legal_or_not(draw, sizes, zero) for _ in range(spatial_dims)]
    if draw(st.integers(0, 4)) == 0:
        return [c, *spatial]
    return [legal_or_not(draw, st.integers(1, 2), zero), c, *spatial]
