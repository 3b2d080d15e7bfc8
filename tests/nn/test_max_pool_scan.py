"""Max pooling finds what PyTorch's scan finds, on every path of the CPU kernel.

PyTorch scans a window row by row, left to right, from -inf at the window's first position inside
the input; a later value takes over if it is greater or NaN. So ties keep the first maximum, the last
NaN wins, padding never wins, and a window of -inf reports its first position. The kernel folds whole
output rows tap by tap (reading the input in place, or a copy between -inf columns when the windows
over the padding are many), and 2x2 stride 2 has its own path: the shapes below reach each of them.
"""

import nn_refs as ref
import numpy as np
import pytest

import ember
import ember.nn.functional as F
from ember.autograd import gradcheck
from ember.backends.cpu import buffers
from ember.backends.cpu.blas_threads import blas_threads

rng = np.random.default_rng(7)


def _scan(x, windows):
    """Max and flat index over ``windows(oh, ow) -> [(ih, iw), ...]`` (in-plane taps in scan order)."""
    n, c, h, w = x.shape
    ho, wo = windows.shape
    out = np.empty((n, c, ho, wo), dtype=x.dtype)
    idx = np.empty((n, c, ho, wo), dtype=np.int64)
    for oh in range(ho):
        for ow in range(wo):
            best = np.full((n, c), -np.inf, dtype=x.dtype)
            at = np.full((n, c), -1, dtype=np.int64)
            for ih, iw in windows(oh, ow):
                v = x[:, :, ih, iw]
                take = (at < 0) | (v > best) | np.isnan(v)
                best = np.where(take, v, best)
                at = np.where(take, ih * w + iw, at)
            out[:, :, oh, ow], idx[:, :, oh, ow] = best, at
    return out, idx


class _PoolWindows:
    def __init__(self, size, k, s, p, d, ceil):
        self.size, self.k, self.s, self.p, self.d = size, k, s, p, d
        self.shape = tuple(ref.pool_out(size[i], k[i], s[i], p[i], d[i], ceil) for i in range(2))

    def __call__(self, oh, ow):
        (h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw) = self.size, self.k, self.s, self.p, self.d
        rows = [oh * sh - ph + i * dh for i in range(kh)]
        cols = [ow * sw - pw + j * dw for j in range(kw)]
        return [(r, c) for r in rows if 0 <= r < h for c in cols if 0 <= c < w]


class _AdaptiveWindows:
    def __init__(self, size, out_size):
        self.rows, self.cols = (ref.adaptive_windows(size[i], out_size[i]) for i in range(2))
        self.shape = tuple(out_size)

    def __call__(self, oh, ow):
        (h0, h1), (w0, w1) = self.rows[oh], self.cols[ow]
        return [(r, c) for r in range(h0, h1) for c in range(w0, w1)]


def _awkward(*shape):
    """Small integers (many ties) with NaNs and -infs sprinkled in, a plane of -inf and a plane with NaNs."""
    x = rng.integers(-3, 4, shape).astype(np.float64)
    mark = rng.random(shape)
    x[mark < 0.04] = np.nan
    x[mark > 0.94] = -np.inf
    x[0, 0] = -np.inf
    x[-1, -1, ::2, 1::3] = np.nan
    return x


POOLS = [  # (input H, W), kernel, stride, padding, dilation, ceil_mode
    ((40, 40), (3, 3), (2, 2), (1, 1), (1, 1), False),   # ResNet's pool: in place, windows over the padding one by one
    ((9, 9), (3, 3), (1, 1), (1, 1), (1, 1), False),     # rows copied between -inf columns
    ((15, 15), (3, 3), (1, 1), (0, 0), (1, 1), False),   # no padding, rows not a multiple of four outputs
    ((28, 13), (5, 5), (1, 1), (2, 2), (1, 1), False),   # kernel rows folded three taps, then two
    ((17, 19), (3, 2), (3, 2), (1, 1), (2, 2), True),    # dilation, ceil_mode, stride 3
    ((11, 12), (4, 4), (2, 3), (2, 1), (1, 1), True),    # kernel larger than stride, odd sizes
    ((7, 30), (1, 7), (1, 3), (0, 3), (1, 1), False),    # one kernel row, wide kernel
    ((6, 9), (2, 2), (2, 2), (0, 0), (1, 1), True),      # 2x2 with a last window over the edge
    ((8, 10), (2, 2), (2, 2), (0, 0), (1, 1), False),    # the 2x2 stride-2 path
    ((1, 3), (1, 2), (1, 1), (0, 0), (1, 1), False),     # a single row
]


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
@pytest.mark.parametrize(("size", "k", "s", "p", "d", "ceil"), POOLS)
def test_max_pool2d_values_and_indices_follow_the_scan(dtype, size, k, s, p, d, ceil):
    x = _awkward(2, 3, *size)
    out, idx = F.max_pool2d(ember.tensor(x, dtype=dtype), k, s, p, d, ceil_mode=ceil, return_indices=True)
    xd = x.astype(out.numpy().dtype)
    exp_out, exp_idx = _scan(xd, _PoolWindows(size, k, s, p, d, ceil))
    assert out.dtype is dtype and idx.dtype is ember.int64
    np.testing.assert_array_equal(out.numpy(), exp_out)
    np.testing.assert_array_equal(idx.numpy(), exp_idx)
    assert np.isnan(out.numpy()[-1, -1]).any() and np.isinf(out.numpy()[0, 0]).all()


