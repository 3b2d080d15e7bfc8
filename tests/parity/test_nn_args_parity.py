"""Hostile arguments to the nn functions backed by Cython kernels: the same outcome as PyTorch 2.13 (the same
error type, with the message word for word where PyTorch's speaks to the user, or the same values)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from outcomes import outcome

import ember
import ember.nn.functional as EF

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# (case, message compared): each runs with (F, t), t(*shape) a tensor of ones of that shape
ERRORS = [
    (lambda F, t: F.max_pool2d(t(1, 1, 9, 9), 2, padding=2, dilation=3), True),
    (lambda F, t: F.max_pool2d(t(1, 1, 9, 9), 3, padding=2), True),
    (lambda F, t: F.max_pool2d(t(1, 1, 4, 4), 2, 0), True),
    (lambda F, t: F.max_pool2d(t(1, 1, 4, 4), 0), True),
    (lambda F, t: F.max_pool2d(t(1, 1, 4, 4), (2, 0), 1), True),
    (lambda F, t: F.max_pool2d(t(1, 1, 4, 4), 2, (1, -1)), True),
    (lambda F, t: F.max_pool2d(t(1, 1, 4, 4), 2, dilation=(1, 0)), True),
    (lambda F, t: F.max_pool2d(t(1, 1, 4, 4), 2, padding=(0, -1)), True),
    (lambda F, t: F.max_pool2d(t(2, 0, 4, 4), 2), False),
    (lambda F, t: F.max_pool2d(t(0, 4, 4), 2), False),
    (lambda F, t: F.max_pool2d(t(1, 1, 4, 4), 2, 2 ** 40), False),
    (lambda F, t: F.max_pool1d(t(1, 1, 4), 0), True),
    (lambda F, t: F.max_pool1d(t(1, 1, 4), 2, -1), True),
    (lambda F, t: F.max_pool1d(t(1, 1, 4), 2, 1, -1), True),
    (lambda F, t: F.max_pool1d(t(1, 1, 4), 2, 1, 2), True),
    (lambda F, t: F.max_pool1d(t(1, 1, 4), 2, 1, 0, 0), True),
    (lambda F, t: F.avg_pool2d(t(1, 1, 4, 4), 2, divisor_override=0), True),
    (lambda F, t: F.avg_pool2d(t(1, 1, 4, 4), 2, divisor_override=2.5), False),
    (lambda F, t: F.avg_pool2d(t(1, 1, 4, 4), 2, 0), True),
    (lambda F, t: F.avg_pool2d(t(1, 1, 4, 4), 2, 1, -1), True),
    (lambda F, t: F.avg_pool2d(t(1, 1, 4, 4), 2, padding=2), True),
    (lambda F, t: F.avg_pool1d(t(1, 1, 4), 2, -1), True),
    (lambda F, t: F.adaptive_avg_pool2d(t(1, 1, 4, 4), -1), True),
    (lambda F, t: F.adaptive_max_pool2d(t(1, 1, 4, 4), -1), False),
    (lambda F, t: F.unfold(t(1, 1, 4, 4), 0), True),
    (lambda F, t: F.unfold(t(1, 1, 4, 4), 2, stride=0), True),
    (lambda F, t: F.unfold(t(1, 1, 4, 4), 2, stride=-1), True),
    (lambda F, t: F.unfold(t(1, 1, 4, 4), 2, dilation=0), True),
    (lambda F, t: F.unfold(t(1, 1, 4, 4), 2, padding=-1), True),
    (lambda F, t: F.unfold(t(1, 1, 4, 4), 5), True),
    (lambda F, t: F.unfold(t(1, 0, 4, 4), 2), True),
    (lambda F, t: F.fold(t(1, 25, 1), (4, 4), 5), True),
    (lambda F, t: F.fold(t(1, 4, 9), (4, 4), 2, stride=0), True),
    (lambda F, t: F.fold(t(1, 4, 9), (4, 4), 0), True),
    (lambda F, t: F.fold(t(1, 4, 9), (4, 4), 2, dilation=0), True),
    (lambda F, t: F.fold(t(1, 4, 9), (4, 4), 2, padding=-1), True),
    (lambda F, t: F.fold(t(1, 4, 9), (4, 4), (2, 0)), True),
    (lambda F, t: F.fold(t(1, 4, 8), (4, 4), 2), True),
    (lambda F, t: F.fold(t(1, 9, 1), (1, 1), 3), True),
    (lambda F, t: F.fold(t(4), (4, 4), 2), True),
    (lambda F, t: F.fold(t(1, 0, 9), (4, 4), 2), True),
    (lambda F, t: F.conv_transpose2d(t(1, 1, 3, 3), t(1, 1, 3, 3), stride=0), True),
    (lambda F, t: F.conv_transpose2d(t(1, 1, 3, 3), t(1, 1, 3, 3), stride=-1), True),
    (lambda F, t: F.conv_transpose2d(t(1, 1, 3, 3), t(1, 1, 3, 3), dilation=0), False),
    (lambda F, t: F.conv_transpose2d(t(1, 1, 3, 3), t(1, 1, 3, 3), padding=-1), True),
    (lambda F, t: F.conv_transpose2d(t(1, 1, 3, 3), t(1, 1, 3, 3), output_padding=-1), True),
    (lambda F, t: F.conv_transpose2d(t(1, 1, 3, 3), t(1, 1, 3, 3), groups=0), True),
    (lambda F, t: F.conv_transpose2d(t(1, 1, 3, 3), t(1, 2, 3, 3), t(3)), True),
    (lambda F, t: F.conv2d(t(1, 3, 5, 5), t(4, 3, 3, 3), dilation=0), True),
    (lambda F, t: F.conv2d(t(1, 3, 5, 5), t(4, 3, 3, 3), dilation=-1), False),
    (lambda F, t: F.conv2d(t(1, 3, 5, 5), t(4, 3, 0, 3)), True),
    (lambda F, t: F.conv2d(t(1, 3, 5, 5), t(0, 3, 3, 3)), True),
    (lambda F, t: F.pixel_shuffle(t(1, 4, 2, 2), 0), True),
    (lambda F, t: F.pixel_shuffle(t(1, 4, 2, 2), -1), True),
    (lambda F, t: F.pixel_shuffle(t(4, 2), 2), True),
    (lambda F, t: F.pixel_unshuffle(t(1, 4, 2, 2), 0), True),
    (lambda F, t: F.pixel_unshuffle(t(1, 4, 2, 2), -2), True),
    (lambda F, t: F.interpolate(t(1, 1, 4, 4), size=0), True),
    (lambda F, t: F.interpolate(t(1, 1, 4, 4), size=-1), True),
    (lambda F, t: F.interpolate(t(1, 1, 0, 4), size=3), True),
    (lambda F, t: F.interpolate(t(1, 1, 4, 4), scale_factor=0.0, mode="bilinear"), True),
    (lambda F, t: F.interpolate(t(1, 1, 4), size=0, mode="linear"), True),
    (lambda F, t: F.group_norm(t(2, 4, 3), -1), True),
    (lambda F, t: F.group_norm(t(2, 4, 3), 0), False),
]


@pytest.mark.parametrize(("case", "same_message"), ERRORS)
def test_hostile_arguments_raise_what_pytorch_raises(case, same_message):
    with pytest.raises(Exception) as theirs:
        case(TF, lambda *s: torch.ones(*s))
    with pytest.raises(type(theirs.value)) as ours:
        case(EF, lambda *s: ember.ones(*s))
    if same_message:
        assert str(ours.value) == str(theirs.value).split("\n")[0], str(theirs.value)


rng = np.random.default_rng(11)

# (case, input shapes): each runs with (F, *inputs), the inputs the same random values for both
VALUES = [
    (lambda F, x, w: F.conv_transpose2d(x, w, None, 1, 1, 1, 1, 2), ((2, 4, 3, 3), (4, 3, 3, 3))),
    (lambda F, x, w: F.conv_transpose2d(x, w, None, (1, 2), (2, 0), (2, 1), 1, (3, 1)), ((2, 4, 2, 3),
                                                                                          (4, 3, 2, 2))),
    (lambda F, x, w: F.conv_transpose2d(x, w, None, 2, 1, 2, 1, 3), ((1, 2, 4, 3), (2, 3, 2, 3))),
    (lambda F, x, w: F.conv_transpose2d(x, w, None, 1, (2, 0), (4, 1), 1, (5, 2)), ((1, 2, 1, 2), (2, 3, 1, 2))),
    (lambda F, x, w: F.conv_transpose2d(x, w, stride=2), ((0, 2, 3, 3), (2, 5, 3, 3))),
    (lambda F, x, w: F.conv2d(x, w), ((0, 3, 5, 5), (4, 3, 3, 3))),
    (lambda F, x, w: F.conv2d(x, w, padding=1), ((0, 16, 6, 6), (16, 16, 3, 3))),
    (lambda F, x, w: F.conv2d(x, w, stride=2 ** 40), ((1, 2, 4, 4), (3, 2, 2, 2))),
    (lambda F, x: F.max_pool2d_with_indices(x, 2, 1, 1, 10), ((1, 2, 9, 9),)),
    (lambda F, x: F.max_pool2d(x, 2), ((0, 3, 4, 4),)),
    (lambda F, x: F.avg_pool2d(x, 2, divisor_override=-1), ((1, 2, 4, 6),)),
    (lambda F, x: F.avg_pool2d(x, 3, 2, 1, divisor_override=-3), ((1, 2, 5, 5),)),
    (lambda F, x: F.avg_pool2d(x, 2), ((0, 3, 4, 4),)),
    (lambda F, x: F.adaptive_max_pool2d(x, 2), ((0, 3, 4, 4),)),
    (lambda F, x: F.adaptive_avg_pool2d(x, 2), ((1, 0, 4, 4),)),
    (lambda F, x: F.adaptive_avg_pool2d(x, 0), ((1, 1, 4, 4),)),
    (lambda F, x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), ((3, 5, 6),)),
    (lambda F, x: F.unfold(x, 2), ((0, 1, 4, 4),)),
    (lambda F, x: F.unfold(x, 3, stride=2 ** 40), ((1, 2, 4, 4),)),
    (lambda F, x: F.fold(x, (5, 6), (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), ((6, 15),)),
    (lambda F, x: F.fold(x, (4, 4), 2), ((0, 4, 9),)),
    (lambda F, x: F.batch_norm(x, None, None, training=True), ((4, 0, 3),)),
    (lambda F, x: F.batch_norm(x, None, None, training=True), ((0, 3, 3),)),
    (lambda F, x: F.group_norm(x, 1), ((2, 0, 3),)),
    (lambda F, x: F.instance_norm(x), ((0, 3, 4),)),
    (lambda F, x: F.pixel_shuffle(x, 2), ((0, 4, 2, 2),)),
    (lambda F, x: F.pad(x, (-1, 2), mode="reflect"), ((1, 2, 5),)),
    (lambda F, x: F.pad(x, (2, -2, -1, 1), mode="reflect"), ((1, 2, 4, 5),)),
    (lambda F, x: F.pad(x, (-1, 2), mode="circular"), ((1, 2, 5),)),
    (lambda F, x: F.pad(x, (-2, 1, 1, -1), mode="replicate"), ((1, 2, 4, 5),)),
]


@pytest.mark.parametrize(("case", "shapes"), VALUES)
def test_edge_arguments_give_what_pytorch_gives(case, shapes):
    arrays = [rng.standard_normal(s) for s in shapes]
    theirs = case(TF, *(torch.tensor(a) for a in arrays))
    ours = case(EF, *(ember.tensor(a) for a in arrays))
    for o, t in zip(ours if isinstance(ours, tuple) else (ours,), theirs if isinstance(theirs, tuple) else (theirs,),
                    strict=True):
        assert tuple(o.shape) == tuple(t.shape)
        if t.dtype == torch.int64:   # max pool indices: PyTorch's for a window without input lie past the plane
            t = torch.where(t >= t.new_tensor(np.prod(arrays[0].shape[-2:])), -1, t)
            np.testing.assert_array_equal(o.numpy(), t.numpy())
        else:
            np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)


# -- random windows, hostile ones included -----------------------------------------------------------------------

_num = st.sampled_from([-1, 0, 1, 2, 3, 4])
_pair = st.tuples(_num, _num)


def _windowed(kind, x, w, k, s, p, d, extra):
    """The call of ``kind`` on these arrays, for either library."""
    return {
        "unfold": lambda F, lib: F.unfold(lib.tensor(x), k, d, p, s),
        "fold": lambda F, lib: F.fold(lib.tensor(w), x.shape[2:], k, d, p, s),
        "conv2d": lambda F, lib: F.conv2d(lib.tensor(x), lib.tensor(w), None, s, p, d, extra),
        "conv_transpose2d": lambda F, lib: F.conv_transpose2d(lib.tensor(x), lib.tensor(w.transpose(1, 0, 2, 3)),
                                                              None, s, p, (extra - 1, extra - 1), 1, d),
        "max_pool2d": lambda F, lib: F.max_pool2d(lib.tensor(x), k, s, p, d, extra == 2, True),
        "avg_pool2d": lambda F, lib: F.avg_pool2d(lib.tensor(x), k, s, p, extra == 2, True, (None, -2, 3)[extra % 3]),
    }[kind]


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["unfold", "fold", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d"]),
       size=st.tuples(st.integers(1, 7), st.integers(1, 6)), k=_pair, s=_pair, p=_pair, d=_pair,
       extra=st.integers(1, 2), seed=st.integers(0, 2 ** 16))
def test_random_windows_do_what_pytorch_does(kind, size, k, s, p, d, extra, seed):
    """Every combination either works as in PyTorch or raises the same type of error (never crashes)."""
    r = np.random.default_rng(seed)
    x = r.standard_normal((2, 2) + size)
    kernel = (max(k[0], 0), max(k[1], 0))
    w = r.standard_normal((2, 2 // extra) + kernel) if kind in ("conv2d", "conv_transpose2d") else \
        r.standard_normal((2, 2 * max(1, abs(k[0] * k[1])), r.integers(1, 10)))
    call = _windowed(kind, x, w, k, s, p, d, extra)
    theirs = outcome(lambda: call(TF, torch))
    ours = outcome(lambda: call(EF, ember))
    assert (theirs[1] is None) == (ours[1] is None), (theirs, ours)
    if theirs[1] is not None:
        assert type(ours[1]) is type(theirs[1]), (theirs[1], ours[1])
        return
    pairs = zip(ours[0] if isinstance(ours[0], tuple) else (ours[0],),
                theirs[0] if isinstance(theirs[0], tuple) else (theirs[0],), strict=True)
    for o, t in pairs:
        assert tuple(o.shape) == tuple(t.shape)
        if t.dtype == torch.int64:   # a window without input: -1 here, a position past the plane in PyTorch
            t = torch.where(t >= size[0] * size[1], -1, t)
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-9, atol=1e-12)
