"""The nn Cython kernels run without bounds checks, so each checks once per call what its loops trust: the
shapes of its buffers against each other and against the window geometry. Called directly with buffers that
disagree, each refuses (ValueError) instead of reading or writing past them."""

import numpy as np
import pytest

from ember.backends.cpu import _im2col, _norm, _pooling, _winograd

f32 = np.float32


def z(*shape, dtype=f32):
    return np.zeros(shape, dtype=dtype)


# -- im2col / col2im -----------------------------------------------------------------------------------------------

GOOD = (3, 3, 1, 1, 1, 1, 1, 1)    # kernel, stride, padding, dilation: a 5x5 image gives 5x5 windows


def test_im2col_and_col2im_accept_matching_buffers():
    x = np.arange(50, dtype=f32).reshape(1, 2, 5, 5)
    cols = z(18, 1, 25)
    _im2col.im2col(x, cols, *GOOD)
    assert cols[4, 0].tolist() == x[0, 0].ravel().tolist()     # the centre tap is the image itself
    back = z(1, 2, 5, 5)
    _im2col.col2im(cols, back, *GOOD)
    assert back.any()


@pytest.mark.parametrize("kernel", [_im2col.im2col, _im2col.col2im])
@pytest.mark.parametrize(("cols", "params", "message"), [
    ((18, 1, 24), GOOD, r"need shape \(18, 1, 25\)"),                 # too short a row: the tail was never written
    ((18, 2, 25), GOOD, r"need shape \(18, 1, 25\)"),                 # more images than the input
    ((9, 1, 25), GOOD, r"need shape \(18, 1, 25\)"),                  # fewer rows than C*kh*kw
    ((18, 1, 25), (3, 3, 0, 1, 1, 1, 1, 1), "must be positive"),      # stride 0: SIGFPE
    ((18, 1, 25), (3, 3, -1, 1, 1, 1, 1, 1), "must be positive"),
    ((18, 1, 25), (3, 3, 1, 1, 1, 1, 0, 1), "must be positive"),      # dilation 0
    ((0, 1, 25), (0, 3, 1, 1, 1, 1, 1, 1), "must be positive"),       # kernel 0
    ((18, 1, 25), (3, 3, 1, 1, -1, 1, 1, 1), "padding .* non-negative"),
    ((50, 1, 1), (5, 5, 1, 1, 0, 0, 2, 2), "does not fit"),          # a dilated kernel larger than the image
])
def test_im2col_and_col2im_refuse_disagreeing_buffers(kernel, cols, params, message):
    x = z(1, 2, 5, 5)
    with pytest.raises(ValueError, match=message):
        kernel(x, z(*cols), *params) if kernel is _im2col.im2col else kernel(z(*cols), x, *params)


# -- pooling -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("out", "idx", "params", "message"), [
    ((3, 2, 2), (3, 2, 2), (2, 2, 2, 2, 0, 0, 1, 1), "2 input planes but 3 output planes"),
    ((2, 2, 2), (2, 2, 3), (2, 2, 2, 2, 0, 0, 1, 1), r"indices has shape \(2, 2, 3\), expected \(2, 2, 2\)"),
    ((2, 2, 2), (2, 2, 2), (2, 2, 0, 2, 0, 0, 1, 1), "must be positive"),
    ((2, 2, 2), (2, 2, 2), (2, 2, 2, 2, 0, 0, 1, 0), "must be positive"),     # dilation 0: an endless scan
    ((2, 2, 2), (2, 2, 2), (2, 2, 2, 2, 0, -1, 1, 1), "non-negative"),        # writes before the padded copy
])
def test_max_pool2d_refuses_disagreeing_buffers(out, idx, params, message):
    with pytest.raises(ValueError, match=message):
        _pooling.max_pool2d(z(2, 4, 4), z(*out), z(*idx, dtype=np.int64), *params)


