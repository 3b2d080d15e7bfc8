"""NumPy reference implementations that the nn tests check ember against."""

import numpy as np


def conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1):
    """Direct convolution by summing shifted slices: out[n, o] = sum_{c,i,j} w[o, c, i, j] x[n, c, ...]."""
    n, c, h, wd = x.shape
    co, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0], padding[0]), (padding[1], padding[1])))
    ho = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, co, ho, wo))
    per = co // groups
    for o in range(co):
        g = o // per
        for ci in range(cg):
            for i in range(kh):
                for j in range(kw):
                    patch = xp[:, g * cg + ci, i * dilation[0]: i * dilation[0] + stride[0] * (ho - 1) + 1: stride[0],
                               j * dilation[1]: j * dilation[1] + stride[1] * (wo - 1) + 1: stride[1]]
                    out[:, o] += w[o, ci, i, j] * patch
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), groups=1, dilation=(1, 1)):
    """Transposed convolution by scattering each input pixel times the kernel."""
    n, ci, h, wd = x.shape
    _, cog, kh, kw = w.shape
    co = cog * groups
    hf = (h - 1) * stride[0] + dilation[0] * (kh - 1) + 1 + output_padding[0]
    wf = (wd - 1) * stride[1] + dilation[1] * (kw - 1) + 1 + output_padding[1]
    full = np.zeros((n, co, hf, wf))
    per = ci // groups
    for c in range(ci):
        g = c // per
        for o in range(cog):
            for i in range(kh):
                for j in range(kw):
                    full[:, g * cog + o, i * dilation[0]: i * dilation[0] + stride[0] * (h - 1) + 1: stride[0],
                         j * dilation[1]: j * dilation[1] + stride[1] * (wd - 1) + 1: stride[1]] += \
                        w[c, o, i, j] * x[:, c]
    ho = hf - 2 * padding[0]
    wo = wf - 2 * padding[1]
    out = full[:, :, padding[0]:padding[0] + ho, padding[1]:padding[1] + wo]
    if b is not None:
        out = out + b.reshape(1, -1, 1, 1)
    return out


def pool_out(size, k, s, p, d, ceil):
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (out - 1) * s >= size + p:
        out -= 1
    return out


def max_pool2d(x, k, s, p, d=(1, 1), ceil=False):
    n, c, h, w = x.shape
    ho, wo = pool_out(h, k[0], s[0], p[0], d[0], ceil), pool_out(w, k[1], s[1], p[1], d[1], ceil)
    out = np.full((n, c, ho, wo), -np.inf)
    idx = np.zeros((n, c, ho, wo), dtype=np.int64)
    for oh in range(ho):
        for ow in range(wo):
            for i in range(k[0]):
                for j in range(k[1]):
                    ih, iw = oh * s[0] - p[0] + i * d[0], ow * s[1] - p[1] + j * d[1]
                    if 0 <= ih < h and 0 <= iw < w:
                        v = x[:, :, ih, iw]
                        better = v > out[:, :, oh, ow]
                        out[:, :, oh, ow] = np.where(better, v, out[:, :, oh, ow])
                        idx[:, :, oh, ow] = np.where(better, ih * w + iw, idx[:, :, oh, ow])
    return out, idx


def avg_pool2d(x, k, s, p, ceil=False, count_include_pad=True, divisor=None):
    n, c, h, w = x.shape
    ho, wo = pool_out(h, k[0], s[0], p[0], 1, ceil), pool_out(w, k[1], s[1], p[1], 1, ceil)
    out = np.zeros((n, c, ho, wo))
    for oh in range(ho):
        for ow in range(wo):
            h0, w0 = oh * s[0] - p[0], ow * s[1] - p[1]
            h1, w1 = min(h0 + k[0], h + p[0]), min(w0 + k[1], w + p[1])
            size = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            if divisor:
                size = divisor
            elif not count_include_pad:
                size = (h1 - h0) * (w1 - w0)
            out[:, :, oh, ow] = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3)) / size
    return out


def adaptive_windows(size, out):
    return [(o * size // out, -(-(o + 1) * size // out)) for o in range(out)]


def adaptive_pool2d(x, out_size, fn):
    n, c, h, w = x.shape
    res = np.zeros((n, c) + tuple(out_size))
    for oh, (h0, h1) in enumerate(adaptive_windows(h, out_size[0])):
        for ow, (w0, w1) in enumerate(adaptive_windows(w, out_size[1])):
            res[:, :, oh, ow] = fn(x[:, :, h0:h1, w0:w1], axis=(2, 3))
    return res


def log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
