"""Geometric kernels on NumPy arrays of shape (..., C, H, W): the tensor path of ``functional``.

They reproduce torchvision's tensor algorithms (``F.interpolate`` with and without antialias,
``grid_sample`` with ``align_corners=False`` and the fill mask trick), computed in float32 (or
float64 for float64 images) and rounded back for integer images, as torchvision does.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np


def work_dtype(arr: np.ndarray) -> np.dtype:
    return arr.dtype if arr.dtype in (np.float32, np.float64) else np.dtype(np.float32)


def cast_back(out: np.ndarray, dtype) -> np.ndarray:
    """Float results as ``dtype``: rounded and clipped to its range for integer images."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.round(out), info.min, info.max).astype(dtype)
    if dtype == np.bool_:
        return out > 0.5
    return out.astype(dtype, copy=False)


# ---------------------------------------------------------------------------------------- resize

def _cubic(x: np.ndarray, a: float) -> np.ndarray:
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x < 1, near, np.where(x < 2, far, 0.0))


@lru_cache(maxsize=256)
def resize_weights(in_size: int, out_size: int, mode: str, antialias: bool) -> np.ndarray:
    """The (out_size, in_size) matrix that resamples one axis the way ``F.interpolate`` does."""
    scale = in_size / out_size
    w = np.zeros((out_size, in_size), dtype=np.float64)
    rows = np.arange(out_size)
    if mode in ("nearest", "nearest-exact"):
        offset = np.float32(0.5) if mode == "nearest-exact" else np.float32(0.0)
        src = np.floor((rows.astype(np.float32) + offset) * np.float32(scale)).astype(np.int64)
        w[rows, np.minimum(src, in_size - 1)] = 1.0
        return w
    if antialias:
        interp = 2 if mode == "bilinear" else 4
        support = interp * 0.5 * scale if scale >= 1.0 else interp * 0.5
        invscale = 1.0 / scale if scale >= 1.0 else 1.0
        for i in range(out_size):
            center = scale * (i + 0.5)
            lo = max(int(center - support + 0.5), 0)
            hi = min(int(center + support + 0.5), in_size)
            x = (np.arange(lo, hi) - center + 0.5) * invscale
            k = np.maximum(0.0, 1.0 - np.abs(x)) if mode == "bilinear" else _cubic(x, -0.5)
            total = k.sum()
            w[i, lo:hi] = k / total if total != 0 else k
        return w
    if mode == "bilinear":
        src = np.maximum(scale * (rows + 0.5) - 0.5, 0.0)
        i0 = src.astype(np.int64)
        i1 = np.minimum(i0 + 1, in_size - 1)
        lam = src - i0
        np.add.at(w, (rows, i0), 1.0 - lam)
        np.add.at(w, (rows, i1), lam)
        return w
    if mode == "bicubic":
        src = scale * (rows + 0.5) - 0.5
        i0 = np.floor(src).astype(np.int64)
        t = src - i0
        for k, wk in zip((-1, 0, 1, 2), (_cubic(t + 1, -0.75), _cubic(t, -0.75), _cubic(1 - t, -0.75),
                                         _cubic(2 - t, -0.75))):
            np.add.at(w, (rows, np.clip(i0 + k, 0, in_size - 1)), wk)
        return w
    raise ValueError(f"Tensors do not support interpolation mode '{mode}'; use nearest, nearest-exact, "
                     f"bilinear or bicubic, or resize a PIL image")


def resize(arr: np.ndarray, size_hw, mode: str, antialias: bool) -> np.ndarray:
    h, w = arr.shape[-2:]
    oh, ow = size_hw
    antialias = antialias and mode in ("bilinear", "bicubic")
    if mode in ("nearest", "nearest-exact"):
        ry = resize_weights(h, oh, mode, False).argmax(axis=1)
        rx = resize_weights(w, ow, mode, False).argmax(axis=1)
        return arr[..., ry[:, None], rx[None, :]]
    dt = work_dtype(arr)
    wy = resize_weights(h, oh, mode, antialias).astype(dt)
    wx = resize_weights(w, ow, mode, antialias).astype(dt)
    out = np.matmul(wy, np.matmul(arr.astype(dt, copy=False), wx.T))
    return cast_back(out, arr.dtype)


# ------------------------------------------------------------------------------------ crop / pad