def test_max_pool2d_needs_a_thread_count():
    """Its per-thread buffers have one row per thread: 0 would let OpenMP choose a larger team."""
    with pytest.raises(ValueError, match="threads must be at least 1, got 0"):
        _pooling.max_pool2d(z(2, 4, 4), z(2, 2, 2), z(2, 2, 2, dtype=np.int64), 3, 3, 1, 1, 0, 0, 1, 1, 0)


def test_max_pool_backward_and_its_adjoint_skip_indices_outside_the_plane():
    grad = np.ones((1, 2, 2), dtype=f32)
    idx = np.array([[[0, -1], [16, 2 ** 40]]], dtype=np.int64)
    gi = z(1, 16)
    _pooling.max_pool2d_backward(grad, idx, gi)
    assert gi[0].tolist() == [1.0] + [0.0] * 15
    out = z(1, 2, 2)
    _pooling.gather_planes(np.arange(16, dtype=f32).reshape(1, 16) + 1, idx, out)
    assert out.tolist() == [[[1.0, 0.0], [0.0, 0.0]]]
    with pytest.raises(ValueError, match="1 input planes but 2 output planes"):
        _pooling.max_pool2d_backward(grad, idx, z(2, 16))
    with pytest.raises(ValueError, match=r"indices has shape \(1, 2, 1\)"):
        _pooling.gather_planes(z(1, 16), np.ascontiguousarray(idx[:, :, :1]), out)


def test_avg_and_adaptive_pooling_refuse_disagreeing_buffers():
    with pytest.raises(ValueError, match="2 input planes but 3 output planes"):
        _pooling.avg_pool2d(z(2, 4, 4), z(3, 2, 2), 2, 2, 2, 2, 0, 0, True, 0)
    with pytest.raises(ValueError, match="must be positive"):
        _pooling.avg_pool2d(z(2, 4, 4), z(2, 2, 2), 2, 2, 0, 2, 0, 0, True, 0)
    with pytest.raises(ValueError, match="3 input planes but 2 output planes"):
        _pooling.avg_pool2d_backward(z(3, 2, 2), z(2, 4, 4), 2, 2, 2, 2, 0, 0, True, 0)
    with pytest.raises(ValueError, match="2 input planes but 1 output planes"):
        _pooling.adaptive_avg_pool2d(z(2, 4, 4), z(1, 2, 2))
    with pytest.raises(ValueError, match=r"\(2, 2\) windows over an empty \(0, 4\) plane"):
        _pooling.adaptive_avg_pool2d(z(2, 0, 4), z(2, 2, 2))
    with pytest.raises(ValueError, match=r"indices has shape \(2, 1, 2\)"):
        _pooling.adaptive_max_pool2d(z(2, 4, 4), z(2, 2, 2), z(2, 1, 2, dtype=np.int64))


def test_avg_pool2d_divides_by_a_negative_divisor():
    out = z(1, 1, 1)
    _pooling.avg_pool2d(np.ones((1, 2, 2), dtype=f32), out, 2, 2, 2, 2, 0, 0, True, -2)
    assert out.item() == -2.0


# -- batch norm ----------------------------------------------------------------------------------------------------

def test_batch_norm_kernels_refuse_disagreeing_buffers():
    x, mean, var = z(2, 3, 4), np.zeros(3), np.ones(3)
    none = z(0)
    with pytest.raises(ValueError, match=r"out has shape \(2, 3, 3\)"):
        _norm.forward(x, z(2, 3, 3), mean, var, none, none, 1e-5)
    with pytest.raises(ValueError, match="mean has 2 values for 3 channels"):
        _norm.forward(x, z(2, 3, 4), mean[:2], var, none, none, 1e-5)
    with pytest.raises(ValueError, match="weight has 2 values for 3 channels"):
        _norm.forward(x, z(2, 3, 4), mean, var, z(2), none, 1e-5)
    m32, v32 = z(3), np.ones(3, dtype=f32)
    with pytest.raises(ValueError, match=r"grad has shape \(2, 3, 1\)"):
        _norm.backward(z(2, 3, 1), x, m32, v32, none, 1e-5, z(2, 3, 4), z(3), z(3))
    with pytest.raises(ValueError, match="grad_bias has 1 values for 3 channels"):
        _norm.backward(x, x, m32, v32, none, 1e-5, z(0, 0, 0), z(3), z(1))


