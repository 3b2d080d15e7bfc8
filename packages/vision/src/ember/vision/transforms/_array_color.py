"""Colour kernels on NumPy arrays of shape (..., C, H, W), following torchvision's tensor
algorithms (float32 arithmetic, truncating casts where torchvision truncates)."""

from __future__ import annotations

import numpy as np

from ember.vision.transforms._array import cast_back, pad, work_dtype


def max_value(dtype) -> float:
    if np.issubdtype(dtype, np.floating):
        return 1.0
    if dtype == np.bool_:
        return 1
    return np.iinfo(dtype).max


def blend(img1: np.ndarray, img2, ratio: float) -> np.ndarray:
    dt = work_dtype(img1)
    out = ratio * img1.astype(dt, copy=False) + (1.0 - ratio) * np.asarray(img2, dtype=dt)
    return np.clip(out, 0, max_value(img1.dtype)).astype(img1.dtype)


def rgb_to_grayscale(arr: np.ndarray, num_output_channels: int) -> np.ndarray:
    if arr.shape[-3] == 1:
        gray = arr
    else:
        dt = work_dtype(arr)
        r, g, b = (arr[..., i, :, :].astype(dt, copy=False) for i in range(3))
        gray = (dt.type(0.2989) * r + dt.type(0.587) * g + dt.type(0.114) * b).astype(arr.dtype)[..., None, :, :]
    if num_output_channels == 3:
        return np.broadcast_to(gray, gray.shape[:-3] + (3,) + gray.shape[-2:]).copy()
    return gray


def adjust_brightness(arr, factor):
    return blend(arr, 0.0, factor)


def adjust_contrast(arr, factor):
    dt = work_dtype(arr)
    gray = rgb_to_grayscale(arr, 1) if arr.shape[-3] == 3 else arr
    mean = gray.astype(dt).mean(axis=(-3, -2, -1), keepdims=True)
    return blend(arr, mean, factor)


def adjust_saturation(arr, factor):
    if arr.shape[-3] == 1:
        return arr
    return blend(arr, rgb_to_grayscale(arr, 1), factor)


def to_float(arr: np.ndarray) -> np.ndarray:
    if np.issubdtype(arr.dtype, np.floating):
        return arr
    return arr.astype(np.float32) / np.float32(max_value(arr.dtype))


def from_float(arr: np.ndarray, dtype) -> np.ndarray:
    if np.issubdtype(dtype, np.floating):
        return arr.astype(dtype, copy=False)
    return (arr * np.float32(max_value(dtype) + 1.0 - 1e-3)).astype(dtype)


def _rgb2hsv(img):
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    s = cr / np.where(eqc, 1.0, maxc)
    div = np.where(eqc, 1.0, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    h = ((maxc == r) * (bc - gc) + ((maxc == g) & (maxc != r)) * (2.0 + rc - bc)
         + ((maxc != g) & (maxc != r)) * (4.0 + gc - rc))
    h = np.fmod(h / 6.0 + 1.0, 1.0)
    return h, s, maxc


def _hsv2rgb(h, s, v):
    i = np.floor(h * 6.0)
    f = h * 6.0 - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (1.0 - s), 0.0, 1.0)
    q = np.clip(v * (1.0 - s * f), 0.0, 1.0)
    t = np.clip(v * (1.0 - s * (1.0 - f)), 0.0, 1.0)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]
    r = np.select([i == k for k in range(6)], [c[0] for c in choices])
    g = np.select([i == k for k in range(6)], [c[1] for c in choices])
    b = np.select([i == k for k in range(6)], [c[2] for c in choices])
    return np.stack((r, g, b), axis=-3)


def adjust_hue(arr, hue_factor):
    if arr.shape[-3] == 1:
        return arr
    img = to_float(arr)
    h, s, v = _rgb2hsv(img)
    h = (h + np.asarray(hue_factor, dtype=img.dtype)) % 1.0
    return from_float(_hsv2rgb(h, s, v).astype(img.dtype), arr.dtype)