def test_max_pool2d_window_without_input_reports_no_index():
    """Dilation can leave a window no tap inside the input: -inf and index -1 (PyTorch reports a position past
    the plane, and its backward pass writes there); the backward pass skips it."""
    x = ember.tensor([[[[5.0, 3.0]]]], requires_grad=True)
    out, idx = F.max_pool2d(x, 2, 1, 1, 2, return_indices=True)   # taps at rows -1 and 1 of a 1-row input
    assert out.detach().numpy().tolist() == [[[[-np.inf, -np.inf]]]]
    assert idx.numpy().tolist() == [[[[-1, -1]]]]
    out.sum().backward()
    assert x.grad.numpy().tolist() == [[[[0.0, 0.0]]]]


EMPTY_WINDOWS = [  # (input H, W), kernel, stride, padding, dilation: windows whose taps all miss the plane
    ((9, 9), (2, 2), (1, 1), (1, 1), (10, 1)),    # no kernel row inside: in place, rows of interior columns
    ((9, 9), (2, 2), (1, 1), (1, 1), (1, 10)),    # no kernel column inside: rows copied between -inf columns
    ((9, 20), (2, 3), (1, 1), (1, 1), (10, 5)),   # empty rows, columns with and without taps inside
    ((11, 9), (3, 2), (2, 1), (1, 1), (5, 10)),   # some rows inside, no column
]


@pytest.mark.parametrize(("size", "k", "s", "p", "d"), EMPTY_WINDOWS)
def test_max_pool2d_windows_without_input_point_nowhere(size, k, s, p, d):
    x = rng.standard_normal((2, 3) + size)
    t = ember.tensor(x, requires_grad=True)
    out, idx = F.max_pool2d(t, k, s, p, d, return_indices=True)
    exp_out, exp_idx = _scan(x, _PoolWindows(size, k, s, p, d, False))
    assert (exp_idx == -1).any()
    np.testing.assert_array_equal(out.detach().numpy(), exp_out)
    np.testing.assert_array_equal(idx.numpy(), exp_idx)
    g = rng.standard_normal(out.shape)
    out.backward(ember.tensor(g))
    expected = np.zeros((2, 3, size[0] * size[1]))
    flat_idx, flat_g = exp_idx.reshape(6, -1), g.reshape(6, -1)
    for plane in range(6):
        keep = flat_idx[plane] >= 0
        np.add.at(expected[plane // 3, plane % 3], flat_idx[plane][keep], flat_g[plane][keep])
    np.testing.assert_allclose(t.grad.numpy().reshape(2, 3, -1), expected)


@pytest.mark.parametrize(("size", "k", "s", "p", "d", "ceil"), [POOLS[0], POOLS[1], POOLS[4], POOLS[5]])
def test_max_pool2d_gradient(size, k, s, p, d, ceil):
    x = rng.permutation(np.prod(size)).reshape((1, 1) + size) / 7.0    # no ties: finite differences are exact
    t = ember.tensor(x, dtype=ember.float64, requires_grad=True)
    assert gradcheck(lambda v: F.max_pool2d(v, k, s, p, d, ceil_mode=ceil), (t,))


@pytest.mark.parametrize(("size", "out_size"), [
    ((14, 14), (7, 7)),     # equal 2x2 windows: max_pool2d's 2x2 path
    ((24, 16), (8, 8)),     # equal 3x2 windows, eight a row: max_pool2d's row folds
    ((16, 14), (2, 7)),     # equal 8x2 windows, few a row: window by window
    ((13, 10), (6, 4)),     # overlapping windows of two sizes
    ((5, 7), (3, 2)), ((4, 5), (4, 5)),
    ((30, 20), (1, 1)),     # one long window: the branching scan for long windows
])
@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_adaptive_max_pool2d_values_and_indices_follow_the_scan(size, out_size, dtype):
    x = _awkward(2, 3, *size)
    out, idx = F.adaptive_max_pool2d(ember.tensor(x, dtype=dtype), out_size, return_indices=True)
    exp_out, exp_idx = _scan(x.astype(out.numpy().dtype), _AdaptiveWindows(size, out_size))
    np.testing.assert_array_equal(out.numpy(), exp_out)
    np.testing.assert_array_equal(idx.numpy(), exp_idx)
    small = rng.permutation(np.prod(size)).reshape((1, 1) + size) / 7.0
    if np.prod(size) <= 300:
        assert gradcheck(lambda v: F.adaptive_max_pool2d(v, out_size),
                         (ember.tensor(small, dtype=ember.float64, requires_grad=True),))


def test_max_pools_match_single_threaded_with_a_thread_team(monkeypatch):
    x = ember.tensor(_awkward(3, 4, 23, 40), dtype=ember.float32)
    pools = [lambda: F.max_pool2d(x, 3, 2, 1, return_indices=True),     # in place
             lambda: F.max_pool2d(x, 3, 1, 1, return_indices=True),     # rows copied between -inf columns
             lambda: F.max_pool2d(x, 2, return_indices=True),
             lambda: F.adaptive_max_pool2d(x, (5, 7), True), lambda: F.adaptive_max_pool2d(x, (23, 20), True)]
    single = [[t.numpy() for t in pool()] for pool in pools]
    monkeypatch.setattr(buffers, "PARALLEL_WORK", 0)
    monkeypatch.setattr(blas_threads, "budget", 2)
    for pool, expected in zip(pools, single):
        for got, want in zip(pool(), expected):
            np.testing.assert_array_equal(got.numpy(), want)