# -- Winograd ------------------------------------------------------------------------------------------------------

def test_winograd_transforms_refuse_disagreeing_buffers():
    x = z(1, 2, 6, 6)          # padding 1: a 6x6 output, 3x3 tiles of F(2x2, 3x3), 16 slabs
    with pytest.raises(ValueError, match=r"v has shape \(16, 2, 8\), expected \(16, 2, 9\)"):
        _winograd.input_transform(x, z(16, 2, 8), 1, 3, 3)
    with pytest.raises(ValueError, match=r"a \(2, 3\) grid of tiles for a \(6, 6\) output, expected \(3, 3\)"):
        _winograd.input_transform(x, z(16, 2, 6), 1, 2, 3)
    with pytest.raises(ValueError, match="contiguous last axis"):
        _winograd.input_transform(x, z(16, 2, 18)[:, :, ::2], 1, 3, 3)
    with pytest.raises(ValueError, match=r"m has shape \(16, 3, 9\), expected \(16, 2, 9\)"):
        _winograd.output_transform(z(16, 3, 9), x, z(0), 3, 3)
    with pytest.raises(ValueError, match="3 bias values for 2 channels"):
        _winograd.output_transform(z(16, 2, 9), x, z(3), 3, 3)
    with pytest.raises(ValueError, match=r"gt has shape \(16, 2, 5\)"):
        _winograd.grad_transform(x, z(16, 2, 5), 3, 3)
    with pytest.raises(ValueError, match=r"v has shape \(16, 1, 9\)"):
        _winograd.input_transform_adjoint(z(16, 1, 9), x, 1, 3, 3)
    with pytest.raises(ValueError, match=r"\(4, 2, 5, 5\) filters"):
        _winograd.filter_transform(z(4, 2, 5, 5), z(16, 4, 2))
    with pytest.raises(ValueError, match=r"with \(16, 2, 4\) transforms"):
        _winograd.filter_transform_adjoint(z(16, 2, 4), z(4, 2, 3, 3))


def _im2col_by_definition(x, kh, kw, sh, sw, ph, pw, dh, dw):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = np.empty((c, kh, kw, n, ho, wo), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = xp[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw] \
                .transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n, ho * wo)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize(("shape", "params"), [
    ((2, 3, 16, 16), (4, 4, 2, 2, 1, 1, 1, 1)),     # a DCGAN discriminator layer
    ((2, 2, 9, 7), (3, 2, 2, 3, 2, 1, 1, 2)),       # odd sizes: phases of unequal sizes, padding past a stride
    ((1, 3, 11, 10), (3, 3, 3, 2, 0, 4, 2, 3)),     # dilated, padding wider than the kernel's reach
    ((2, 1, 5, 6), (1, 1, 2, 2, 0, 0, 1, 1)),       # a strided 1x1
    ((1, 2, 1, 4), (1, 2, 1, 2, 0, 0, 1, 1)),       # a single row
])
def test_strided_im2col_and_col2im_match_their_definition(dtype, threads, shape, params):
    """The strided path reads each plane's phases; the columns are still the windows, and col2im its adjoint."""
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    expected = _im2col_by_definition(x, *params)
    cols = np.full(expected.shape, np.nan, dtype=dtype)
    _im2col.im2col(x, cols, *params, threads)
    np.testing.assert_array_equal(cols, expected)
    g = np.random.default_rng(4).standard_normal(expected.shape).astype(dtype)
    back = np.zeros(shape, dtype=dtype)
    _im2col.col2im(g, back, *params, threads)
    # the adjoint: <im2col(x), g> = <x, col2im(g)>
    np.testing.assert_allclose(np.vdot(expected.astype(np.float64), g), np.vdot(x.astype(np.float64), back),
                               rtol=1e-5)