def adjust_gamma(arr, gamma, gain):
    img = to_float(arr)
    out = np.clip(gain * np.power(img, gamma), 0.0, 1.0).astype(img.dtype)
    return from_float(out, arr.dtype)


def invert(arr):
    if np.issubdtype(arr.dtype, np.floating):
        return (1.0 - arr).astype(arr.dtype)
    return (max_value(arr.dtype) - arr).astype(arr.dtype)


def posterize(arr, bits):
    return arr & np.uint8((0xFF << (8 - bits)) & 0xFF)


def solarize(arr, threshold):
    return np.where(arr >= threshold, invert(arr), arr)


def _box_blur(arr):
    dt = work_dtype(arr)
    src = arr.astype(dt)
    k = np.ones((3, 3), dtype=dt)
    k[1, 1] = 5.0
    k /= k.sum()
    h, w = arr.shape[-2:]
    acc = np.zeros(arr.shape[:-2] + (h - 2, w - 2), dtype=dt)
    for dy in range(3):
        for dx in range(3):
            acc += k[dy, dx] * src[..., dy:dy + h - 2, dx:dx + w - 2]
    out = arr.copy()
    out[..., 1:-1, 1:-1] = cast_back(acc, arr.dtype)
    return out


def adjust_sharpness(arr, factor):
    if arr.shape[-1] <= 2 or arr.shape[-2] <= 2:
        return arr
    return blend(arr, _box_blur(arr), factor)


def autocontrast(arr):
    bound = max_value(arr.dtype)
    dt = work_dtype(arr)
    lo = arr.min(axis=(-2, -1), keepdims=True).astype(dt)
    hi = arr.max(axis=(-2, -1), keepdims=True).astype(dt)
    with np.errstate(divide="ignore"):
        scale = bound / (hi - lo)
    flat = ~np.isfinite(scale)
    lo = np.where(flat, 0, lo)
    scale = np.where(flat, 1, scale)
    return np.clip((arr - lo) * scale, 0, bound).astype(arr.dtype)


def _equalize_channel(chan: np.ndarray) -> np.ndarray:
    hist = np.bincount(chan.reshape(-1), minlength=256)
    nonzero = hist[hist != 0]
    step = int(nonzero[:-1].sum()) // 255
    if step == 0:
        return chan
    lut = (np.cumsum(hist) + step // 2) // step
    lut = np.clip(np.concatenate([[0], lut[:-1]]), 0, 255)
    return lut[chan.astype(np.int64)].astype(np.uint8)


def equalize(arr):
    flat = arr.reshape((-1,) + arr.shape[-2:])
    return np.stack([_equalize_channel(c) for c in flat]).reshape(arr.shape)


def gaussian_kernel1d(size: int, sigma: float) -> np.ndarray:
    half = (size - 1) * 0.5
    x = np.linspace(-half, half, size, dtype=np.float32)
    pdf = np.exp(-0.5 * (x / np.float32(sigma)) ** 2)
    return pdf / pdf.sum()


def gaussian_blur(arr, kernel_size, sigma):
    """Separable Gaussian blur with reflect padding; ``kernel_size`` and ``sigma`` are (x, y)."""
    kx = gaussian_kernel1d(kernel_size[0], sigma[0])
    ky = gaussian_kernel1d(kernel_size[1], sigma[1])
    dt = work_dtype(arr)
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    src = pad(arr.astype(dt), [px, py, px, py], 0, "reflect")
    h, w = arr.shape[-2:]
    rows = np.zeros(src.shape[:-1] + (w,), dtype=dt)
    for i, k in enumerate(kx.astype(dt)):
        rows += k * src[..., :, i:i + w]
    out = np.zeros(arr.shape[:-2] + (h, w), dtype=dt)
    for i, k in enumerate(ky.astype(dt)):
        out += k * rows[..., i:i + h, :]
    return cast_back(out, arr.dtype)