def pad(arr: np.ndarray, padding, fill: float, padding_mode: str) -> np.ndarray:
    """``padding`` is [left, top, right, bottom]; negative values crop."""
    left, top, right, bottom = padding
    h, w = arr.shape[-2:]
    arr = arr[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    left, top, right, bottom = (max(p, 0) for p in padding)
    widths = [(0, 0)] * (arr.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == "constant":
        return np.pad(arr, widths, "constant", constant_values=np.asarray(fill).astype(arr.dtype))
    return np.pad(arr, widths, padding_mode)


def crop(arr: np.ndarray, top: int, left: int, height: int, width: int) -> np.ndarray:
    """The window; the part outside the image is filled with zeros (as a PIL crop does)."""
    h, w = arr.shape[-2:]
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        padding = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                   max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(arr[..., max(top, 0):bottom, max(left, 0):right], padding, 0, "constant")
    return arr[..., top:bottom, left:right]


# ---------------------------------------------------------------------------- warps (grid_sample)

def _sample(arr: np.ndarray, x: np.ndarray, y: np.ndarray, mode: str, fill) -> np.ndarray:
    """``arr`` (..., C, H, W) sampled at pixel coordinates ``x``, ``y`` (oh, ow), zeros outside; then
    torchvision's fill: blend with the sampled coverage (bilinear) or replace where it is < 0.5."""
    h, w = arr.shape[-2:]
    dt = work_dtype(arr)
    src = arr.astype(dt, copy=False)
    if mode == "nearest":
        xi, yi = np.rint(x).astype(np.int64), np.rint(y).astype(np.int64)
        inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        out = src[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] * inside
        mask = inside.astype(dt)
    elif mode == "bilinear":
        x0, y0 = np.floor(x).astype(np.int64), np.floor(y).astype(np.int64)
        fx, fy = (x - x0).astype(dt), (y - y0).astype(dt)
        out = np.zeros(arr.shape[:-2] + x.shape, dtype=dt)
        mask = np.zeros(x.shape, dtype=dt)
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                xi, yi = x0 + dx, y0 + dy
                weight = wx * wy * ((xi >= 0) & (xi < w) & (yi >= 0) & (yi < h))
                out += src[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] * weight
                mask += weight
    else:
        raise ValueError(f"Tensors support only nearest and bilinear interpolation for warps, got '{mode}'")
    if fill is not None:
        fill_values = np.asarray(fill, dtype=dt).reshape(-1, 1, 1)
        if mode == "nearest":
            out = np.where(mask < 0.5, fill_values, out)
        else:
            out = out * mask + (1.0 - mask) * fill_values
    return cast_back(out, arr.dtype)


def affine_output_size(matrix, w: int, h: int) -> tuple[int, int]:
    """Size of the canvas holding the whole warped image (``rotate(expand=True)``), as Pillow does."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, -0.5 * h, 1.0]], dtype=np.float32)
    new = pts @ np.asarray(matrix, dtype=np.float32).reshape(2, 3).T
    halfs = np.array([0.5 * w, 0.5 * h], dtype=np.float32)
    tol = 1e-4
    hi = np.ceil(new.max(axis=0) + halfs - tol)
    lo = np.floor(new.min(axis=0) + halfs + tol)
    size = hi - lo
    return int(size[0]), int(size[1])


def affine(arr: np.ndarray, matrix, mode: str, fill, out_size=None) -> np.ndarray:
    """Warp by the inverse affine ``matrix`` (output centred coordinates -> input centred)."""
    h, w = arr.shape[-2:]
    ow, oh = out_size or (w, h)
    m = np.asarray(matrix, dtype=np.float64)
    gx = np.arange(ow, dtype=np.float64) - ow * 0.5 + 0.5
    gy = (np.arange(oh, dtype=np.float64) - oh * 0.5 + 0.5)[:, None]
    x = m[0] * gx + m[1] * gy + m[2] + w * 0.5 - 0.5
    y = m[3] * gx + m[4] * gy + m[5] + h * 0.5 - 0.5
    return _sample(arr, x, y, mode, fill)


def perspective(arr: np.ndarray, coeffs, mode: str, fill) -> np.ndarray:
    h, w = arr.shape[-2:]
    c = [float(v) for v in coeffs]
    gx = np.arange(w, dtype=np.float64) + 0.5
    gy = (np.arange(h, dtype=np.float64) + 0.5)[:, None]
    den = c[6] * gx + c[7] * gy + 1.0
    x = (c[0] * gx + c[1] * gy + c[2]) / den - 0.5
    y = (c[3] * gx + c[4] * gy + c[5]) / den - 0.5
    return _sample(arr, x, y, mode, fill)


def inverse_affine_matrix(center, angle: float, translate, scale: float, shear, inverted: bool = True):
    """torchvision's ``_get_inverse_affine_matrix``: rotation, scale and shear about ``center``."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    if inverted:
        m = [x / scale for x in (d, -b, 0.0, -c, a, 0.0)]
        m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty)
        m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty)
        m[2] += cx
        m[5] += cy
    else:
        m = [x * scale for x in (a, b, 0.0, c, d, 0.0)]
        m[2] += m[0] * (-cx) + m[1] * (-cy)
        m[5] += m[3] * (-cx) + m[4] * (-cy)
        m[2] += cx + tx
        m[5] += cy + ty
    return m


def perspective_coeffs(startpoints, endpoints) -> list[float]:
    """The 8 coefficients mapping output points to input points (least squares, float64, as float32)."""
    if len(startpoints) != 4 or len(endpoints) != 4:
        raise ValueError(f"Please provide exactly four corners, got {len(startpoints)} startpoints and "
                         f"{len(endpoints)} endpoints.")
    a = np.zeros((8, 8), dtype=np.float64)
    for i, (p1, p2) in enumerate(zip(endpoints, startpoints)):
        a[2 * i] = [p1[0], p1[1], 1, 0, 0, 0, -p2[0] * p1[0], -p2[0] * p1[1]]
        a[2 * i + 1] = [0, 0, 0, p1[0], p1[1], 1, -p2[1] * p1[0], -p2[1] * p1[1]]
    b = np.asarray(startpoints, dtype=np.float64).reshape(8)
    return np.linalg.lstsq(a, b, rcond=None)[0].astype(np.float32).tolist()
